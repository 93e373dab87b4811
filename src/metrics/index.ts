/** The metrics registry: HDR histograms and counters keyed by metric × operation × outcome × window. */
export { MetricsRegistry, DEFAULT_WINDOW_MS, histogramOfWindows, counterOfWindows } from './registry.js';
export type { RegistryOptions, SeriesFilter } from './registry.js';
export { outcomeOfStatus, isSuccessOutcome, OUTCOMES } from './outcome.js';
export type { Outcome } from './outcome.js';
export { summarize, statOf, LATENCY_STATS, PERCENTILE_STATS, EMPTY_SUMMARY } from './summary.js';
export type { LatencySummary, LatencyStat, PercentileStat } from './summary.js';
export type { SerializedMetrics, SerializedSeries, SerializedCounter, SerializedWindow } from './serialized.js';
export { newHistogram, encodeHistogram, decodeHistogram, msToUnits, unitsToMs } from './histogram.js';
export { bucketCounts } from './buckets.js';
export type { BucketCounts } from './buckets.js';
