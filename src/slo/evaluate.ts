import { counterOfWindows, histogramOfWindows, type MetricsRegistry } from '../metrics/registry.js';
import type { SerializedWindow } from '../metrics/serialized.js';
import { statOf } from '../metrics/summary.js';
import { unitsToMs, type Histogram } from '../metrics/histogram.js';
import type { Comparator, MetricCatalog, MetricDefinition, Slo, SloVerdict } from './types.js';

/**
 * Check thresholds against what the registry recorded. A metric without
 * samples yields `no-data`, which gates like a failure: an SLO over nothing
 * proves nothing. Threshold metrics are resolved through the same catalog the
 * thresholds were parsed with.
 */
export function evaluateSlos(slos: readonly Slo[], registry: MetricsRegistry, catalog: MetricCatalog): SloVerdict[] {
  return slos.map((slo) => evaluateSlo(slo, registry, catalog));
}

export function evaluateSlo(slo: Slo, registry: MetricsRegistry, catalog: MetricCatalog): SloVerdict {
  const definition = catalog.metrics[slo.metric];
  const base = verdictBase(slo);
  // A scoped threshold needs the windows of the step it names, which only the runner knows (src/slo/scope.ts): over the whole run it would judge the wrong thing.
  if (definition === undefined || slo.scope !== undefined) return { ...base, status: 'no-data' };
  if (slo.windowMs === undefined) {
    const observed = observe(slo, definition, wholeRunSource(registry));
    if (observed === undefined) return { ...base, status: 'no-data' };
    return holds(observed, slo.comparator, slo.threshold) ? { ...base, status: 'passed', observed } : { ...base, status: 'failed', observed };
  }
  // Sliding windows: every run of consecutive sealed windows spanning `windowMs`
  // must hold. The verdict's `observed` is the worst value seen.
  const windows = registry.windows();
  const span = Math.max(1, Math.ceil(slo.windowMs / registry.windowMs));
  let worst: number | undefined;
  let breachedAtMs: number | undefined;
  const last = Math.max(span, windows.length);
  for (let end = span; end <= last; end++) {
    const slice = windows.slice(Math.max(0, end - span), end);
    if (slice.length === 0) break;
    const observed = observe(slo, definition, windowSource(slice));
    if (observed === undefined) continue;
    if (worst === undefined || isWorse(observed, worst, slo.comparator)) worst = observed;
    if (breachedAtMs === undefined && !holds(observed, slo.comparator, slo.threshold)) breachedAtMs = slice[slice.length - 1]!.endMs;
  }
  if (worst === undefined) return { ...base, status: 'no-data' };
  return breachedAtMs === undefined ? { ...base, status: 'passed', observed: worst } : { ...base, status: 'failed', observed: worst, breachedAtMs };
}

/**
 * A threshold judged once over the given sealed windows together (their
 * histograms merged, counters summed, rates over their summed length): a
 * scoped threshold's selection, or one window when recovery is judged. A
 * sliding `over` length does not apply to a fixed selection.
 */
export function evaluateOverWindows(slo: Slo, windows: readonly SerializedWindow[], catalog: MetricCatalog): SloVerdict {
  const definition = catalog.metrics[slo.metric];
  const base = verdictBase(slo);
  if (definition === undefined || windows.length === 0) return { ...base, status: 'no-data' };
  const observed = observe(slo, definition, windowSource(windows));
  if (observed === undefined) return { ...base, status: 'no-data' };
  return holds(observed, slo.comparator, slo.threshold) ? { ...base, status: 'passed', observed } : { ...base, status: 'failed', observed };
}

function verdictBase(slo: Slo) {
  return {
    expression: slo.expression,
    metric: slo.metric,
    ...(slo.operation === undefined ? {} : { operation: slo.operation }),
    threshold: slo.threshold,
    unit: slo.unit,
    ...(slo.windowMs === undefined ? {} : { windowMs: slo.windowMs }),
    ...(slo.scope === undefined ? {} : { scope: slo.scope }),
  };
}

/** The two places values can come from: the whole run, or a slice of sealed windows. */
interface Source {
  histogram(series: string, operation: string | undefined, definition: Extract<MetricDefinition, { kind: 'latency' | 'duration' | 'distribution' }>): Histogram;
  counter(name: string, operation: string | undefined): number;
  seconds(): number;
}

function wholeRunSource(registry: MetricsRegistry): Source {
  return {
    histogram: (series, operation, definition) => registry.histogram(series, { operation, outcomes: outcomesOf(definition) }),
    counter: (name, operation) => registry.counter(name, { operation }),
    seconds: () => registry.durationMs / 1000,
  };
}

function windowSource(windows: readonly SerializedWindow[]): Source {
  return {
    histogram: (series, operation, definition) => histogramOfWindows(windows, series, { operation, outcomes: outcomesOf(definition) }),
    counter: (name, operation) => counterOfWindows(windows, name, operation),
    seconds: () => windows.reduce((sum, w) => sum + (w.endMs - w.startMs), 0) / 1000,
  };
}

function outcomesOf(definition: Extract<MetricDefinition, { kind: 'latency' | 'duration' | 'distribution' }>) {
  return definition.kind === 'latency' ? definition.outcomes : undefined;
}

function observe(slo: Slo, definition: MetricDefinition, source: Source): number | undefined {
  switch (definition.kind) {
    case 'duration': {
      // The worst subject decides: one incident that took 40 s to recover breaks `recovery_time < 30s`.
      const histogram = source.histogram(definition.series ?? slo.metric, slo.operation, definition);
      try {
        return histogram.totalCount === 0 ? undefined : statOf(histogram, 'max');
      } finally {
        histogram.destroy();
      }
    }
    case 'latency':
    case 'distribution': {
      const histogram = source.histogram(definition.series ?? slo.metric, slo.operation, definition);
      try {
        if (histogram.totalCount === 0) return slo.statistic?.kind === 'count' ? 0 : undefined;
        const statistic = slo.statistic ?? { kind: 'percentile', percentile: 99 };
        if (statistic.kind === 'count') return histogram.totalCount;
        const value = statistic.kind === 'percentile' ? unitsToMs(histogram.getValueAtPercentile(statistic.percentile)) : statOf(histogram, statistic.kind);
        return definition.kind === 'distribution' ? value / definition.scale : value;
      } finally {
        histogram.destroy();
      }
    }
    case 'count': {
      if (definition.requires !== undefined && source.counter(definition.requires, slo.operation) === 0) return undefined;
      return source.counter(definition.counter, slo.operation);
    }
    case 'ratio': {
      const denominator = sum(definition.denominator, slo.operation, source);
      if (denominator === 0) return undefined;
      const ratio = sum(definition.numerator, slo.operation, source) / denominator;
      return definition.complement === true ? 1 - ratio : ratio;
    }
    case 'rate': {
      const seconds = source.seconds();
      if (seconds <= 0) return undefined;
      const count = source.counter(definition.counter, slo.operation);
      return count === 0 ? undefined : count / seconds;
    }
  }
}

function sum(names: readonly string[], operation: string | undefined, source: Source): number {
  let total = 0;
  for (const name of names) total += source.counter(name, operation);
  return total;
}

export function holds(observed: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case '<':
      return observed < threshold;
    case '<=':
      return observed <= threshold;
    case '>':
      return observed > threshold;
    case '>=':
      return observed >= threshold;
    case '==':
      return observed === threshold;
    case '!=':
      return observed !== threshold;
  }
}

function isWorse(candidate: number, current: number, comparator: Comparator): boolean {
  return comparator === '>' || comparator === '>=' ? candidate < current : candidate > current;
}
