/**
 * Durations as people write them in scenario files: `500ms`, `30s`, `5m`,
 * `1h`, `1.5h`, and combinations like `1h30m`. Hand-written rather than a
 * library because the grammar is this one regex and the JSON Schema's
 * `pattern` must accept exactly the same strings (they share DURATION_PATTERN).
 */
export const DURATION_PATTERN = '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h))+$';
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!new RegExp(DURATION_PATTERN).test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(PART)) total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return total;
}

/** `90000` → `1m30s`, for messages and plans. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  if (h > 0) parts.push(`${h}h`);
  if (m > 0) parts.push(`${m}m`);
  if (rest > 0 || parts.length === 0) parts.push(`${rest}s`);
  return parts.join('');
}
