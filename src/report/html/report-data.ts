import { decodeHistogram, unitsToMs, type Histogram } from '../../metrics/histogram.js';
import { isSuccessOutcome } from '../../metrics/outcome.js';
import { histogramOfWindows, MetricsRegistry } from '../../metrics/registry.js';
import type { SerializedMetrics } from '../../metrics/serialized.js';
import type { WindowSummary } from '../../model/events.js';
import { stepCoverage, stepMetrics } from '../../model/result.js';
import type { RunReport } from '../report-json.js';
import { buildCoverageView, type CoverageView } from '../coverage-view.js';
import { cohortTable, type CohortTable } from '../cohort-table.js';
import { isQualityDistribution } from '../../browser/browser-metrics.js';

/**
 * What the HTML page's script gets: the report itself plus figures computed
 * here in Node where the metrics code lives (the page ships no HDR decoder):
 * for every metric × operation of every step, the percentile spectrum of its
 * whole-run histogram (outcomes merged exactly), and time windows for steps
 * whose `window` events did not reach the timeline (a report re-rendered from
 * a one-step command, say).
 */
export interface HistogramSpectrum {
  step: string;
  /** e.g. `create_room latency`, `join time_to_first_frame`. */
  key: string;
  count: number;
  /** [percentile, latency ms] points, HdrHistogram's classic percentile plot. */
  points: [number, number][];
}

export interface ReportPageData {
  report: RunReport;
  spectra: HistogramSpectrum[];
  /** report.timeline, completed from the steps' serialized windows where a step has none. */
  timeline: Record<string, WindowSummary[]>;
  /** The coverage grids of every step that has a coverage map (contract steps), ready to draw. */
  coverage: CoverageView[];
  /** Browser steps' cohorts side by side (or their one `all` column), ready to draw. */
  cohorts: (CohortTable & { step: string; withCohorts: boolean })[];
}

export const SPECTRUM_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 100];
const MAX_SPECTRA = 64;

export function buildPageData(report: RunReport): ReportPageData {
  const spectra: HistogramSpectrum[] = [];
  const timeline: Record<string, WindowSummary[]> = { ...report.timeline };
  for (const step of report.steps) {
    const metrics = serializedMetricsOf(stepMetrics(step)) ?? serializedMetricsOf(report.histograms[step.name]);
    if (metrics !== undefined) {
      spectra.push(...spectraOf(step.name, metrics));
      if ((timeline[step.name]?.length ?? 0) === 0 && metrics.windows.length > 0) timeline[step.name] = windowsOf(metrics);
    } else if (report.histograms[step.name] !== undefined) {
      // Another shape (nested base64 leaves): take every histogram found.
      for (const [key, value] of Object.entries(report.histograms[step.name]!)) collectLeaves(step.name, key, value, spectra);
    }
  }
  const coverage = report.steps.flatMap((step) => {
    const map = stepCoverage(step);
    return map === undefined ? [] : [buildCoverageView(step.name, map)];
  });
  const cohorts = report.steps.flatMap((step) => {
    const table = step.kind === 'browser' && step.summary !== undefined ? cohortTable(step.summary) : undefined;
    return table === undefined ? [] : [{ step: step.name, withCohorts: step.kind === 'browser' && step.summary?.cohorts !== undefined, ...table }];
  });
  return { report, spectra: spectra.slice(0, MAX_SPECTRA), timeline, coverage, cohorts };
}

/** True when `value` has the shape of a serialized metrics registry (a report read from disk is only JSON). */
export function isSerializedMetrics(value: unknown): value is SerializedMetrics {
  return isObject(value) && Array.isArray(value['series']) && Array.isArray(value['windows']) && typeof value['windowMs'] === 'number';
}

/** The SerializedMetrics in `value`: the registry itself, or a step summary holding it (`histograms` for load steps, `metrics` for browser steps). */
export function serializedMetricsOf(value: unknown): SerializedMetrics | undefined {
  if (isSerializedMetrics(value)) return value;
  if (!isObject(value)) return undefined;
  for (const name of ['histograms', 'metrics']) {
    const inner = value[name];
    if (isSerializedMetrics(inner)) return inner;
  }
  return undefined;
}

/** The whole-run registry of serialized metrics (windows left out: the spectra read totals), or undefined when it does not decode (another version). */
export function wholeRunRegistry(metrics: SerializedMetrics): MetricsRegistry | undefined {
  try {
    return MetricsRegistry.fromSerialized({ ...metrics, windows: [] });
  } catch {
    return undefined;
  }
}

function spectraOf(step: string, metrics: SerializedMetrics): HistogramSpectrum[] {
  const registry = wholeRunRegistry(metrics);
  if (registry === undefined) return [];
  const keys = new Map<string, { metric: string; operation: string }>();
  // Latency spectra only: a browser step's fps, loss ratios and MOS are not milliseconds (they are in the cohort table).
  for (const s of metrics.series)
    if (!isQualityDistribution(s.metric)) keys.set(`${s.metric}\u0000${s.operation}`, { metric: s.metric, operation: s.operation });
  const out: HistogramSpectrum[] = [];
  for (const { metric, operation } of keys.values()) {
    // The registry merges the outcomes' histograms exactly.
    const histogram = registry.histogram(metric, { operation });
    if (histogram.totalCount > 0) out.push(spectrum(step, operation === '' ? metric : `${operation} ${metric}`, histogram));
    histogram.destroy();
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

function spectrum(step: string, key: string, histogram: Histogram): HistogramSpectrum {
  return {
    step,
    key,
    count: histogram.totalCount,
    points: SPECTRUM_PERCENTILES.map((p) => [p, unitsToMs(histogram.getValueAtPercentile(p))]),
  };
}

/** Window summaries (per operation count/errors/p50/p99/max) from serialized windows, for the over-time charts. */
function windowsOf(metrics: SerializedMetrics): WindowSummary[] {
  const latencyMetric = metrics.series.some((s) => s.metric === 'latency') ? 'latency' : metrics.series[0]?.metric;
  return metrics.windows.map((window) => {
    const operations: WindowSummary['operations'] = {};
    const ops = new Set(window.series.filter((s) => s.metric === latencyMetric).map((s) => s.operation));
    for (const op of ops) {
      const all = window.series.filter((s) => s.metric === latencyMetric && s.operation === op);
      const histogram = histogramOfWindows([window], latencyMetric!, { operation: op });
      const errors = all.filter((s) => !isSuccessOutcome(s.outcome)).reduce((n, s) => n + s.summary.count, 0);
      operations[op === '' ? (latencyMetric ?? 'all') : op] = {
        count: histogram.totalCount,
        errors,
        p50: unitsToMs(histogram.getValueAtPercentile(50)),
        p99: unitsToMs(histogram.getValueAtPercentile(99)),
        max: unitsToMs(histogram.getValueAtPercentile(100)),
      };
      histogram.destroy();
    }
    return { startMs: window.startMs, endMs: window.endMs, operations };
  });
}

/** Older or foreign shapes: every base64 leaf that decodes as a histogram. */
function collectLeaves(step: string, key: string, value: unknown, out: HistogramSpectrum[]): void {
  if (out.length >= MAX_SPECTRA) return;
  if (typeof value === 'string') {
    try {
      const histogram = decodeHistogram(value);
      if (histogram.totalCount > 0) out.push(spectrum(step, key, histogram));
    } catch {
      // not a histogram: omitted
    }
    return;
  }
  if (isObject(value)) for (const [child, inner] of Object.entries(value)) collectLeaves(step, `${key}.${child}`, inner, out);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
