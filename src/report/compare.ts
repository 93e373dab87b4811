import { unitsToMs } from '../metrics/histogram.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import { stepMetrics, type BrowserStepResult, type LoadStepResult } from '../model/result.js';
import { serializedMetricsOf, wholeRunRegistry } from './html/report-data.js';
import type { RunReport } from './report-json.js';

/**
 * The CI baseline gate: per step and operation, p50/p99 latency, error rate,
 * and for browser steps join time, compared between a base run and a new
 * run. A figure worse than base by more than the tolerance (relative) is a
 * regression.
 *
 * Where the figures come from, best first:
 * 1. the step's serialized HDR histograms (load: `summary.histograms`,
 *    browser: `summary.metrics`), merged exactly across outcomes: exact
 *    whole-run percentiles;
 * 2. the step's summary figures (`operations[op].latency`, `latency.join_time`);
 * 3. the run's time windows (count-weighted mean of window percentiles, an
 *    approximation, only for steps that left nothing better, e.g. a run
 *    killed mid-step).
 */
export type DeltaMetric = 'p50' | 'p99' | 'error_rate' | 'join_time';
export type FigureSource = 'histogram' | 'summary' | 'windows';

export interface Delta {
  step: string;
  operation: string;
  metric: DeltaMetric;
  base: number;
  current: number;
  /** (current − base) / base; Infinity when base is 0 and current is not. */
  change: number;
  regression: boolean;
  /** Where the two figures came from (the less exact of the two). */
  source: FigureSource;
}

interface Figure {
  value: number;
  source: FigureSource;
}

const SOURCE_RANK: Record<FigureSource, number> = { histogram: 0, summary: 1, windows: 2 };
/** Error rates: below this absolute rise, a change is noise, not a regression. */
const ERROR_RATE_FLOOR = 0.001;

export function compareReports(base: RunReport, current: RunReport, tolerance: number): Delta[] {
  const deltas: Delta[] = [];
  const a = figuresOf(base);
  const b = figuresOf(current);
  for (const [key, baseFigure] of a) {
    const now = b.get(key);
    if (now === undefined) continue;
    const [step, operation, metric] = key.split('\u0000') as [string, string, DeltaMetric];
    const change = baseFigure.value === 0 ? (now.value === 0 ? 0 : Infinity) : (now.value - baseFigure.value) / baseFigure.value;
    // Error rates near zero: a change from 0 to 0.0001 is not a regression worth failing on; compare absolutely below 0.1 %.
    const regression = metric === 'error_rate' ? now.value - baseFigure.value > Math.max(ERROR_RATE_FLOOR, baseFigure.value * tolerance) : change > tolerance;
    const source = SOURCE_RANK[baseFigure.source] >= SOURCE_RANK[now.source] ? baseFigure.source : now.source;
    deltas.push({ step, operation, metric, base: baseFigure.value, current: now.value, change, regression, source });
  }
  return deltas;
}

const key = (step: string, op: string, metric: DeltaMetric) => `${step}\u0000${op}\u0000${metric}`;

/** The step, operation and metric of a key of figuresOf(). */
export function figureKeyParts(figureKey: string): { step: string; operation: string; metric: DeltaMetric } {
  const [step, operation, metric] = figureKey.split('\u0000') as [string, string, DeltaMetric];
  return { step, operation, metric };
}

/** Every comparable figure of a report, keyed by step × operation × metric. */
export function figuresOf(report: RunReport): Map<string, Figure> {
  const out = new Map<string, Figure>();
  for (const step of report.steps) {
    const metrics = serializedMetricsOf(stepMetrics(step)) ?? serializedMetricsOf(report.histograms[step.name]);
    const registry = metrics === undefined ? undefined : wholeRunRegistry(metrics);
    if (step.kind === 'load') loadFigures(step, registry, out);
    if (step.kind === 'browser') browserFigures(step, registry, out);
  }
  windowFigures(report, out);
  return out;
}

