import { setMaxListeners } from 'node:events';
import { isInterruption } from '../errors.js';
import type { EventSink } from '../model/events.js';
import type { StepResult, StepStatus } from '../model/result.js';
import { worstStatus } from '../model/result.js';
import type { StepContext } from '../model/step.js';
import { abortSummary, DeadlineExceeded } from './run-step.js';
import { runScenario, type Gate, type ScenarioTask } from './run-scenario.js';

/**
 * The task engine: scenarios in order, each a fixture (its target, e.g. an
 * embedded reference server) plus steps, one after another or in parallel
 * groups on one clock, with the scenario's incidents beside them
 * (run-scenario.ts). Every setup pushes its teardown on a stack; teardowns
 * run in reverse, always — after a pass, a failure, an exception, an
 * interruption or the deadline. Each step's run is raced against the run's
 * AbortSignal (SIGINT/SIGTERM) and the global deadline; a step that does not
 * return within the grace period after an abort is replaced by what its
 * events already said, so nothing it reported is lost.
 */
export type { ScenarioTask, PlannedEntry, Gate } from './run-scenario.js';
export type { TimedStep } from './parallel-group.js';
export { DeadlineExceeded, abortSummary, NOT_RUN_PREFIX } from './run-step.js';

export interface RunPlanOptions {
  signal: AbortSignal;
  emit: EventSink;
  runDir: string;
  gate: Gate;
  /** Global deadline for the whole run, in ms from the start. */
  deadlineMs?: number;
  /** How long a step may take to return partial results after an abort. Default 15 s. */
  graceMs?: number;
  /** Steps whose name is not in this list are skipped (`--only`). */
  only?: readonly string[];
  /** Steps skipped by name, with the reason (e.g. a contract step on shard 2 of a distributed run). */
  skip?: ReadonlyMap<string, string>;
  /** Called after each step, e.g. to write a partial report.json. Errors are reported, not fatal. */
  afterStep?: (result: StepResult, all: readonly StepResult[]) => Promise<void>;
  /** Handed to every step's context: live exporters receive the steps' registries through it. */
  publishMetrics?: StepContext['publishMetrics'];
  /** Handed to every step's context: steps that listen to the run (the webhook sink) subscribe through it. */
  subscribe?: StepContext['subscribe'];
}

export interface RunOutcome {
  status: StepStatus;
  results: StepResult[];
  reason?: string;
}

/** Listeners the run's signal may carry before Node warns of a leak. */
export const RUN_SIGNAL_MAX_LISTENERS = 64;

export async function runPlan(scenarios: readonly ScenarioTask[], options: RunPlanOptions): Promise<RunOutcome> {
  const controller = new AbortController();
  const forward = () => controller.abort(options.signal.reason);
  if (options.signal.aborted) forward();
  else options.signal.addEventListener('abort', forward, { once: true });
  const deadlineTimer =
    options.deadlineMs === undefined ? undefined : setTimeout(() => controller.abort(new DeadlineExceeded(options.deadlineMs!)), options.deadlineMs);
  deadlineTimer?.unref();
  const signal = controller.signal;
  // Steps, their clients and in-flight requests listen on this one signal: a bounded fan-out
  // (measured: under 10 in the smoke suite; a parallel group adds its members'). A cap instead
  // of 0 (unlimited), so a real leak (a listener added per request and never removed) still warns.
  setMaxListeners(RUN_SIGNAL_MAX_LISTENERS, signal);
  const results: StepResult[] = [];
  let stopReason: string | undefined;

  const record = async (result: StepResult) => {
    results.push(result);
    options.emit({ type: 'step-end', at: Date.now(), step: result.name, result });
    try {
      await options.afterStep?.(result, results);
    } catch (error) {
      options.emit({ type: 'log', at: Date.now(), level: 'error', message: `could not write intermediate results: ${(error as Error).message}` });
    }
  };

  try {
    for (const scenario of scenarios) {
      await runScenario(scenario, {
        signal,
        emit: options.emit,
        runDir: options.runDir,
        gate: options.gate,
        graceMs: options.graceMs ?? 15_000,
        only: options.only,
        skip: options.skip,
        ...(options.publishMetrics === undefined ? {} : { publishMetrics: options.publishMetrics }),
        ...(options.subscribe === undefined ? {} : { subscribe: options.subscribe }),
        stopReason: () => stopReason,
        stop: (reason) => void (stopReason ??= reason),
        record,
      });
    }
  } finally {
    if (deadlineTimer !== undefined) clearTimeout(deadlineTimer);
    options.signal.removeEventListener('abort', forward);
  }
  let status = worstStatus(results.map((r) => r.status));
  if (signal.aborted && isInterruption(signal.reason)) status = 'interrupted';
  const reason = signal.aborted ? abortSummary(signal.reason) : results.find((r) => r.status === status)?.reason;
  return { status, results, ...(reason === undefined ? {} : { reason }) };
}
