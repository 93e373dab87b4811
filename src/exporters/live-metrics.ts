import { BROWSER_COUNTERS, BROWSER_SERIES } from '../browser/browser-metrics.js';
import { COUNTERS, LOAD_SERIES } from '../load/load-metrics.js';
import { bucketCounts } from '../metrics/buckets.js';
import { MetricsRegistry } from '../metrics/registry.js';
import type { EventSink, RunEvent } from '../model/events.js';
import type { SloVerdict, StepKind, StepStatus } from '../model/result.js';
import type { LiveMetricsSource } from '../model/step.js';
import { serializedMetricsOf } from '../report/html/report-data.js';
import { evaluateSlos } from '../slo/evaluate.js';
import { EXPORTED, type ExportedMetric, type HistogramMetric, type ScalarMetric } from './exported-metrics.js';

export type Labels = Readonly<Record<string, string>>;

export interface ScalarPoint {
  labels: Labels;
  value: number;
  /** Epoch ms the series started counting (a counter's start time for OTLP). */
  startMs: number;
}

export interface HistogramPoint {
  labels: Labels;
  /** Cumulative counts per bound of the metric (seconds); the +Inf bucket is `count`. */
  cumulative: readonly number[];
  count: number;
  /** Sum of the samples, seconds. */
  sum: number;
  startMs: number;
}

export type SnapshotEntry =
  { kind: 'scalar'; metric: ScalarMetric; points: ScalarPoint[] } | { kind: 'histogram'; metric: HistogramMetric; points: HistogramPoint[] };

/** Every exported instrument with its current points, read in one go. */
export interface MetricsSnapshot {
  atMs: number;
  entries: SnapshotEntry[];
}

export interface LiveMetricsOptions {
  /** Suite (or scenario file) name for the info metrics; '' for an ad-hoc command. */
  suite?: string;
  /** Which scenario a step belongs to, by step name. */
  scenarioOf?: ReadonlyMap<string, string>;
  /** This process's shard identity, e.g. `2/4`; '' when not sharded. */
  shard?: string;
  runId?: string;
  version?: string;
  now?: () => number;
}

interface StepState {
  step: string;
  kind: StepKind | '';
  status: StepStatus | 'running';
  startedAtMs: number;
  live?: LiveMetricsSource;
  /** The step's registry as its result carries it into report.json: the figures once the step ended. */
  final?: MetricsRegistry;
  finalVerdicts?: readonly SloVerdict[];
  inFlight?: number;
  progress?: number;
  /** Live verdicts, re-judged when the step seals a window (see liveVerdicts). */
  judged?: { windows: number; verdicts: readonly SloVerdict[] };
}

/**
 * The exporters' one view of a run: an event-bus subscriber (step lifecycle,
 * progress, SLO verdicts) plus the steps' live registries (`publish`, handed
 * to steps as `StepContext.publishMetrics`). Nothing is copied per request:
 * `snapshot()` reads the registries when a scraper or the OTLP reader asks,
 * so the exported figures are the report's figures. Once a step ends, its
 * figures come from the serialized registry in its result — the same data
 * report.json holds — so the last scrape and the report agree exactly.
 */
export class LiveMetrics {
  private readonly steps = new Map<string, StepState>();
  private readonly now: () => number;
  private runId: string;
  private readonly startedAtMs: number;
  private ended = false;

  constructor(private readonly options: LiveMetricsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.runId = options.runId ?? '';
    this.startedAtMs = this.now();
  }

  /** The event-bus subscriber. */
  readonly sink: EventSink = (event: RunEvent) => {
    switch (event.type) {
      case 'run-start':
        this.runId = event.runId;
        break;
      case 'step-start':
        this.steps.set(event.step, { step: event.step, kind: event.kind, status: 'running', startedAtMs: event.at });
        break;
      case 'progress': {
        const state = this.stateOf(event.step, event.at);
        const inflight = event.progress.figures['inflight'];
        if (typeof inflight === 'number') state.inFlight = inflight;
        if (event.progress.fraction !== undefined) state.progress = event.progress.fraction;
        break;
      }
      case 'step-end': {
        const state = this.stateOf(event.step, event.at);
        state.status = event.result.status;
        state.kind = event.result.kind;
        state.finalVerdicts = event.result.slos;
        const serialized = serializedMetricsOf(event.result.summary);
        // Whole-run series and counters only: the exporters never read windows (an hour of them is megabytes).
        if (serialized !== undefined) state.final = MetricsRegistry.fromSerialized({ ...serialized, windows: [] });
        state.inFlight = undefined;
        if (event.result.status === 'passed' || event.result.status === 'failed') state.progress = 1;
        break;
      }
      case 'run-end':
        this.ended = true;
        break;
      default:
        break;
    }
  };

