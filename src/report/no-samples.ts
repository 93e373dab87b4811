/**
 * What a figure with no samples behind it prints as. An empty histogram's
 * percentiles are 0, and `join_time p50 0 ms` after 0 of 2 participants
 * joined reads as "instant", the opposite of what happened; every console
 * line, summary and report says this instead.
 */
export const NO_SAMPLES = 'n/a (no samples)';

/** `format(value)` when the summary has samples, NO_SAMPLES otherwise (a missing summary has none). */
export function orNoSamples(summary: { count?: number } | undefined, value: number | undefined, format: (value: number) => string): string {
  return summary === undefined || (summary.count ?? 0) === 0 || value === undefined ? NO_SAMPLES : format(value);
}

/** `p50 812 ms p95 1.20 s`, or NO_SAMPLES when nobody got that far (0 of 2 joined). */
export function percentilesText(latency: { count: number; p50: number; p95: number } | undefined, format: (value: number) => string): string {
  return latency === undefined || latency.count === 0 ? NO_SAMPLES : `p50 ${format(latency.p50)} p95 ${format(latency.p95)}`;
}
