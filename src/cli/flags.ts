import type { Argv } from 'yargs';
import { DURATION_FORMS, durationProblem, formatDuration, parseDuration } from '../config/duration.js';
import { UsageError } from '../errors.js';

/**
 * The flag vocabulary every command shares, each flag defined once: the
 * target and its credentials, the run folder and `--json`, `--fault`,
 * `--slo`, `--request-timeout`, `--duration`, and how a duration flag is
 * read. A command adds the ones it takes and words only what differs for it
 * (what `--duration` is the length of). Every flag can also come from
 * ROOMGATE_<FLAG> (env-options.ts).
 */

/** Where a command points: a base URL, the profile that says how to talk to it, and credentials; or the embedded reference server. */
export function withTargetOptions<T>(y: Argv<T>) {
  return y
    .option('target', {
      type: 'string',
      describe: "API base URL (under which the OpenAPI document's paths live); omit to use the embedded reference server",
    })
    .option('profile', {
      type: 'string',
      describe:
        'target profile: how roomgate talks to your room API (auth, operations by role, fields); default the built-in VideoConnect profile. Draft one with `roomgate init --from-spec`',
    })
    .option('client-id', { type: 'string', describe: "client id, account or API key id, as the profile's auth uses it" })
    .option('client-secret', { type: 'string', describe: 'client secret or API key (never printed or reported)' });
}

export interface TargetArgs {
  target?: string;
  profile?: string;
  clientId?: string;
  clientSecret?: string;
}

/**
 * The run folder and the JSON summary: every command that runs a plan (and
 * merge, which makes one run of many) writes the same folder and prints the
 * same JSON. `fixedOut` is a folder the command always defaults to instead of
 * a fresh reports/<timestamp>-<command>/.
 */
export function withRunOutputOptions<T>(y: Argv<T>, command: string, fixedOut?: string) {
  const folder = 'run folder for report.json, report.html, junit.xml, summary.md and events.ndjson';
  return y
    .option(
      'out',
      fixedOut === undefined
        ? { type: 'string', describe: `${folder} (default reports/<timestamp>-${command}/)` }
        : { type: 'string', default: fixedOut, describe: folder },
    )
    .option('json', { type: 'boolean', default: false, describe: 'print the JSON run summary on stdout (progress and results go to stderr)' });
}

export interface RunOutputArgs {
  out?: string;
  json: boolean;
}

/** `--fault NAME` (repeatable): a promise the reference server breaks, to see roomgate catch it. */
export function withFaultOption<T>(y: Argv<T>) {
  return y.option('fault', {
    type: 'string',
    array: true,
    default: [] as string[],
    describe: 'make the reference server (the embedded one: no --target) break one promise (repeatable), e.g. envelope, slow-create, join-refused',
  });
}

/** `--slo THRESHOLD` (repeatable), with examples of the step's own metrics. */
export function withSloOption<T>(y: Argv<T>, examples: string) {
  return y.option('slo', { type: 'string', array: true, describe: `a threshold (repeatable), e.g. ${examples}` });
}

/** `--request-timeout DURATION`: how long one request (and a --target's first answer) may take. */
export function withRequestTimeoutOption<T>(y: Argv<T>, describe: string, defaultValue?: string) {
  return y.option('request-timeout', durationOption(describe, defaultValue));
}

/** `--duration DURATION`: how long the command's measured work runs. */
export function withDurationOption<T>(y: Argv<T>, describe: string, defaultValue?: string) {
  return y.option('duration', durationOption(describe, defaultValue));
}

/** The yargs definition of a duration flag: a string in the one duration grammar. */
export function durationOption(describe: string, defaultValue?: string) {
  return { type: 'string' as const, describe: `${describe} (a duration: ${DURATION_FORMS})`, ...(defaultValue === undefined ? {} : { default: defaultValue }) };
}

/**
 * The longest duration any flag takes: every duration ends up in a timer, and
 * Node fires a timer at once when its delay is over 2^31−1 ms (about 24.8
 * days), so `--duration 30d` used to run one second and say PASSED.
 */
export const MAX_FLAG_DURATION_MS = 2 ** 31 - 1;

/**
 * A duration flag's value in ms, or undefined when the flag was not given. A
 * bare number, or anything else that is not a duration, is a usage error that
 * shows the accepted forms, and so is one longer than a timer can wait.
 * `zero` says whether 0 is a valid value (a hold of 0s, a linger of 0s) or not
 * (a run length, a timeout).
 */
export function parseDurationFlag(flag: string, value: string | undefined, zero: 'allowed' | 'refused' = 'refused'): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) {
    throw new UsageError(`${flag} "${value}" is not a duration (${durationProblem(value)})`, { hint: `write it with a unit: ${DURATION_FORMS}` });
  }
  if (ms === 0 && zero === 'refused') throw new UsageError(`${flag} must be longer than 0`, { hint: `e.g. ${flag} 30s` });
  if (ms > MAX_FLAG_DURATION_MS) {
    throw new UsageError(`${flag} ${value} is longer than roomgate can wait (at most ${formatDuration(MAX_FLAG_DURATION_MS)}, about 24.8 days)`, {
      hint: 'timers cannot wait longer than 2^31−1 ms; use a shorter duration',
    });
  }
  return ms;
}

/** As parseDurationFlag, for a flag with a default (always given). */
export function requireDurationFlag(flag: string, value: string, zero: 'allowed' | 'refused' = 'refused'): number {
  return parseDurationFlag(flag, value, zero) ?? 0;
}
