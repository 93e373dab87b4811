import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/**
 * The one place histograms are built, so every histogram of a run has the same
 * precision and `add()` between them (and between serialized copies from other
 * processes) is exact.
 *
 * Values are integer **microseconds**: HDR histograms store integers, and
 * loopback latencies are often below one millisecond, so milliseconds would
 * round most of a fast run to 0 or 1. Three significant digits keep any value
 * within 0.1 % (e.g. 190 ms ± 0.19 ms).
 */
export const HISTOGRAM_UNIT = 'us' as const;
export const SIGNIFICANT_DIGITS = 3 as const;

export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    // Grows with the largest value seen, so a fast run keeps small arrays.
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    useWebAssembly: false,
  });
}

/** Milliseconds (possibly fractional) to the integer microseconds histograms hold. */
export function msToUnits(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.round(ms * 1000);
}

export function unitsToMs(units: number): number {
  return units / 1000;
}

/** Compressed base64 (the HdrHistogram V2 compressed encoding, readable by every HdrHistogram port). */
export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(base64: string): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(base64, 32, false);
  // Decoded histograms are sized to their content; merging others into them must still work.
  decoded.autoResize = true;
  return decoded;
}

export type { Histogram };
