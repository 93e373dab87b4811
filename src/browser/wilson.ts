import type { ProportionInterval } from '../model/browser-summary.js';
export type { ProportionInterval };
/** z for the two-sided levels people ask for; 0.95 → 1.959964. */
const Z: Record<string, number> = { '0.9': 1.644854, '0.95': 1.959964, '0.99': 2.575829 };

export function wilsonInterval(successes: number, total: number, confidence: 0.9 | 0.95 | 0.99 = 0.95): ProportionInterval {
  if (total === 0) return { successes, total, rate: Number.NaN, confidence, low: 0, high: 1 };
  const z = Z[String(confidence)]!;
  const p = successes / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denominator;
  return { successes, total, rate: p, confidence, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
