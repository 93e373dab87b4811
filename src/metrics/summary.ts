import type { Histogram } from 'hdr-histogram-js';
import { unitsToMs } from './histogram.js';
import { round3 } from '../round3.js';

/** What a person reads about one latency distribution. All latencies in milliseconds. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** The percentile statistics SLOs may name, and the percentile each one reads. */
export const PERCENTILE_STATS = { p50: 50, p75: 75, p90: 90, p95: 95, p99: 99, p999: 99.9, p9999: 99.99 } as const;
export type PercentileStat = keyof typeof PERCENTILE_STATS;
export type LatencyStat = PercentileStat | 'min' | 'max' | 'mean' | 'count';
export const LATENCY_STATS: readonly LatencyStat[] = [...(Object.keys(PERCENTILE_STATS) as PercentileStat[]), 'min', 'max', 'mean', 'count'];

export const EMPTY_SUMMARY: Readonly<LatencySummary> = Object.freeze({
  count: 0,
  min: 0,
  mean: 0,
  p50: 0,
  p90: 0,
  p95: 0,
  p99: 0,
  p999: 0,
  max: 0,
});

export function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { ...EMPTY_SUMMARY };
  return {
    count: histogram.totalCount,
    min: unitsToMs(histogram.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : histogram.minNonZeroValue),
    mean: round3(unitsToMs(histogram.mean)),
    p50: unitsToMs(histogram.getValueAtPercentile(50)),
    p90: unitsToMs(histogram.getValueAtPercentile(90)),
    p95: unitsToMs(histogram.getValueAtPercentile(95)),
    p99: unitsToMs(histogram.getValueAtPercentile(99)),
    p999: unitsToMs(histogram.getValueAtPercentile(99.9)),
    // The bucket's highest equivalent value, not the raw maximum: a merged
    // histogram only knows buckets, so this keeps merged and unmerged summaries identical.
    max: unitsToMs(histogram.getValueAtPercentile(100)),
  };
}

/** One statistic of a histogram, in ms (or a count for `count`). */
export function statOf(histogram: Histogram, stat: LatencyStat): number {
  switch (stat) {
    case 'count':
      return histogram.totalCount;
    case 'min':
      return histogram.totalCount === 0 ? 0 : unitsToMs(histogram.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : histogram.minNonZeroValue);
    case 'max':
      return unitsToMs(histogram.getValueAtPercentile(100));
    case 'mean':
      return round3(unitsToMs(histogram.mean));
    default:
      return unitsToMs(histogram.getValueAtPercentile(PERCENTILE_STATS[stat]));
  }
}
