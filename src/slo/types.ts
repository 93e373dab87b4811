import type { Outcome } from '../metrics/outcome.js';

/**
 * The metrics a step offers to SLOs. Each step passes its own catalog to
 * `parseSlos` (the load step: latency, error_rate, late_sends, …; the browser
 * step: join_time, time_to_first_frame, success_rate, …), so a threshold that
 * names a metric the step does not measure is a config error before the run.
 *
 * Every kind says how to read its value from a MetricsRegistry:
 * - `latency`: a histogram (ms); a threshold must name a statistic (`p99`, `max`, …).
 * - `count`: a counter. `requires` names a counter that must be non-zero for
 *   the value to mean anything (`schema_violations == 0` with nothing checked is no-data).
 * - `ratio`: sum(numerator) / sum(denominator), or 1 − that when `complement`.
 * - `rate`: a counter per second of run time.
 * - `duration`: a time measured once per subject (an incident's recovery
 *   time), kept in a histogram; a threshold reads the worst (largest) one and
 *   names no statistic (`recovery_time < 30s`).
 * - `distribution`: a histogram of values that are not durations (frames per
 *   second, a MOS, a ratio per participant); like `latency` a threshold names
 *   a statistic, read in `unit`. The registry keeps every value × `scale` in
 *   its millisecond slot (a ratio as a percentage: 0.001 % resolution where
 *   the raw ratio would get 0.1 %), and the threshold is compared with the
 *   statistic ÷ `scale`.
 */
export type MetricDefinition =
  | { kind: 'latency'; description: string; series?: string; outcomes?: readonly Outcome[]; perOperation?: boolean }
  | { kind: 'duration'; description: string; series?: string; perOperation?: boolean }
  | { kind: 'count'; description: string; counter: string; requires?: string; perOperation?: boolean }
  | { kind: 'ratio'; description: string; numerator: readonly string[]; denominator: readonly string[]; complement?: boolean; perOperation?: boolean }
  | { kind: 'rate'; description: string; counter: string; perOperation?: boolean }
  | { kind: 'distribution'; description: string; unit: 'ratio' | 'count'; scale: number; series?: string; perOperation?: boolean };

export interface MetricCatalog {
  metrics: Readonly<Record<string, MetricDefinition>>;
  /** The latency metric a bare statistic refers to (`p99 < 500ms`); none means the user must name one. */
  defaultLatency?: string;
}

export type Comparator = '<' | '<=' | '>' | '>=' | '==' | '!=';
export type SloUnit = 'ms' | 'ratio' | 'count' | 'per_second';

/** Which number of a latency histogram a threshold reads. */
export type SloStatistic = { kind: 'percentile'; percentile: number } | { kind: 'min' | 'max' | 'mean' | 'count' };

/** One parsed, validated threshold. Plain data: it serializes into reports as is. */
export interface Slo {
  /** The threshold as the user wrote it. */
  expression: string;
  /** A key of the catalog. */
  metric: string;
  /** Absent: all operations together. */
  operation?: string;
  /** Set for latency metrics only. */
  statistic?: SloStatistic;
  comparator: Comparator;
  /** In `unit`: ms, a ratio 0..1, a count, or per second. */
  threshold: number;
  unit: SloUnit;
  /** `over 1m`: the threshold must hold in every sliding window of this length. */
  windowMs?: number;
  /** Stop the run as soon as this threshold is breached (after `graceMs`). */
  abortOnFail: boolean;
  /** How long after the start a breach does not abort yet (warm-up). */
  graceMs: number;
  /** `during burst` / `outside api-outage`: judged only on the windows when (or when not) that step or incident ran. */
  scope?: SloScope;
}

/**
 * Which of a step's windows a threshold is judged on, by another step or an
 * incident of the same run: `during` the windows that overlap it, `outside`
 * the ones that do not. The runner judges scoped thresholds after the steps
 * they name have ended (src/runner/cross-step-slos.ts).
 */
export interface SloScope {
  mode: 'during' | 'outside';
  /** A step name, an incident name, or the incidents step's name (all incidents). */
  of: string;
}

/**
 * How SLOs are written, in YAML or on the command line:
 *
 * ```yaml
 * slos:
 *   - create_room.p99 < 1s          # operation.statistic (default latency metric)
 *   - p50 < 300ms                   # all operations
 *   - error_rate < 0.1%
 *   - availability >= 99.9%
 *   - throughput > 100/s
 *   - late_sends == 0
 *   - join_time.p95 < 5s            # metric.statistic
 *   - create_room.service_time.p99 < 800ms   # operation.metric.statistic
 *   - join_time.p95 < 8s during burst        # only the windows when step `burst` ran
 *   - error_rate < 0.1% outside api-outage   # every window but the incident's
 *   - threshold: p99 < 500ms over 1m
 *     abort_on_fail: true
 *     grace: 30s
 * ```
 */
export type SloInput = string | { threshold: string; abort_on_fail?: boolean; grace?: string | number };

/** One SLO threshold, checked against the step's metrics after (or during) the run. */
export type SloVerdict = SloPassed | SloFailed | SloNoData;

interface SloBase {
  /** The threshold as the user wrote it, e.g. `create_room p99 < 1s`. */
  expression: string;
  metric: string;
  operation?: string;
  /** The threshold value, in the metric's unit. */
  threshold: number;
  unit: SloUnit;
  /** Set for sliding-window SLOs (`over 1m`). */
  windowMs?: number;
  /** Set for thresholds judged in another step's or incident's windows (`during burst`). */
  scope?: SloScope;
  /** Scoped thresholds: how many of the step's windows the scope selected. */
  windows?: number;
}

export interface SloPassed extends SloBase {
  status: 'passed';
  observed: number;
}

export interface SloFailed extends SloBase {
  status: 'failed';
  observed: number;
  /** When the breach was first seen, for window SLOs. */
  breachedAtMs?: number;
}

/**
 * The metric had no samples. This is a failure of the gate, never a silent pass:
 * an SLO over nothing proves nothing.
 */
export interface SloNoData extends SloBase {
  status: 'no-data';
}
