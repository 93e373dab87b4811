import { setMaxListeners } from 'node:events';
import { InvalidRunError, isInterruption, RoomgateError, TargetUnreachableError } from '../errors.js';
import type { EventSink } from '../model/events.js';
import type { CheckResult, SloVerdict, StepResult, StepStatus } from '../model/result.js';
import { worstStatus } from '../model/result.js';
import type { Step, StepContext } from '../model/step.js';
import type { Target } from '../target/target.js';
import { withTimeout } from '../with-timeout.js';

/**
 * The task engine: scenarios in order, each a fixture (its target, e.g. an
 * embedded reference server) plus steps. Every setup pushes its teardown on a
 * stack; teardowns run in reverse, always — after a pass, a failure, an
 * exception, an interruption or the deadline. Each step's run is raced
 * against the run's AbortSignal (SIGINT/SIGTERM) and the global deadline; a
 * step that does not return within the grace period after an abort is
 * replaced by what its events already said, so nothing it reported is lost.
 */
export interface ScenarioTask {
  name: string;
  /** Opens the scenario's target (starting an embedded server if needed, with its fault switches). */
  openTarget(signal: AbortSignal): Promise<{ target: Target; faults?: readonly string[]; close(): Promise<void> }>;
  steps: Step[];
}

export type Gate = 'stop-at-first-failure' | 'run-all';

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
  /** Handed to every step's context: the run's events, for steps that judge what others do (the webhook sink). */
  subscribe?: StepContext['subscribe'];
}

export interface RunOutcome {
  status: StepStatus;
  results: StepResult[];
  reason?: string;
}

/** Listeners the run's signal may carry before Node warns of a leak. */
export const RUN_SIGNAL_MAX_LISTENERS = 64;

export class DeadlineExceeded extends Error {
  constructor(readonly deadlineMs: number) {
    super(`the global deadline of ${Math.round(deadlineMs / 1000)} s was reached`);
    this.name = 'DeadlineExceeded';
  }
}

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
  // (measured: under 10 in the smoke suite). A cap instead of 0 (unlimited), so a real leak
  // (a listener added per request and never removed) still warns.
  setMaxListeners(RUN_SIGNAL_MAX_LISTENERS, signal);
  const graceMs = options.graceMs ?? 15_000;
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
      const teardowns: { name: string; run: () => Promise<void> }[] = [];
      try {
        let target: Target | undefined;
        let targetFailed: string | undefined;
        for (const step of scenario.steps) {
          const skipReason = options.skip?.get(step.name) ?? reasonToSkip(step, options.only, signal, targetFailed ?? stopReason);
          if (skipReason !== undefined) {
            await record(skippedResult(step, skipReason));
            continue;
          }
          if (target === undefined) {
            // Before opening: a target whose probe hangs until its timeout has taken that long, not 0 s.
            const openingAt = new Date();
            try {
              const opened = await opening(scenario.openTarget(signal), signal);
              target = opened.target;
              teardowns.push({ name: `${scenario.name} target`, run: () => opened.close() });
            } catch (error) {
              const result = failedToStart(step, error, signal, 'could not open the target', openingAt);
              await record(result);
              // The scenario's other steps share its target: they are not run. Later scenarios
              // (other targets, or a server that comes up) run unless the gate stops at a failure.
              targetFailed = `the target of scenario ${scenario.name} could not be opened`;
              if (options.gate === 'stop-at-first-failure') stopReason ??= `${step.name} could not start and the gate policy is stop-at-first-failure`;
              continue;
            }
          }
          const ctx: StepContext = {
            target,
            signal,
            emit: options.emit,
            runDir: options.runDir,
            ...(options.publishMetrics === undefined ? {} : { publishMetrics: options.publishMetrics }),
            ...(options.subscribe === undefined ? {} : { subscribe: options.subscribe }),
          };
          const result = await runStep(step, ctx, teardowns, graceMs);
          await record(result);
          if (signal.aborted) stopReason ??= abortSummary(signal.reason);
          else if (options.gate === 'stop-at-first-failure' && isGateFailure(result.status)) {
            stopReason = `an earlier step (${result.name}) ${result.status} and the gate policy is stop-at-first-failure`;
          }
        }
      } finally {
        for (const teardown of teardowns.reverse()) {
          try {
            await withTimeout(teardown.run(), 30_000, `teardown of ${teardown.name} took longer than 30 s`);
          } catch (error) {
            options.emit({ type: 'log', at: Date.now(), level: 'warn', message: `teardown of ${teardown.name} failed: ${(error as Error).message}` });
          }
        }
      }
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

