import type { SerializedMetrics, SerializedWindow } from '../metrics/serialized.js';
import { evaluateOverWindows } from './evaluate.js';
import type { MetricCatalog, Slo, SloScope, SloVerdict } from './types.js';

/**
 * Thresholds judged on a chosen set of a step's windows, with the same
 * evaluator as every other threshold: `join_time.p95 < 8s during burst`
 * reads the browser step's windows that overlap a run of `burst`;
 * `error_rate < 0.1% outside api-outage` every window but those that overlap
 * the incident. The selection is by whole windows, so its precision is the
 * window length (default 10 s): a window that overlaps the named step by a
 * millisecond counts as during it. Pure: windows and intervals in, verdicts
 * out, so the runner and anything re-reading a report judge alike.
 */

/** A stretch of the run's clock, epoch ms. */
export interface Interval {
  startMs: number;
  endMs: number;
}

/** A sealed window of a step, placed on the run's clock. */
export interface PlacedWindow {
  startMs: number;
  endMs: number;
  window: SerializedWindow;
}

/** A registry's sealed windows on the run's clock (their offsets count from `startedAtMs`). */
export function placedWindows(metrics: SerializedMetrics): PlacedWindow[] {
  return metrics.windows.map((window) => ({ startMs: metrics.startedAtMs + window.startMs, endMs: metrics.startedAtMs + window.endMs, window }));
}

/** True when the window and the interval share some time (touching ends do not count). */
export function overlaps(window: Interval, interval: Interval): boolean {
  return window.startMs < interval.endMs && window.endMs > interval.startMs;
}

/** The windows a scope selects, given the intervals when the named step or incident ran. */
export function windowsInScope(windows: readonly PlacedWindow[], scope: SloScope, intervals: readonly Interval[]): PlacedWindow[] {
  return windows.filter((w) => intervals.some((i) => overlaps(w, i)) === (scope.mode === 'during'));
}

/**
 * A scoped threshold's verdict over the windows its scope selects; no-data
 * when it selects none (the named step never ran beside this one, or ran
 * only beside nothing this step measured). It records how many windows it read.
 */
export function evaluateInScope(slo: Slo, metrics: SerializedMetrics, catalog: MetricCatalog, intervals: readonly Interval[]): SloVerdict {
  if (slo.scope === undefined) throw new TypeError(`evaluateInScope: "${slo.expression}" has no during/outside clause`);
  const selected = windowsInScope(placedWindows(metrics), slo.scope, intervals);
  return {
    ...evaluateOverWindows(
      slo,
      selected.map((w) => w.window),
      catalog,
    ),
    windows: selected.length,
  };
}

/**
 * Each window of a step judged on its own by the step's thresholds, for
 * recovery time (src/incident/recovery-time.ts): did this stretch of time
 * meet the SLOs? Thresholds are read without their clause (`outside
 * api-outage` states the normal level, which recovery is measured against);
 * `during` thresholds state a level for special times and are left out. A
 * threshold with no data in a window (no joins in it, say) says nothing about
 * that window and is left out of it; a window with none left does not pass.
 */
export function verdictsPerWindow(
  slos: readonly Slo[],
  metrics: SerializedMetrics,
  catalog: MetricCatalog,
): { startMs: number; endMs: number; verdicts: SloVerdict[] }[] {
  const normal = slos.filter((slo) => slo.scope?.mode !== 'during').map(({ scope: _scope, ...slo }) => slo);
  return placedWindows(metrics).map((placed) => ({
    startMs: placed.startMs,
    endMs: placed.endMs,
    verdicts: normal.map((slo) => evaluateOverWindows(slo, [placed.window], catalog)).filter((v) => v.status !== 'no-data'),
  }));
}
