import { decodeHistogram, encodeHistogram, msToUnits, newHistogram, type Histogram } from './histogram.js';
import { isSuccessOutcome, type Outcome } from './outcome.js';
import type { SerializedCounter, SerializedMetrics, SerializedSeries, SerializedWindow } from './serialized.js';
import { EMPTY_SUMMARY, summarize, type LatencySummary } from './summary.js';

/** Which series a query reads. Omitted fields match everything. */
export interface SeriesFilter {
  operation?: string | undefined;
  /** Only these outcomes; e.g. `['2xx']` for latency of successes only. */
  outcomes?: readonly Outcome[] | undefined;
}

export interface RegistryOptions {
  /** Length of a time window, ms; default 10 000. */
  windowMs?: number;
  /** Epoch ms the run (and window 0) starts; default now. */
  startedAtMs?: number;
  now?: () => number;
}

type Level3<T> = Map<string, Map<string, Map<Outcome, T>>>;

/** The live part of a window: histograms and counters still receiving samples. */
interface OpenWindow {
  index: number;
  startMs: number;
  series: Level3<Histogram>;
  counters: Map<string, Map<string, number>>;
}

export const DEFAULT_WINDOW_MS = 10_000;
/** A last window shorter than this fraction of `windowMs` is folded into the one before (see finish). */
export const SHORT_TAIL_FRACTION = 0.25;

/**
 * One registry of HDR histograms and counters for a run, keyed by metric ×
 * operation × outcome × time window. Steps record samples here and never
 * compute percentiles themselves; SLO evaluation and reports read summaries.
 *
 * Nothing is kept per request: the whole-run histograms are bounded by their
 * value range, and each time window is sealed (`closeWindow`) into its
 * compressed encoding plus a summary. What does grow is one sealed window per
 * `windowMs` (kept for reports and sliding-window SLOs): a few KB per series,
 * measured ~27 KB for a window of 8 series with a wide (0.01–30 ms) latency
 * spread, i.e. ~10 MB per hour at the default 10 s windows. That grows with
 * run length / windowMs, not with the request rate.
 *
 * Latency values are given in milliseconds (fractions allowed) and stored as
 * integer microseconds (see histogram.ts).
 */
export class MetricsRegistry {
  readonly windowMs: number;
  readonly startedAtMs: number;
  private endedAtMs: number | undefined;
  private readonly now: () => number;
  private readonly totals: Level3<Histogram> = new Map();
  private readonly totalCounters = new Map<string, Map<string, number>>();
  private open: OpenWindow;
  private readonly sealed: SerializedWindow[] = [];

  constructor(options: RegistryOptions = {}) {
    this.now = options.now ?? Date.now;
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.startedAtMs = options.startedAtMs ?? this.now();
    this.open = { index: 0, startMs: 0, series: new Map(), counters: new Map() };
  }

  /** Record one latency-like sample (ms) of `metric` for `operation` that ended as `outcome`. */
  record(metric: string, operation: string, outcome: Outcome, valueMs: number): void {
    const units = msToUnits(valueMs);
    seriesOf(this.totals, metric, operation, outcome).recordValue(units);
    seriesOf(this.open.series, metric, operation, outcome).recordValue(units);
  }

  /** Add `by` to a counter (e.g. `requests`, `errors_timeout`, `late_sends`). */
  increment(name: string, operation = '', by = 1): void {
    addCounter(this.totalCounters, name, operation, by);
    addCounter(this.open.counters, name, operation, by);
  }

  /** The current window's index and start offset (ms from `startedAtMs`). */
  get currentWindow(): { index: number; startMs: number } {
    return { index: this.open.index, startMs: this.open.startMs };
  }

  /**
   * Seal the current window (ending now, or at `atMs` epoch) and open the next.
   * Steps call this on a timer every `windowMs`; the sealed window is returned
   * so the step can emit a `window` event.
   */
  closeWindow(atMs: number = this.now()): SerializedWindow {
    const endMs = Math.max(this.open.startMs, atMs - this.startedAtMs);
    const window: SerializedWindow = {
      index: this.open.index,
      startMs: this.open.startMs,
      endMs,
      series: serializeLevel3(this.open.series),
      counters: serializeCounters(this.open.counters),
    };
    this.sealed.push(window);
    this.open = { index: this.open.index + 1, startMs: endMs, series: new Map(), counters: new Map() };
    return window;
  }

  /**
   * Stop the clock: seals the open window if it holds anything, and fixes
   * `durationMs`. A tail shorter than a quarter window (the responses still
   * in flight when a timer had just sealed the last full window) is folded
   * into that window instead of becoming one of its own: a 40 ms window
   * reads as `5.0s–5.0s 8026.3/s`, a rate over a sliver of time that no
   * one asked for.
   */
  finish(atMs: number = this.now()): void {
    if (this.endedAtMs !== undefined) return;
    if (this.open.series.size > 0 || this.open.counters.size > 0) {
      const last = this.sealed.at(-1);
      const tailMs = atMs - this.startedAtMs - this.open.startMs;
      if (last !== undefined && tailMs < this.windowMs * SHORT_TAIL_FRACTION) this.foldOpenWindowInto(last, atMs);
      else this.closeWindow(atMs);
    }
    this.endedAtMs = atMs;
  }

