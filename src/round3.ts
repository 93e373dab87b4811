/**
 * Round to three decimals: a microsecond of a latency in ms, a thousandth of
 * a CPU core. Figures in reports stay readable, and two runs that measured
 * the same thing print the same number instead of differing in the 15th digit.
 */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
