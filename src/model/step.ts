import type { EventSink, RunEvent } from './events.js';
import type { StepKind, StepResult } from './result.js';
import type { Target } from '../target/target.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import type { MetricCatalog, Slo } from '../slo/types.js';

/**
 * What every step is given. Steps talk to the target, emit events and honour
 * the signal; they neither print nor exit.
 */
export interface StepContext {
  target: Target;
  /** Aborted on SIGINT/SIGTERM or the global deadline: stop, drain, clean up, return partial results. */
  signal: AbortSignal;
  emit: EventSink;
  /** The run folder; artifacts go beneath it and are referenced by relative path. */
  runDir: string;
  /**
   * Announce the step's live metrics registry (and the thresholds it will be
   * judged by) to whoever exports it while the run goes on (Prometheus, OTLP).
   * Optional, like every listener: a step never knows who listens, and the
   * call returns at once. The step keeps recording into the registry as usual.
   */
  publishMetrics?: (source: LiveMetricsSource) => void;
  /**
   * Listen to the run's events as they are emitted (every step's, this one's
   * included): a step that judges what other steps do while it runs (the
   * webhook sink expects the events of the rooms a load step announces) reads
   * them here, never by importing the other step. Returns the unsubscribe;
   * a step unsubscribes before it returns or in its teardown. A listener that
   * throws is switched off. Absent when the caller runs without a bus.
   */
  subscribe?: (listener: (event: RunEvent) => void) => () => void;
}

/** A step's registry as it fills up, plus what live SLO state is computed from. */
export interface LiveMetricsSource {
  step: string;
  registry: MetricsRegistry;
  slos?: readonly Slo[];
  catalog?: MetricCatalog;
}

/**
 * One unit of work in a run. `setup` and `teardown` are optional; the runner
 * calls teardowns in reverse order of setups, always, even after a failure or
 * an interruption.
 */
export interface Step {
  name: string;
  kind: StepKind;
  setup?(ctx: StepContext): Promise<void>;
  run(ctx: StepContext): Promise<StepResult>;
  teardown?(ctx: StepContext): Promise<void>;
}