  /** `StepContext.publishMetrics`: a step's registry while it fills up. */
  readonly publish = (source: LiveMetricsSource): void => {
    this.stateOf(source.step, this.now()).live = source;
  };

  /** True once the run (or the single command's step) is over: nothing will change any more. */
  get finished(): boolean {
    return this.ended;
  }

  /** For commands that run one step without run-start/run-end events. */
  finish(): void {
    this.ended = true;
  }

  snapshot(): MetricsSnapshot {
    const atMs = this.now();
    const scalars = new Map<ScalarMetric, ScalarPoint[]>();
    const histograms = new Map<HistogramMetric, HistogramPoint[]>();
    const scalar = (metric: ScalarMetric, labels: Labels, value: number, startMs: number) => {
      let points = scalars.get(metric);
      if (points === undefined) scalars.set(metric, (points = []));
      points.push({ labels, value, startMs });
    };
    const histogram = (metric: HistogramMetric, point: HistogramPoint) => {
      let points = histograms.get(metric);
      if (points === undefined) histograms.set(metric, (points = []));
      points.push(point);
    };
    const suite = this.options.suite ?? '';
    const shard = this.options.shard ?? '';
    scalar(EXPORTED.runInfo, { run_id: this.runId, suite, shard, version: this.options.version ?? '' }, 1, this.startedAtMs);

    for (const state of this.steps.values()) {
      const step = state.step;
      const since = state.startedAtMs;
      scalar(EXPORTED.stepInfo, { suite, scenario: this.options.scenarioOf?.get(step) ?? '', step, kind: state.kind, shard }, 1, since);
      scalar(EXPORTED.stepStatus, { step, status: state.status }, 1, since);
      if (state.progress !== undefined) scalar(EXPORTED.stepProgress, { step }, state.progress, since);
      if (state.inFlight !== undefined) scalar(EXPORTED.inFlight, { step }, state.inFlight, since);

      const registry = state.final ?? state.live?.registry;
      if (registry !== undefined) {
        const start = registry.startedAtMs;
        readLoad(registry, step, start, scalar, histogram);
        readBrowser(registry, step, start, scalar, histogram);
      }
      const verdicts = state.finalVerdicts ?? liveVerdicts(state);
      for (const verdict of verdicts) {
        const unit = baseUnit(verdict.unit);
        scalar(EXPORTED.sloHolding, { step, slo: verdict.expression }, verdict.status === 'passed' ? 1 : 0, since);
        scalar(EXPORTED.sloThreshold, { step, slo: verdict.expression, unit: unit.name }, verdict.threshold * unit.factor, since);
        if (verdict.status !== 'no-data')
          scalar(EXPORTED.sloObserved, { step, slo: verdict.expression, unit: unit.name }, verdict.observed * unit.factor, since);
      }
    }
    const entries: SnapshotEntry[] = [];
    for (const metric of Object.values(EXPORTED) as ExportedMetric[]) {
      if (metric.kind === 'histogram') entries.push({ kind: 'histogram', metric, points: histograms.get(metric) ?? [] });
      else entries.push({ kind: 'scalar', metric, points: scalars.get(metric) ?? [] });
    }
    return { atMs, entries };
  }

  private stateOf(step: string, at: number): StepState {
    let state = this.steps.get(step);
    if (state === undefined) this.steps.set(step, (state = { step, kind: '', status: 'running', startedAtMs: at }));
    return state;
  }
}

type AddScalar = (metric: ScalarMetric, labels: Labels, value: number, startMs: number) => void;
type AddHistogram = (metric: HistogramMetric, point: HistogramPoint) => void;

const HTTP_CLASSES = new Set(['1xx', '2xx', '3xx', '4xx', '5xx']);
const US_PER_S = 1_000_000;

/** `''` is the load step's "unattributed" operation (autocannon transport errors); an empty label would vanish. */
function operationLabel(operation: string): string {
  return operation === '' ? 'unattributed' : operation;
}

