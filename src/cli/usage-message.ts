/**
 * yargs' own usage messages, made to say what the user typed. yargs reports
 * an unknown `--bogus-flag` under both of its spellings (`bogus-flag,
 * bogusFlag`, camel-case expansion), and parses `--rate abc` as NaN for a
 * number option, which deeper layers then report under their own names
 * (`load.rate must be > 0, got NaN`). Hand-written: yargs has no option for
 * either.
 */

/** `Unknown arguments: bogus-flag, bogusFlag` → `Unknown argument: --bogus-flag` (each flag once, as typed). */
export function rewriteUnknownArguments(message: string, rawArgs: readonly string[]): string {
  const match = /^Unknown arguments?: (.+)$/.exec(message);
  if (match === null) return message;
  const typed = typedFlags(rawArgs);
  const seen = new Set<string>();
  const names: string[] = [];
  for (const name of match[1]!.split(', ')) {
    const key = normalize(name);
    if (seen.has(key)) continue;
    seen.add(key);
    names.push(typed.get(key) ?? (name.length === 1 ? `-${name}` : `--${name}`));
  }
  return `Unknown argument${names.length === 1 ? '' : 's'}: ${names.join(', ')}`;
}

/**
 * The number flags that were given something that is not a number, as
 * `--rate "abc"`: yargs turns those into NaN, and no later check can say
 * which text was wrong.
 */
export function nonNumericFlags(argv: Readonly<Record<string, unknown>>, rawArgs: readonly string[]): string[] {
  const typed = typedFlags(rawArgs);
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(argv)) {
    const values = Array.isArray(value) ? value : [value];
    if (!values.some((v) => typeof v === 'number' && Number.isNaN(v))) continue;
    const normalized = normalize(key);
    if (found.has(normalized)) continue;
    const flag = typed.get(normalized) ?? `--${key}`;
    const raw = rawValueOf(flag, rawArgs);
    found.set(normalized, raw === undefined ? flag : `${flag} "${raw}"`);
  }
  return [...found.values()];
}

/** `bogus-flag`, `bogusFlag` and `bogus_flag` are one flag to yargs' camel-case expansion. */
function normalize(name: string): string {
  return name.replace(/^-+/, '').replace(/[-_]/g, '').toLowerCase();
}

/** Every flag on the command line, by normalized name, spelled as typed (`--no-x` counts as `x`). */
function typedFlags(rawArgs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of rawArgs) {
    if (arg === '--') break;
    const match = /^(--?)([^=]+)/.exec(arg);
    if (match === null || /^-\d/.test(arg)) continue;
    const [, dashes = '', name = ''] = match;
    if (dashes === '-' && name.length > 1) {
      // -abc: three short flags.
      for (const letter of name) if (!out.has(normalize(letter))) out.set(normalize(letter), `-${letter}`);
      continue;
    }
    const flag = `${dashes}${name}`;
    if (!out.has(normalize(name))) out.set(normalize(name), flag);
    if (name.startsWith('no-') && !out.has(normalize(name.slice(3)))) out.set(normalize(name.slice(3)), flag);
  }
  return out;
}

function rawValueOf(flag: string, rawArgs: readonly string[]): string | undefined {
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
    if (arg === flag) return rawArgs[i + 1];
  }
  return undefined;
}
