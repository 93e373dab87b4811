import type { SerializedWindow } from '../../metrics/serialized.js';
import { histogramOfWindows } from '../../metrics/registry.js';
import { unitsToMs } from '../../metrics/histogram.js';
import { isSuccessOutcome } from '../../metrics/outcome.js';
import type { WindowSummary } from '../../model/events.js';
import { BROWSER_SERIES, qualityScale, type QualityMetric } from '../browser-metrics.js';

/** The per-interval quality series a window summarises (per participant and sampling interval, so they fall into windows). */
export const WINDOW_QUALITY_METRICS: readonly QualityMetric[] = ['fps', 'bitrate', 'frame_height', 'packet_loss', 'jitter', 'rtt', 'mos'];

/**
 * One time window's media quality per cohort, for the timeline: the median
 * of each per-interval series over the cohort's participants and sampling
 * intervals in the window (`samples`: how many participant-intervals), and
 * `freeze_ratio`, the mean over the cohort's participants of the share of
 * the window their video was frozen (given, since freezes are spans the
 * registry does not hold). Keys are cohort names as the registry's
 * operations are; `rename` maps an operation to the key shown (the step
 * without cohorts shows `join` as `all`).
 */
export function windowQuality(
  window: SerializedWindow,
  frozenRatios: ReadonlyMap<string, readonly number[]>,
  rename: (operation: string) => string = (op) => op,
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const figures = (operation: string) => (out[rename(operation)] ??= {});
  for (const series of window.series) {
    if (!(WINDOW_QUALITY_METRICS as readonly string[]).includes(series.metric) || series.summary.count === 0) continue;
    const metric = series.metric as QualityMetric;
    // Quality is recorded with outcome `ok` only: each series is the whole of its metric and cohort.
    figures(series.operation)[metric] = round(series.summary.p50 / qualityScale(metric));
    if (metric === 'fps') figures(series.operation)['samples'] = series.summary.count;
  }
  for (const [operation, ratios] of frozenRatios) {
    if (ratios.length === 0) continue;
    figures(operation)['freeze_ratio'] = round(ratios.reduce((a, b) => a + b, 0) / ratios.length);
  }
  return out;
}

/**
 * A browser step's window as a `window` event carries it: join figures per
 * cohort (participants are recorded when judged, at the end) and the
 * window's quality.
 */
export function browserWindowSummary(window: SerializedWindow, quality: Record<string, Record<string, number>>): WindowSummary {
  const operations: WindowSummary['operations'] = {};
  const ops = new Set(window.series.filter((s) => s.metric === BROWSER_SERIES.joinTime).map((s) => s.operation));
  for (const operation of ops) {
    const histogram = histogramOfWindows([window], BROWSER_SERIES.joinTime, { operation });
    const errors = window.series
      .filter((s) => s.metric === BROWSER_SERIES.joinTime && s.operation === operation && !isSuccessOutcome(s.outcome))
      .reduce((n, s) => n + s.summary.count, 0);
    operations[operation] = {
      count: histogram.totalCount,
      errors,
      p50: unitsToMs(histogram.getValueAtPercentile(50)),
      p99: unitsToMs(histogram.getValueAtPercentile(99)),
      max: unitsToMs(histogram.getValueAtPercentile(100)),
    };
    histogram.destroy();
  }
  return { startMs: window.startMs, endMs: window.endMs, operations, ...(Object.keys(quality).length === 0 ? {} : { quality }) };
}

function round(value: number): number {
  return Number(value.toPrecision(4));
}