  private foldOpenWindowInto(last: SerializedWindow, atMs: number): void {
    last.series = mergeSeriesLists(last.series, serializeLevel3(this.open.series));
    last.counters = mergeCounterLists(last.counters, serializeCounters(this.open.counters));
    last.endMs = Math.max(last.endMs, atMs - this.startedAtMs);
    this.open = { index: this.open.index, startMs: last.endMs, series: new Map(), counters: new Map() };
  }

  /** Elapsed ms of the run so far (or in total, once finished). */
  get durationMs(): number {
    return (this.endedAtMs ?? this.now()) - this.startedAtMs;
  }

  get finished(): boolean {
    return this.endedAtMs !== undefined;
  }

  /** The sealed windows, oldest first. */
  windows(): readonly SerializedWindow[] {
    return this.sealed;
  }

  /** All histograms of `metric` matching the filter, merged into a fresh copy (whole run). */
  histogram(metric: string, filter: SeriesFilter = {}): Histogram {
    const merged = newHistogram();
    for (const h of select(this.totals, metric, filter)) merged.add(h);
    return merged;
  }

  summary(metric: string, filter: SeriesFilter = {}): LatencySummary {
    const histogram = this.histogram(metric, filter);
    const summary = histogram.totalCount === 0 ? { ...EMPTY_SUMMARY } : summarize(histogram);
    histogram.destroy();
    return summary;
  }

  /** A counter summed over the operations the filter selects (whole run). */
  counter(name: string, filter: { operation?: string | undefined } = {}): number {
    return sumCounters(this.totalCounters, name, filter.operation);
  }

  /** Sum of request outcomes: how many samples of `metric` ended in a non-success outcome. */
  failures(metric: string, filter: { operation?: string | undefined } = {}): number {
    let total = 0;
    for (const [operation, byOutcome] of this.totals.get(metric) ?? []) {
      if (filter.operation !== undefined && filter.operation !== operation) continue;
      for (const [outcome, h] of byOutcome) if (!isSuccessOutcome(outcome)) total += h.totalCount;
    }
    return total;
  }

  /**
   * Visit every whole-run series of `metric` (one per operation × outcome) without
   * copying it. For exporters that read the live registry on a scrape: the
   * histogram passed in is the registry's own and must not be modified or kept.
   */
  forEachSeries(metric: string, visit: (operation: string, outcome: Outcome, histogram: Readonly<Histogram>) => void): void {
    for (const [operation, byOutcome] of this.totals.get(metric) ?? []) {
      for (const [outcome, histogram] of byOutcome) visit(operation, outcome, histogram);
    }
  }

  /** A whole-run counter per operation (`''` for counts not attributed to one). */
  counterByOperation(name: string): ReadonlyMap<string, number> {
    return new Map(this.totalCounters.get(name) ?? []);
  }

  /** Counter names with at least one increment. */
  counterNames(): string[] {
    return [...this.totalCounters.keys()];
  }

  /** Metric names with at least one sample. */
  metricNames(): string[] {
    return [...this.totals.keys()];
  }

  /** Operations seen, in histograms or counters. */
  operations(): string[] {
    const names = new Set<string>();
    for (const byOp of this.totals.values()) for (const op of byOp.keys()) names.add(op);
    for (const byOp of this.totalCounters.values()) for (const op of byOp.keys()) names.add(op);
    names.delete('');
    return [...names].sort();
  }

  /** Everything, as JSON (the open window is not included until sealed). */
  serialize(): SerializedMetrics {
    return {
      version: 1,
      histogramUnit: 'us',
      windowMs: this.windowMs,
      startedAtMs: this.startedAtMs,
      endedAtMs: this.endedAtMs ?? this.now(),
      series: serializeLevel3(this.totals),
      counters: serializeCounters(this.totalCounters),
      windows: [...this.sealed],
    };
  }

  /** Rebuild a registry from its serialized form (finished; read-only in spirit). */
  static fromSerialized(data: SerializedMetrics): MetricsRegistry {
    const registry = new MetricsRegistry({ windowMs: data.windowMs, startedAtMs: data.startedAtMs, now: () => data.endedAtMs });
    registry.merge(data);
    registry.endedAtMs = data.endedAtMs;
    return registry;
  }

