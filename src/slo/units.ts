/**
 * Units of threshold values: a latency threshold is a time (`300ms`, `1s`,
 * and below a millisecond `250us`); a bare latency value is milliseconds, as
 * in k6 (`p99 < 500`). Durations proper (an SLO's `over 1m` window, its
 * `grace: 30s`) are not read here but by the one duration parser,
 * config/duration.ts, which refuses bare numbers.
 */

const TIME_UNIT_MS: Readonly<Record<string, number>> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function isTimeUnit(unit: string): boolean {
  return Object.hasOwn(TIME_UNIT_MS, unit);
}

/** Milliseconds per `unit` (1 for an unknown unit). */
export function timeUnitMs(unit: string): number {
  return TIME_UNIT_MS[unit] ?? 1;
}
