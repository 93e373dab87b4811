import type { Outcome } from './outcome.js';
import type { LatencySummary } from './summary.js';

/**
 * The registry as plain JSON, for report.json and for combining runs split
 * across processes or machines: histograms are HdrHistogram V2 compressed
 * base64 (values in microseconds) and merge exactly.
 */
export interface SerializedMetrics {
  version: 1;
  /** Unit of the values inside the encoded histograms (summaries are always ms). */
  histogramUnit: 'us';
  windowMs: number;
  /** Epoch ms when recording started; window offsets are relative to it. */
  startedAtMs: number;
  /** Epoch ms when recording ended (or the last seal, for a run still going). */
  endedAtMs: number;
  /** Whole-run histograms, one per metric × operation × outcome. */
  series: SerializedSeries[];
  /** Whole-run counters, one per counter name × operation. */
  counters: SerializedCounter[];
  /** Closed time windows, oldest first. */
  windows: SerializedWindow[];
}

export interface SerializedSeries {
  metric: string;
  /** `''` when the metric is not per operation. */
  operation: string;
  outcome: Outcome;
  /** Compressed base64 HdrHistogram, values in microseconds. */
  histogram: string;
  /** Convenience copy of the histogram's statistics, in ms. */
  summary: LatencySummary;
}

export interface SerializedCounter {
  name: string;
  operation: string;
  value: number;
}

export interface SerializedWindow {
  /** 0-based; windows of merged shards line up by index. */
  index: number;
  /** Offsets from `startedAtMs`. */
  startMs: number;
  endMs: number;
  series: SerializedSeries[];
  counters: SerializedCounter[];
}
