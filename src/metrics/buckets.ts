import { JsHistogram, type Histogram } from 'hdr-histogram-js';

/** A histogram reduced to fixed upper bounds, the shape Prometheus and OTLP explicit-bucket histograms carry. */
export interface BucketCounts {
  /** Upper bounds, in the histogram's own units (µs for the registry), ascending. */
  bounds: readonly number[];
  /** `cumulative[i]` = samples ≤ `bounds[i]`; the +Inf bucket is `count`. */
  cumulative: number[];
  count: number;
  /** Sum of all samples, in the histogram's units (from bucket midpoints: within 0.1 % at 3 significant digits). */
  sum: number;
}

/**
 * Cumulative counts of an HDR histogram at fixed bounds, in one pass over its
 * recorded buckets (hdr-histogram-js has no "count at or below" query, and
 * per-bound range queries would walk the counts array once per bound). A
 * sample counts as ≤ a bound when its HDR bucket starts at or below it; with
 * 3 significant digits a bucket is at most 0.1 % of its value wide, so a
 * bound can be off by that much, never by more.
 */
export function bucketCounts(histogram: Readonly<Histogram>, bounds: readonly number[]): BucketCounts {
  const cumulative = bounds.map(() => 0);
  const count = histogram.totalCount;
  if (count === 0) return { bounds, cumulative, count, sum: 0 };
  if (!(histogram instanceof JsHistogram)) throw new Error('bucketCounts needs a JS (non-WebAssembly) HDR histogram');
  const iterator = histogram.recordedValuesIterator;
  iterator.reset();
  // Counts per bound (non-cumulative) first, then a running sum.
  let boundIndex = 0;
  while (iterator.hasNext()) {
    const step = iterator.next();
    const lowest = histogram.lowestEquivalentValue(step.valueIteratedTo);
    while (boundIndex < bounds.length && lowest > bounds[boundIndex]!) boundIndex++;
    if (boundIndex === bounds.length) break;
    cumulative[boundIndex]! += step.countAddedInThisIterationStep;
  }
  for (let i = 1; i < cumulative.length; i++) cumulative[i]! += cumulative[i - 1]!;
  return { bounds, cumulative, count, sum: histogram.mean * count };
}
