import { InvalidRunError, isInterruption, RoomgateError, TargetUnreachableError } from '../errors.js';
import type { CheckResult, SloVerdict, StepResult, StepStatus } from '../model/result.js';
import type { Step, StepContext } from '../model/step.js';

/**
 * One run of one step, as the runner does it for every step alike (on its
 * own, in a parallel group, or one repetition of a recurring one): the
 * runner emits step-start (steps never do), raced against the run's signal
 * with a grace period, its teardown pushed on the scenario's stack whatever
 * happens, and a result even for a step that throws, hangs or is cut off.
 */

/** The scenario's teardown stack: run in reverse order of push, always. */
export type TeardownStack = { name: string; run: () => Promise<void> }[];

export class DeadlineExceeded extends Error {
  constructor(readonly deadlineMs: number) {
    super(`the global deadline of ${Math.round(deadlineMs / 1000)} s was reached`);
    this.name = 'DeadlineExceeded';
  }
}

export async function runStep(
  step: Step,
  ctx: StepContext,
  teardowns: TeardownStack,
  graceMs: number,
  options: { announce?: boolean } = {},
): Promise<StepResult> {
  const startedAt = new Date();
  if (options.announce !== false) ctx.emit({ type: 'step-start', at: startedAt.getTime(), step: step.name, kind: step.kind });
  // What the step said on the bus, in case it cannot hand back its own result.
  const seen = { checks: [] as CheckResult[], slos: [] as SloVerdict[] };
  // Windows on the run's one clock: a window that does not say where its offsets count from counts from
  // the step's clock start. A progress event tells it exactly (its elapsedMs and its time are read from one
  // clock reading); failing one, the first window does, within the moment between its sealing and its emission.
  let originMs: number | undefined;
  // The runner owns the lifecycle events (it emits them even for a step that crashes); steps emit only what they see.
  const emit: StepContext['emit'] = (event) => {
    if (event.type === 'check' && event.step === step.name) seen.checks.push(event.result);
    if (event.type === 'slo' && event.step === step.name) seen.slos.push(event.verdict);
    if (event.type === 'progress' && event.step === step.name) originMs ??= event.at - event.progress.elapsedMs;
    if (event.type === 'window' && event.window.originMs === undefined) {
      originMs ??= event.at - event.window.endMs;
      ctx.emit({ ...event, window: { ...event.window, originMs } });
      return;
    }
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
      return {
        ...result,
        status: abortedStatus(ctx.signal.reason),
        reason: `${abortSummary(ctx.signal.reason)}; results are partial${result.reason === undefined ? '' : ` (${result.reason})`}`,
      };
    }
    return result;
  } catch (error) {
    return fromError(step, error, ctx.signal, startedAt, seen, 'run');
  }
}

/** Resolve with the promise, or reject once the signal has been aborted for `graceMs` without an answer. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
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

export function opening<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
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

export function failedToStart(step: Step, error: unknown, signal: AbortSignal, what: string, startedAt: Date = new Date()): StepResult {
  const result = fromError(step, error, signal, startedAt, { checks: [], slos: [] }, 'setup');
  return { ...result, reason: `${what}: ${result.reason ?? ''}` };
}

/** How the reason of a step the run meant to run but never reached begins (vs. one left out by --only). */
export const NOT_RUN_PREFIX = 'not run: ';

export function skippedResult(step: Step, reason: string): StepResult {
  const now = new Date().toISOString();
  return { name: step.name, kind: step.kind, status: 'skipped', reason, startedAt: now, finishedAt: now, durationMs: 0, checks: [], slos: [], artifacts: [] };
}

export function reasonToSkip(step: Step, only: readonly string[] | undefined, signal: AbortSignal, stopReason: string | undefined): string | undefined {
  if (only !== undefined && only.length > 0 && !only.includes(step.name)) return `not selected by --only ${only.join(',')}`;
  if (signal.aborted) return `${NOT_RUN_PREFIX}${abortSummary(signal.reason)}`;
  if (stopReason !== undefined) return `${NOT_RUN_PREFIX}${stopReason}`;
  return undefined;
}

export function isGateFailure(status: StepStatus): boolean {
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
