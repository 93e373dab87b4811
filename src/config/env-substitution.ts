import { visit } from 'yaml';
import { ConfigError } from '../errors.js';
import type { YamlSource } from './yaml-source.js';

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

/**
 * Replace `${VAR}` and `${VAR:-default}` in every string scalar, in place on
 * the parsed document, so positions survive for later error messages. A
 * scalar that is exactly one placeholder takes the type of its value
 * (`rate: ${RATE:-50}` is the number 50), so the schema checks the value the
 * user meant. An unset variable without a default is an error at its line.
 */
export function substituteEnv(source: YamlSource, env: Record<string, string | undefined>): void {
  visit(source.doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const original = node.value;
      const replaced = original.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) => {
        const value = env[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        throw new ConfigError(`\${${name}} is not set`, {
          file: source.file,
          ...(node.range == null ? {} : { line: source.lines.linePos(node.range[0]).line }),
          hint: `export ${name}=… before running, or give a default: \${${name}:-value}`,
        });
      });
      node.value = WHOLE.test(original) ? coerce(replaced) : replaced;
    },
  });
}

function coerce(value: string): string | number | boolean {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}