function readLoad(registry: MetricsRegistry, step: string, startMs: number, scalar: AddScalar, histogram: AddHistogram): void {
  // Requests by status class: each response recorded exactly one latency sample under its
  // class; whatever else went on the wire got no response (status_class="error").
  const answered = new Map<string, number>();
  registry.forEachSeries(LOAD_SERIES.latency, (operation, outcome, h) => {
    if (HTTP_CLASSES.has(outcome)) {
      scalar(EXPORTED.requests, { step, operation: operationLabel(operation), status_class: outcome }, h.totalCount, startMs);
      answered.set(operation, (answered.get(operation) ?? 0) + h.totalCount);
    }
  });
  for (const [operation, sent] of registry.counterByOperation(COUNTERS.requests)) {
    const unanswered = sent - (answered.get(operation) ?? 0);
    if (unanswered > 0) scalar(EXPORTED.requests, { step, operation: operationLabel(operation), status_class: 'error' }, unanswered, startMs);
  }
  addHistograms(
    registry,
    LOAD_SERIES.latency,
    EXPORTED.requestDuration,
    (operation, outcome) => ({ step, operation: operationLabel(operation), status_class: outcome }),
    startMs,
    histogram,
  );
  addHistograms(
    registry,
    LOAD_SERIES.serviceTime,
    EXPORTED.serviceTime,
    (operation, outcome) => ({ step, operation: operationLabel(operation), status_class: outcome }),
    startMs,
    histogram,
  );
  const perOperation = (metric: ScalarMetric, counter: string) => {
    for (const [operation, value] of registry.counterByOperation(counter)) scalar(metric, { step, operation: operationLabel(operation) }, value, startMs);
  };
  perOperation(EXPORTED.lateSends, COUNTERS.lateSends);
  perOperation(EXPORTED.droppedSends, COUNTERS.droppedSends);
  perOperation(EXPORTED.schemaViolations, COUNTERS.schemaViolations);
}

function readBrowser(registry: MetricsRegistry, step: string, startMs: number, scalar: AddScalar, histogram: AddHistogram): void {
  const byOutcome = (_operation: string, outcome: string) => ({ step, outcome });
  addHistograms(registry, BROWSER_SERIES.joinTime, EXPORTED.browserJoin, byOutcome, startMs, histogram);
  addHistograms(registry, BROWSER_SERIES.timeToFirstFrame, EXPORTED.browserFirstFrame, byOutcome, startMs, histogram);
  addHistograms(registry, BROWSER_SERIES.setupTime, EXPORTED.browserSetup, byOutcome, startMs, histogram);
  const joined = registry.counter(BROWSER_COUNTERS.succeeded);
  if (registry.counter(BROWSER_COUNTERS.participants) > 0) scalar(EXPORTED.browserParticipants, { step, outcome: 'joined' }, joined, startMs);
  for (const name of registry.counterNames()) {
    if (name.startsWith('failed_')) scalar(EXPORTED.browserParticipants, { step, outcome: name.slice('failed_'.length) }, registry.counter(name), startMs);
  }
}

const boundsInUnits = new WeakMap<HistogramMetric, number[]>();

function addHistograms(
  registry: MetricsRegistry,
  series: string,
  metric: HistogramMetric,
  labelsOf: (operation: string, outcome: string) => Labels,
  startMs: number,
  histogram: AddHistogram,
): void {
  let bounds = boundsInUnits.get(metric);
  if (bounds === undefined) boundsInUnits.set(metric, (bounds = metric.bounds.map((s) => Math.round(s * US_PER_S))));
  const unitBounds = bounds;
  registry.forEachSeries(series, (operation, outcome, h) => {
    const counts = bucketCounts(h, unitBounds);
    histogram(metric, { labels: labelsOf(operation, outcome), cumulative: counts.cumulative, count: counts.count, sum: counts.sum / US_PER_S, startMs });
  });
}

/**
 * The step's thresholds judged on its live registry by the step's own evaluator.
 * Re-judged only when the step seals a window (every 10 s by default: the
 * cadence abort_on_fail is checked at, and the only moment `over` SLOs can
 * change), not on every scrape: a judgement merges histograms and decodes windows.
 */
function liveVerdicts(state: StepState): readonly SloVerdict[] {
  const live = state.live;
  if (live?.slos === undefined || live.catalog === undefined || live.slos.length === 0) return [];
  const windows = live.registry.windows().length;
  if (state.judged === undefined || state.judged.windows !== windows)
    state.judged = { windows, verdicts: evaluateSlos(live.slos, live.registry, live.catalog) };
  return state.judged.verdicts;
}

function baseUnit(unit: SloVerdict['unit']): { name: string; factor: number } {
  switch (unit) {
    case 'ms':
      return { name: 'seconds', factor: 0.001 };
    case 'ratio':
      return { name: 'ratio', factor: 1 };
    case 'count':
      return { name: 'count', factor: 1 };
    case 'per_second':
      return { name: 'per_second', factor: 1 };
  }
}

/** The points of one scalar instrument in a snapshot. */
export function scalarPoints(snapshot: MetricsSnapshot, metric: ScalarMetric): readonly ScalarPoint[] {
  for (const entry of snapshot.entries) if (entry.kind === 'scalar' && entry.metric === metric) return entry.points;
  return [];
}

/** The points of one histogram instrument in a snapshot. */
export function histogramPoints(snapshot: MetricsSnapshot, metric: HistogramMetric): readonly HistogramPoint[] {
  for (const entry of snapshot.entries) if (entry.kind === 'histogram' && entry.metric === metric) return entry.points;
  return [];
}
