import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { closest, distance } from 'fastest-levenshtein';
import { ConfigError, ConfigErrors } from '../errors.js';
import { schemaFile, type SchemaName } from '../package-assets.js';
import { formatPath, lineOf, pointerToPath, type YamlSource } from './yaml-source.js';

/**
 * Validation of scenario and suite files against the JSON Schemas shipped in
 * `schemas/` (the same files editors use through `# yaml-language-server:
 * $schema=`), with ajv errors turned into `file:line: path message` plus a
 * hint. Unknown keys get a did-you-mean from the keys the schema allows.
 */
export type { SchemaName };

const compiled = new Map<SchemaName, ValidateFunction>();

function validator(name: SchemaName): ValidateFunction {
  let fn = compiled.get(name);
  if (fn === undefined) {
    // verbose: errors carry parentSchema, which lists the allowed keys for did-you-mean.
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
    fn = ajv.compile(JSON.parse(readFileSync(schemaFile(name), 'utf8')) as object);
    compiled.set(name, fn);
  }
  return fn;
}

/**
 * Validate `data` (the document's JS value) and throw every error, located,
 * in line order (a ConfigErrors when there are several): one run shows all
 * that is wrong with the file.
 */
export function validateAgainstSchema(source: YamlSource, name: SchemaName, data: unknown): void {
  const validate = validator(name);
  if (validate(data)) return;
  const errors = specificErrors((validate.errors ?? []).filter((e) => e.keyword !== 'if'));
  const seen = new Set<string>();
  const located: ConfigError[] = [];
  for (const [index, error] of errors.entries()) {
    // Locating an error scans its mapping, and a file with 10,000 unknown keys is not read
    // better for 10,000 lines of output: the first ones say what is wrong.
    if (located.length === MAX_REPORTED_ERRORS) {
      located.push(moreErrors(source, errors.length - index, located));
      break;
    }
    const configError = toConfigError(source, name, error);
    const key = configError.located;
    if (seen.has(key)) continue;
    seen.add(key);
    located.push(configError);
  }
  ConfigErrors.throwIfAny(located);
}

/** Schema errors listed per file; the rest are summed up in one line. */
export const MAX_REPORTED_ERRORS = 20;

function moreErrors(source: YamlSource, count: number, shown: readonly ConfigError[]): ConfigError {
  const last = Math.max(...shown.map((e) => e.line ?? 0));
  return new ConfigError(`… and ${count} more schema errors (the first ${shown.length} are listed)`, {
    file: source.file,
    // After the listed ones: errors are printed in line order.
    ...(last > 0 ? { line: last } : {}),
    hint: 'fix the listed ones first; the rest are often the same mistake',
  });
}

/** Keywords that say what is wrong with a value itself; the rest (anyOf, oneOf, then, …) summarize errors beneath them. */
const SPECIFIC_KEYWORDS = new Set([
  'additionalProperties',
  'required',
  'enum',
  'type',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'const',
  'format',
]);

/**
 * Per place in the document, the most specific errors: a summarizing error
 * is dropped when a more specific one sits at or beneath its path, and at
 * one path an unknown key or a missing one beats a type error of the same
 * value (which the unknown key usually explains).
 */
function specificErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const paths = errors.map((e) => e.instancePath);
  const beneath = (error: ErrorObject) => paths.some((p) => p !== error.instancePath && p.startsWith(`${error.instancePath}/`));
  const kept = errors.filter(
    (e) =>
      SPECIFIC_KEYWORDS.has(e.keyword) ||
      (!beneath(e) && !errors.some((o) => o !== e && o.instancePath === e.instancePath && SPECIFIC_KEYWORDS.has(o.keyword))),
  );
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of kept) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  const out: ErrorObject[] = [];
  for (const group of byPath.values()) {
    const best = Math.min(...group.map(rank));
    out.push(...group.filter((e) => rank(e) === best));
  }
  return out;
}

function rank(error: ErrorObject): number {
  return ['additionalProperties', 'required', 'enum', 'type', 'pattern'].indexOf(error.keyword) + 1 || 9;
}

function toConfigError(source: YamlSource, name: SchemaName, error: ErrorObject): ConfigError {
  const path = pointerToPath(source, error.instancePath);
  const where = { file: source.file, path: formatPath(path) };
  const schemaHint = `see schemas/${name}.schema.json (editors complete keys when the file starts with # yaml-language-server: $schema=../schemas/${name}.schema.json)`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {}).filter((k) => k !== '$schema');
      const guess = allowed.length === 0 ? undefined : closest(key, allowed);
      const near = guess !== undefined && distance(key, guess) <= Math.max(2, Math.floor(key.length / 3));
      return new ConfigError(`unknown key "${key}"${near ? `; did you mean "${guess}"?` : ''}`, {
        ...where,
        line: lineOf(source, path, { key }),
        hint: near ? `rename "${key}" to "${guess}"` : `remove "${key}"; allowed keys here: ${allowed.join(', ')}`,
      });
    }
    case 'required': {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      return new ConfigError(`must have the key "${missing}"`, { ...where, line: lineOf(source, path), hint: `add "${missing}:"; ${schemaHint}` });
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const got = String(error.data);
      const guess = closest(got, allowed);
      const near = distance(got, guess) <= Math.max(2, Math.floor(got.length / 3));
      return new ConfigError(`must be one of ${allowed.join(', ')} (got "${got}")${near ? `; did you mean "${guess}"?` : ''}`, {
        ...where,
        line: lineOf(source, path),
        hint: near ? `write "${guess}"` : `use one of: ${allowed.join(', ')}`,
      });
    }
    case 'pattern': {
      const isDuration = String((error.parentSchema as { pattern?: string } | undefined)?.pattern ?? '').includes('ms|s|m|h');
      return new ConfigError(
        isDuration
          ? `must be a duration like 500ms, 30s, 5m or 1h (got "${String(error.data)}")`
          : `${error.message ?? 'is not valid'} (got "${String(error.data)}")`,
        { ...where, line: lineOf(source, path), hint: isDuration ? 'write a number followed by ms, s, m or h' : schemaHint },
      );
    }
    case 'maxLength': {
      const limit = (error.params as { limit: number }).limit;
      const length = typeof error.data === 'string' ? error.data.length : undefined;
      // Names become folder names (reports/<time>-<name>/<step>/<participant>/) and room names: a
      // name past what the file system takes (255 bytes per folder) failed with ENAMETOOLONG mid-run.
      const isName = /^(name|namePrefix)$/.test(String(path.at(-1) ?? ''));
      return new ConfigError(`is ${length ?? 'more than'} characters long; at most ${limit} are allowed`, {
        ...where,
        line: lineOf(source, path),
        hint: isName
          ? `shorten it to ${limit} characters or fewer: names become folder names under reports/ and room names on the target`
          : `shorten it to ${limit} characters or fewer`,
      });
    }
    case 'type':
      return new ConfigError(`must be ${(error.params as { type: string }).type} (got ${describe(error.data)})`, {
        ...where,
        line: lineOf(source, path),
        hint: schemaHint,
      });
    default:
      return new ConfigError(error.message ?? `is not valid (${error.keyword})`, { ...where, line: lineOf(source, path), hint: schemaHint });
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string "${value}"`;
  return `${typeof value} ${String(value)}`;
}