  /**
   * Add another registry's (or shard's) samples into this one, exactly:
   * histograms are added bucket by bucket, counters summed, windows matched by
   * index. Both must use the same window length.
   */
  merge(other: SerializedMetrics | MetricsRegistry): void {
    const data = other instanceof MetricsRegistry ? other.serialize() : other;
    if (data.windowMs !== this.windowMs) {
      throw new Error(`cannot merge metrics with ${data.windowMs} ms windows into ${this.windowMs} ms windows`);
    }
    for (const s of data.series) addEncoded(this.totals, s);
    for (const c of data.counters) addCounter(this.totalCounters, c.name, c.operation, c.value);
    for (const window of data.windows) {
      const mine = this.sealed.find((w) => w.index === window.index);
      if (mine === undefined) {
        this.sealed.push(structuredClone(window));
        continue;
      }
      mine.series = mergeSeriesLists(mine.series, window.series);
      mine.counters = mergeCounterLists(mine.counters, window.counters);
      mine.startMs = Math.min(mine.startMs, window.startMs);
      mine.endMs = Math.max(mine.endMs, window.endMs);
    }
    this.sealed.sort((a, b) => a.index - b.index);
    if (this.endedAtMs !== undefined) this.endedAtMs = Math.max(this.endedAtMs, data.endedAtMs);
  }
}

function seriesOf(level: Level3<Histogram>, metric: string, operation: string, outcome: Outcome): Histogram {
  let byOp = level.get(metric);
  if (byOp === undefined) level.set(metric, (byOp = new Map()));
  let byOutcome = byOp.get(operation);
  if (byOutcome === undefined) byOp.set(operation, (byOutcome = new Map()));
  let histogram = byOutcome.get(outcome);
  if (histogram === undefined) byOutcome.set(outcome, (histogram = newHistogram()));
  return histogram;
}

function* select(level: Level3<Histogram>, metric: string, filter: SeriesFilter): Iterable<Histogram> {
  for (const [operation, byOutcome] of level.get(metric) ?? []) {
    if (filter.operation !== undefined && filter.operation !== operation) continue;
    for (const [outcome, histogram] of byOutcome) {
      if (filter.outcomes !== undefined && !filter.outcomes.includes(outcome)) continue;
      yield histogram;
    }
  }
}

function addCounter(counters: Map<string, Map<string, number>>, name: string, operation: string, by: number): void {
  let byOp = counters.get(name);
  if (byOp === undefined) counters.set(name, (byOp = new Map()));
  byOp.set(operation, (byOp.get(operation) ?? 0) + by);
}

function sumCounters(counters: Map<string, Map<string, number>>, name: string, operation: string | undefined): number {
  const byOp = counters.get(name);
  if (byOp === undefined) return 0;
  if (operation !== undefined) return byOp.get(operation) ?? 0;
  let total = 0;
  for (const value of byOp.values()) total += value;
  return total;
}

function serializeLevel3(level: Level3<Histogram>): SerializedSeries[] {
  const out: SerializedSeries[] = [];
  for (const [metric, byOp] of level) {
    for (const [operation, byOutcome] of byOp) {
      for (const [outcome, histogram] of byOutcome) {
        out.push({ metric, operation, outcome, histogram: encodeHistogram(histogram), summary: summarize(histogram) });
      }
    }
  }
  return out;
}

function serializeCounters(counters: Map<string, Map<string, number>>): SerializedCounter[] {
  const out: SerializedCounter[] = [];
  for (const [name, byOp] of counters) for (const [operation, value] of byOp) out.push({ name, operation, value });
  return out;
}

function addEncoded(level: Level3<Histogram>, s: SerializedSeries): void {
  const decoded = decodeHistogram(s.histogram);
  seriesOf(level, s.metric, s.operation, s.outcome).add(decoded);
  decoded.destroy();
}

function mergeSeriesLists(a: SerializedSeries[], b: SerializedSeries[]): SerializedSeries[] {
  const level: Level3<Histogram> = new Map();
  for (const s of [...a, ...b]) addEncoded(level, s);
  return serializeLevel3(level);
}

function mergeCounterLists(a: SerializedCounter[], b: SerializedCounter[]): SerializedCounter[] {
  const counters = new Map<string, Map<string, number>>();
  for (const c of [...a, ...b]) addCounter(counters, c.name, c.operation, c.value);
  return serializeCounters(counters);
}

/** Merge the given sealed windows' series of `metric` into one histogram (for sliding-window SLOs). */
export function histogramOfWindows(windows: readonly SerializedWindow[], metric: string, filter: SeriesFilter = {}): Histogram {
  const merged = newHistogram();
  for (const window of windows) {
    for (const s of window.series) {
      if (s.metric !== metric) continue;
      if (filter.operation !== undefined && filter.operation !== s.operation) continue;
      if (filter.outcomes !== undefined && !filter.outcomes.includes(s.outcome)) continue;
      const decoded = decodeHistogram(s.histogram);
      merged.add(decoded);
      decoded.destroy();
    }
  }
  return merged;
}

/** Sum a counter over the given sealed windows. */
export function counterOfWindows(windows: readonly SerializedWindow[], name: string, operation?: string): number {
  let total = 0;
  for (const window of windows) {
    for (const c of window.counters) {
      if (c.name === name && (operation === undefined || c.operation === operation)) total += c.value;
    }
  }
  return total;
}