/** Load steps: per operation p50/p99 (all outcomes, as the report's operations table) and error rate. */
function loadFigures(step: LoadStepResult, registry: MetricsRegistry | undefined, out: Map<string, Figure>): void {
  const operations = step.summary?.operations;
  if (operations === undefined) return;
  for (const [op, summary] of Object.entries(operations)) {
    if (op === '') continue;
    const percentiles = registry === undefined ? undefined : exactPercentiles(registry, 'latency', op, [50, 99]);
    if (percentiles !== undefined) {
      out.set(key(step.name, op, 'p50'), { value: percentiles[0]!, source: 'histogram' });
      out.set(key(step.name, op, 'p99'), { value: percentiles[1]!, source: 'histogram' });
    } else if ((summary.latency?.count ?? 0) > 0 && typeof summary.latency?.p50 === 'number' && typeof summary.latency.p99 === 'number') {
      out.set(key(step.name, op, 'p50'), { value: summary.latency.p50, source: 'summary' });
      out.set(key(step.name, op, 'p99'), { value: summary.latency.p99, source: 'summary' });
    }
    // Reports written before `attempts` existed count `requests`.
    const attempts = summary.attempts ?? summary.requests ?? 0;
    if (attempts > 0) out.set(key(step.name, op, 'error_rate'), { value: (summary.errors ?? 0) / attempts, source: 'summary' });
  }
}

/** Browser steps: median join time, and the share of participants that failed to join. */
function browserFigures(step: BrowserStepResult, registry: MetricsRegistry | undefined, out: Map<string, Figure>): void {
  if (step.summary === undefined) return;
  const exact = registry === undefined ? undefined : exactPercentiles(registry, 'join_time', undefined, [50]);
  if (exact !== undefined) out.set(key(step.name, 'join', 'join_time'), { value: exact[0]!, source: 'histogram' });
  else {
    const join = step.summary.latency?.join_time;
    if (join !== undefined && (join.count ?? 0) > 0 && typeof join.p50 === 'number')
      out.set(key(step.name, 'join', 'join_time'), { value: join.p50, source: 'summary' });
  }
  const participants = step.summary.participants;
  if (Array.isArray(participants) && participants.length > 0) {
    const failed = participants.filter((p) => p.status !== 'joined').length;
    out.set(key(step.name, 'join', 'error_rate'), { value: failed / participants.length, source: 'summary' });
  }
}

/** Steps with neither histograms nor summary figures (a killed run): the time windows, approximately. */
function windowFigures(report: RunReport, out: Map<string, Figure>): void {
  const covered = new Set([...out.keys()].map((k) => k.split('\u0000')[0]));
  for (const [step, windows] of Object.entries(report.timeline)) {
    if (covered.has(step)) continue;
    const ops = new Map<string, { count: number; errors: number; p50: number; p99: number }>();
    for (const window of windows) {
      for (const [op, figures] of Object.entries(window.operations)) {
        const acc = ops.get(op) ?? { count: 0, errors: 0, p50: 0, p99: 0 };
        acc.p50 += figures.p50 * figures.count;
        acc.p99 += figures.p99 * figures.count;
        acc.count += figures.count;
        acc.errors += figures.errors;
        ops.set(op, acc);
      }
    }
    for (const [op, acc] of ops) {
      if (acc.count === 0) continue;
      out.set(key(step, op, 'p50'), { value: acc.p50 / acc.count, source: 'windows' });
      out.set(key(step, op, 'p99'), { value: acc.p99 / acc.count, source: 'windows' });
      out.set(key(step, op, 'error_rate'), { value: acc.errors / acc.count, source: 'windows' });
    }
  }
}

/** Percentiles (ms) of the whole-run histograms of `metric` (all outcomes merged), or undefined without samples. */
function exactPercentiles(registry: MetricsRegistry, metric: string, operation: string | undefined, percentiles: number[]): number[] | undefined {
  const histogram = registry.histogram(metric, { operation });
  try {
    if (histogram.totalCount === 0) return undefined;
    return percentiles.map((p) => unitsToMs(histogram.getValueAtPercentile(p)));
  } finally {
    histogram.destroy();
  }
}