async function runStep(step: Step, ctx: StepContext, teardowns: { name: string; run: () => Promise<void> }[], graceMs: number): Promise<StepResult> {
  const startedAt = new Date();
  ctx.emit({ type: 'step-start', at: startedAt.getTime(), step: step.name, kind: step.kind });
  // What the step said on the bus, in case it cannot hand back its own result.
  const seen = { checks: [] as CheckResult[], slos: [] as SloVerdict[] };
  // The runner owns the lifecycle events (it emits them even for a step that crashes); steps emit only what they see.
  const emit: StepContext['emit'] = (event) => {
    if (event.type === 'check' && event.step === step.name) seen.checks.push(event.result);
    if (event.type === 'slo' && event.step === step.name) seen.slos.push(event.verdict);
    ctx.emit(event);
  };
  const stepCtx: StepContext = { ...ctx, emit };
  if (step.setup !== undefined) {
    try {
      await raceAbort(step.setup(stepCtx), ctx.signal, graceMs);
    } catch (error) {
      // A setup that started may have acquired something; its teardown still runs.
      if (step.teardown !== undefined) teardowns.push({ name: step.name, run: () => step.teardown!(stepCtx) });
      return fromError(step, error, ctx.signal, startedAt, seen, 'setup');
    }
  }
  if (step.teardown !== undefined) teardowns.push({ name: step.name, run: () => step.teardown!(stepCtx) });
  try {
    const result = await raceAbort(step.run(stepCtx), ctx.signal, graceMs);
    if (ctx.signal.aborted && result.status !== 'interrupted' && result.status !== 'errored') {
      // A step that noticed the abort may still say "passed" for what it did; the run is partial either way.
      return { ...result, status: abortedStatus(ctx.signal.reason), reason: `${abortSummary(ctx.signal.reason)}; results are partial${result.reason === undefined ? '' : ` (${result.reason})`}` };
    }
    return result;
  } catch (error) {
    return fromError(step, error, ctx.signal, startedAt, seen, 'run');
  }
}

/** Resolve with the promise, or reject once the signal has been aborted for `graceMs` without an answer. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => reject(new GraceExpired(graceMs)), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function opening<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return raceAbort(promise, signal, 5000);
}

class GraceExpired extends Error {
  constructor(graceMs: number) {
    super(`did not stop within ${Math.round(graceMs / 1000)} s of being asked to; its results so far are kept`);
  }
}

function fromError(
  step: Step,
  error: unknown,
  signal: AbortSignal,
  startedAt: Date,
  seen: { checks: CheckResult[]; slos: SloVerdict[] },
  phase: 'setup' | 'run',
): StepResult {
  const finished = new Date();
  const base = {
    name: step.name,
    kind: step.kind,
    startedAt: startedAt.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - startedAt.getTime(),
    checks: seen.checks,
    slos: seen.slos,
    artifacts: [],
  };
  if (signal.aborted) {
    const why = error instanceof GraceExpired ? `; the step ${error.message}` : '';
    return { ...base, status: abortedStatus(signal.reason), reason: `${abortSummary(signal.reason)} during ${phase}${why}` };
  }
  const message = error instanceof Error ? error.message : String(error);
  const invalid = error instanceof TargetUnreachableError || error instanceof InvalidRunError;
  const hint = error instanceof RoomgateError && error.hint !== undefined ? ` (${error.hint})` : '';
  return {
    ...base,
    status: invalid ? 'invalid' : 'errored',
    reason: `${phase} failed: ${message}${hint}`,
    ...(invalid || error instanceof RoomgateError ? {} : { stack: error instanceof Error && error.stack !== undefined ? error.stack : message }),
  };
}

function failedToStart(step: Step, error: unknown, signal: AbortSignal, what: string, startedAt: Date): StepResult {
  const result = fromError(step, error, signal, startedAt, { checks: [], slos: [] }, 'setup');
  return { ...result, reason: `${what}: ${result.reason ?? ''}` };
}

/** How the reason of a step the run meant to run but never reached begins (vs. one left out by --only). */
export const NOT_RUN_PREFIX = 'not run: ';

function skippedResult(step: Step, reason: string): StepResult {
  const now = new Date().toISOString();
  return { name: step.name, kind: step.kind, status: 'skipped', reason, startedAt: now, finishedAt: now, durationMs: 0, checks: [], slos: [], artifacts: [] };
}

function reasonToSkip(step: Step, only: readonly string[] | undefined, signal: AbortSignal, stopReason: string | undefined): string | undefined {
  if (only !== undefined && only.length > 0 && !only.includes(step.name)) return `not selected by --only ${only.join(',')}`;
  if (signal.aborted) return `${NOT_RUN_PREFIX}${abortSummary(signal.reason)}`;
  if (stopReason !== undefined) return `${NOT_RUN_PREFIX}${stopReason}`;
  return undefined;
}

function isGateFailure(status: StepStatus): boolean {
  return status === 'failed' || status === 'errored' || status === 'invalid';
}

function abortedStatus(reason: unknown): StepStatus {
  return isInterruption(reason) ? 'interrupted' : 'errored';
}

export function abortSummary(reason: unknown): string {
  if (isInterruption(reason)) return (reason as Error).message;
  if (reason instanceof DeadlineExceeded) return `stopped: ${reason.message}`;
  return `aborted: ${reason instanceof Error ? reason.message : String(reason)}`;
}
