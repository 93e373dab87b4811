/**
 * The quantities of a network profile as people write them: bandwidths
 * (`300kbit`, `1.5mbit`, `2mbit/s`) and percentages (`10%`, `0.5%`).
 * Bandwidth units are bits per second with SI prefixes, the way tc spells
 * them. `kbps`-style units are refused rather than guessed: tc reads `kbps`
 * as kiloBYTES per second, people usually mean kilobits, and a cap off by 8×
 * would silently test the wrong network.
 */

const BANDWIDTH = /^\s*(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)(?:\/s)?\s*$/i;
const BANDWIDTH_FACTORS = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 } as const;

/** Bits per second, or a sentence saying what is wrong with `text`. */
export function parseBandwidth(text: string): { bitsPerSecond: number } | { problem: string } {
  const match = BANDWIDTH.exec(text);
  if (match === null) {
    if (/bps|b\/s|byte/i.test(text)) {
      return { problem: `"${text}" is ambiguous (tc reads kbps as kilobytes per second); write kilobits as e.g. 300kbit or 1.5mbit` };
    }
    return { problem: `"${text}" is not a bandwidth; write e.g. 300kbit, 1.5mbit or 1gbit (bits per second)` };
  }
  const bitsPerSecond = Math.round(Number(match[1]) * BANDWIDTH_FACTORS[match[2]!.toLowerCase() as keyof typeof BANDWIDTH_FACTORS]);
  // tc's smallest useful rate; below it the token bucket cannot pass one full packet in a sensible time.
  if (bitsPerSecond < 8_000) return { problem: `"${text}" is below the smallest supported bandwidth, 8kbit` };
  return { bitsPerSecond };
}

/** A percentage in [0, 100] as a number (`10%` → 10), or a sentence saying what is wrong. */
export function parsePercent(text: string): { percent: number } | { problem: string } {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (match === null) return { problem: `"${text}" is not a percentage; write e.g. 10% or 0.5%` };
  const percent = Number(match[1]);
  if (percent > 100) return { problem: `"${text}" is more than 100%` };
  return { percent };
}

/** `300000` → `300kbit`, for plan descriptions (the way the user would write it back). */
export function formatBandwidth(bitsPerSecond: number): string {
  for (const [unit, factor] of [
    ['gbit', 1e9],
    ['mbit', 1e6],
    ['kbit', 1e3],
  ] as const) {
    if (bitsPerSecond >= factor) return `${Number((bitsPerSecond / factor).toPrecision(6))}${unit}`;
  }
  return `${bitsPerSecond}bit`;
}
