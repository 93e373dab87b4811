/**
 * Human-readable quantities in thresholds: durations (`250us`, `300ms`, `1s`,
 * `1.5m`, `1h`), percentages (`0.1%`), rates (`100/s`, `600/m`). Returns
 * undefined when the text is not such a quantity, so callers can say what
 * they expected.
 */

import { round3 } from '../round3.js';

const DURATION_FACTORS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration in ms; a bare number is ms. */
export function parseDurationMs(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h)?\s*$/.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) * DURATION_FACTORS[match[2] ?? 'ms']!;
}

export function isDurationUnit(unit: string): boolean {
  return Object.hasOwn(DURATION_FACTORS, unit);
}

export function durationFactor(unit: string): number {
  return DURATION_FACTORS[unit] ?? 1;
}

/** Format ms the way a person would write it back. */
export function formatMs(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${round3(ms / 1000)}s`;
  if (ms < 1 && ms > 0) return `${round3(ms * 1000)}us`;
  return `${round3(ms)}ms`;
}
