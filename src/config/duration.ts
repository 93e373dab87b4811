/**
 * The one duration grammar of roomgate, for every flag (`--duration`,
 * `--request-timeout`, `--late-threshold` …), every scenario field and every
 * SLO window (`over 1m`, `grace: 30s`): a number with a unit, or several
 * (`500ms`, `30s`, `10m`, `1h`, `1.5h`, `1h30m`). A bare number is never a
 * duration: `--duration 10` could mean 10 ms or 10 s, and roomgate used to
 * read it as 10 ms in one place and reject it in another, so every caller now
 * refuses it and shows DURATION_FORMS.
 *
 * Hand-written rather than a library because the grammar is this one regex and
 * the scenario JSON Schema's `pattern` must accept exactly the same strings
 * (schemas/scenario.schema.json repeats DURATION_PATTERN). This module imports
 * nothing: config, slo and cli all read durations through it.
 */
export const DURATION_PATTERN = '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h))+$';
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** The accepted forms, for messages and hints. */
export const DURATION_FORMS = '500ms, 30s, 10m, 1h30m';

/** Milliseconds, or undefined when `text` is not a duration (a bare number is not one). */
export function parseDuration(text: string): number | undefined {
  if (!new RegExp(DURATION_PATTERN).test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(PART)) total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return total;
}

/** What is wrong with a text that is not a duration, in words a message can end with. */
export function durationProblem(text: string): string {
  return /^\s*\d+(?:\.\d+)?\s*$/.test(text) ? 'a bare number has no unit' : 'write numbers with a unit: ms, s, m or h';
}

/**
 * Milliseconds back into the grammar, exactly enough for messages and plans:
 * `90000` → `1m30s`, `1500` → `1.5s`, `250` → `250ms`, `5400000` → `1h30m`.
 */
export function formatDuration(ms: number): string {
  // To the microsecond: enough for any duration a person writes, and no float noise (0.1 + 0.2).
  const exact = (value: number) => Math.round(value * 1000) / 1000;
  if (ms < 1000) return `${exact(ms)}ms`;
  const h = Math.floor(ms / UNIT_MS.h);
  const m = Math.floor((ms - h * UNIT_MS.h) / UNIT_MS.m);
  const s = exact((ms - h * UNIT_MS.h - m * UNIT_MS.m) / 1000);
  const parts: string[] = [];
  if (h > 0) parts.push(`${h}h`);
  if (m > 0) parts.push(`${m}m`);
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return parts.join('');
}
