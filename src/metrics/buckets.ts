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
 * counts array up to the highest recorded value (hdr-histogram-js has no
 * "count at or below" query; its iterators cost a dozen calls per bucket, and
 * a scrape runs this for every series). A sample counts as ≤ a bound when its
 * HDR bucket is the bound's bucket or below; with 3 significant digits a
 * bucket is at most 0.1 % of its value wide, so a bound can be off by that
 * much, never by more. The sum uses each bucket's median value, like the
 * library's own `mean`.
 */
export function bucketCounts(histogram: Readonly<Histogram>, bounds: readonly number[]): BucketCounts {
  const cumulative = bounds.map(() => 0);
  const count = histogram.totalCount;
  if (count === 0) return { bounds, cumulative, count, sum: 0 };
  if (!(histogram instanceof JsHistogram)) throw new Error('bucketCounts needs a JS (non-WebAssembly) HDR histogram');
  const boundIndexes = bounds.map((bound) => histogram.countsArrayIndex(bound));
  const lastIndex = Math.min(histogram.countsArrayLength - 1, histogram.countsArrayIndex(histogram.maxValue));
  let next = 0;
  let running = 0;
  let sum = 0;
  for (let index = 0; index <= lastIndex; index++) {
    const atIndex = histogram.getCountAtIndex(index);
    if (atIndex === 0) continue;
    while (next < bounds.length && index > boundIndexes[next]!) cumulative[next++] = running;
    running += atIndex;
    sum += atIndex * histogram.medianEquivalentValue(histogram.valueFromIndex(index));
  }
  while (next < bounds.length) cumulative[next++] = running;
  return { bounds, cumulative, count, sum };
}
