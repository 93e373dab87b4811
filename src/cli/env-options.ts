import { UsageError } from '../errors.js';

/**
 * `ROOMGATE_<FLAG>` environment variables as the running command's flags
 * (ROOMGATE_TARGET → --target, ROOMGATE_SHARD_COUNT → --shard-count, …).
 *
 * Written by hand instead of yargs' `.env('ROOMGATE')` because that turns
 * *every* ROOMGATE_* variable into an argument, and `.strict()` then rejects
 * the ones no command declares: a scenario's own `${ROOMGATE_SOAK_RATE}`, or
 * the GitHub Action's ROOMGATE_SUITE/ROOMGATE_ENTRY, made every command exit 2
 * with "Unknown arguments". Here only variables naming a flag of the running
 * command are applied; the rest stay what they are, plain environment.
 *
 * Precedence as with yargs' env support: the command line, then the
 * environment, then the flag's default.
 */
/** The parts of the yargs instance (handed to middleware at run time, untyped in @types/yargs) read here. */
export interface YargsOptionTables {
  key: Record<string, unknown>;
  boolean: string[];
  number: string[];
  array: string[];
}
export interface YargsInstanceView {
  getOptions(): YargsOptionTables;
  /** yargs' parse result; `defaulted` names the flags that hold their default. */
  parsed?: { defaulted?: Record<string, boolean> } | false;
}

export function envOptionsMiddleware(prefix: string, env: NodeJS.ProcessEnv = process.env) {
  return (argv: Record<string, unknown>, y: YargsInstanceView): void => {
    const options = y.getOptions();
    const declared = new Set(Object.keys(options.key));
    // `parsed.defaulted` tells a default from a value the user typed.
    const defaulted = (y.parsed === false ? undefined : y.parsed?.defaulted) ?? {};
    for (const [name, raw] of Object.entries(env)) {
      if (!name.startsWith(`${prefix}_`) || raw === undefined) continue;
      const kebab = name
        .slice(prefix.length + 1)
        .toLowerCase()
        .replace(/_/g, '-');
      if (!declared.has(kebab)) continue;
      const camel = kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      const given = argv[kebab] !== undefined && defaulted[kebab] !== true && defaulted[camel] !== true;
      if (given) continue;
      const value = coerce(name, raw, kebab, options);
      argv[kebab] = value;
      argv[camel] = value;
    }
  };
}

function coerce(variable: string, raw: string, flag: string, options: YargsOptionTables): unknown {
  if (options.boolean.includes(flag)) {
    if (/^(1|true|yes)$/i.test(raw)) return true;
    if (/^(0|false|no|)$/i.test(raw)) return false;
    throw new UsageError(`${variable}="${raw}": --${flag} takes true or false`, { hint: `set ${variable}=true or ${variable}=false, or unset it` });
  }
  if (options.number.includes(flag)) {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) {
      throw new UsageError(`${variable}="${raw}": --${flag} takes a number`, { hint: `set ${variable} to a number, or unset it` });
    }
    return options.array.includes(flag) ? [value] : value;
  }
  return options.array.includes(flag) ? [raw] : raw;
}
