import { startFaultProxy } from '../incident/fault-proxy.js';
import type { EventSink } from '../model/events.js';
import type { StepResult } from '../model/result.js';
import type { Step, StepContext } from '../model/step.js';
import type { Target } from '../target/target.js';
import { withTimeout } from '../with-timeout.js';
import { BandLog } from './band-log.js';
import { judgeScopedSlos } from './cross-step-slos.js';
import { createIncidentStep, type IncidentStepHandle, type IncidentTask, type StepJudging } from './incident-step.js';
import { runGroup, type TimedStep } from './parallel-group.js';
import { abortSummary, failedToStart, isGateFailure, NOT_RUN_PREFIX, opening, reasonToSkip, runStep, skippedResult, type TeardownStack } from './run-step.js';
import { groupOrigin } from './slot-schedule.js';

/**
 * One scenario: a fixture (its target, e.g. an embedded reference server)
 * plus steps, run one after another or in parallel groups on one clock, and
 * optionally incidents beside them all.
 */
export interface ScenarioTask {
  name: string;
  /** Opens the scenario's target (starting an embedded server if needed, with its fault switches). */
  openTarget(signal: AbortSignal): Promise<{ target: Target; faults?: readonly string[]; close(): Promise<void> }>;
  /** Every step of the scenario (reports, --only and exporters key on their names). */
  steps: Step[];
  /** How they run; absent: `steps` one after another. */
  entries?: readonly PlannedEntry[];
  /** The scenario's `incidents:`, run as one more step on the scenario's clock. */
  incidents?: IncidentTask;
  /** Catalogs and thresholds of the measured steps, for scoped SLOs and recovery time. */
  judging?: readonly StepJudging[];
}

/** A step on its own (it starts when the entry before it ended), or a parallel group. */
export type PlannedEntry =
  | { kind: 'step'; step: Step }
  | {
      kind: 'parallel';
      members: readonly TimedStep[];
      /** Offset 0 of the group as agreed by every shard of a distributed run (`--start-at`). */
      startAtMs?: number;
    };

export type Gate = 'stop-at-first-failure' | 'run-all';

/** What the run gives each scenario: its signal, bus and policies, and where results go. */
export interface ScenarioRunContext {
  signal: AbortSignal;
  emit: EventSink;
  runDir: string;
  gate: Gate;
  graceMs: number;
  only?: readonly string[] | undefined;
  skip?: ReadonlyMap<string, string> | undefined;
  publishMetrics?: StepContext['publishMetrics'];
  subscribe?: StepContext['subscribe'];
  /** Why the steps not run yet are skipped (an earlier failure under stop-at-first-failure, an abort), if they are. */
  stopReason(): string | undefined;
  stop(reason: string): void;
  record(result: StepResult): Promise<void>;
}

/**
 * The scenario's clock: offset 0 is the moment its first entry starts (a
 * step, or a group's origin). The incidents' `at` counts from it.
 */
class ScenarioClock {
  private resolve: (origin: number | undefined) => void = () => {};
  readonly origin = new Promise<number | undefined>((resolve) => (this.resolve = resolve));
  private started = false;

  start(atMs: number): void {
    if (this.started) return;
    this.started = true;
    this.resolve(atMs);
  }

  /** No entry will start it any more. */
  close(): void {
    if (!this.started) this.resolve(undefined);
    this.started = true;
  }
}

export async function runScenario(scenario: ScenarioTask, run: ScenarioRunContext): Promise<void> {
  const teardowns: TeardownStack = [];
  const bands = new BandLog();
  const emit: EventSink = (event) => {
    bands.observe(event);
    run.emit(event);
  };
  const clock = new ScenarioClock();
  const incidents = scenario.incidents === undefined ? undefined : createIncidentStep(scenario.incidents, clock.origin);
  // Steps with scoped thresholds are recorded once those are judged, after the steps they name.
  const scoped = new Set((scenario.judging ?? []).filter((j) => j.scoped.length > 0).map((j) => j.step));
  const waiting: StepResult[] = [];
  const ended: StepResult[] = [];
  let target: Target | undefined;
  let targetFailed: string | undefined;
  let background: Promise<StepResult> | undefined;
  let incidentsSkipped: string | undefined;

  const finish = async (result: StepResult) => {
    ended.push(result);
    if (scoped.has(result.name)) waiting.push(result);
    else await run.record(result);
    if (run.signal.aborted) run.stop(abortSummary(run.signal.reason));
    else if (run.gate === 'stop-at-first-failure' && isGateFailure(result.status) && !scoped.has(result.name)) {
      run.stop(`an earlier step (${result.name}) ${result.status} and the gate policy is stop-at-first-failure`);
    }
  };
  const skipReason = (step: Step) => run.skip?.get(step.name) ?? reasonToSkip(step, run.only, run.signal, targetFailed ?? run.stopReason());
  const context = (stepTarget: Target): StepContext => ({
    target: stepTarget,
    signal: run.signal,
    emit,
    runDir: run.runDir,
    ...(run.publishMetrics === undefined ? {} : { publishMetrics: run.publishMetrics }),
    ...(run.subscribe === undefined ? {} : { subscribe: run.subscribe }),
  });
  const announced = new Set<string>();
  const runOnce = async (step: Step, stepTarget: Target, phase: { id: string; label: string; slotMs?: number }): Promise<StepResult> => {
    // One step-start per step, however many runs it has: its step-end comes once, with the merged result.
    const announce = !announced.has(step.name);
    announced.add(step.name);
    return withPhaseBand(step, phase, emit, () => runStep(step, context(stepTarget), teardowns, run.graceMs, { announce }));
  };

  /** The target, opened when the first step that runs needs it (with the fault proxy in front when an incident needs one). */
  const open = async (first: Step): Promise<Target | undefined> => {
    if (target !== undefined || targetFailed !== undefined) return target;
    // Before opening: a target whose probe hangs until its timeout has taken that long, not 0 s.
    const openingAt = new Date();
    try {
      const opened = await opening(scenario.openTarget(run.signal), run.signal);
      teardowns.push({ name: `${scenario.name} target`, run: () => opened.close() });
      target = opened.target;
    } catch (error) {
      if (run.gate === 'stop-at-first-failure') run.stop(`${first.name} could not start and the gate policy is stop-at-first-failure`);
      await finish(failedToStart(first, error, run.signal, 'could not open the target', openingAt));
      // The scenario's other steps share its target: they are not run. Later scenarios
      // (other targets, or a server that comes up) run unless the gate stops at a failure.
      targetFailed = `the target of scenario ${scenario.name} could not be opened`;
      return undefined;
    }
    if (incidents !== undefined) {
      incidentsSkipped = skipReason(incidents.step);
      if (incidentsSkipped === undefined) target = await startIncidents(incidents, target);
    }
    return target;
  };

  /** The fault proxy in front of the target (the target stays the target; reports name it), and the schedule waiting for the clock. */
  const startIncidents = async (handle: IncidentStepHandle, real: Target): Promise<Target> => {
    let stepsTarget = real;
    if (handle.needsProxy) {
      const proxy = await startFaultProxy({ target: real.baseUrl, onEvent: handle.onProxyEvent });
      handle.attachProxy(proxy);
      // Pushed after the target's close: closed before it, after every step's teardown has sent its last request through it.
      teardowns.push({ name: `${handle.step.name} fault proxy`, run: () => proxy.close() });
      stepsTarget = { ...real, baseUrl: proxy.url };
    }
    background = runStep(handle.step, context(stepsTarget), teardowns, run.graceMs);
    return stepsTarget;
  };

  try {
    const entries = scenario.entries ?? scenario.steps.map((step): PlannedEntry => ({ kind: 'step', step }));
    for (const entry of entries) {
      if (entry.kind === 'step') {
        const reason = skipReason(entry.step);
        if (reason !== undefined) {
          await finish(skippedResult(entry.step, reason));
          continue;
        }
        const stepTarget = await open(entry.step);
        if (stepTarget === undefined) continue;
        clock.start(Date.now());
        await finish(await runOnce(entry.step, stepTarget, { id: entry.step.name, label: entry.step.name }));
        continue;
      }
      const members: TimedStep[] = [];
      for (const member of entry.members) {
        const reason = skipReason(member.step);
        if (reason === undefined) members.push(member);
        else await finish(skippedResult(member.step, reason));
      }
      if (members.length === 0) continue;
      const stepTarget = await open(members[0]!.step);
      if (stepTarget === undefined) {
        for (const member of members.slice(1)) await finish(skippedResult(member.step, `${NOT_RUN_PREFIX}${targetFailed ?? 'the target could not be opened'}`));
        continue;
      }
      const originMs = groupOrigin(members, Date.now(), entry.startAtMs);
      clock.start(originMs);
      await runGroup(members, {
        originMs,
        signal: run.signal,
        runOnce: (step, phase) => runOnce(step, stepTarget, phase),
        onMemberDone: finish,
        onMemberNotRun: (step, reason) => finish(skippedResult(step, `${NOT_RUN_PREFIX}${reason}`)),
        log: (level, step, message) => emit({ type: 'log', at: Date.now(), step, level, message }),
      });
    }
    clock.close();
    // Judged last, once every step they depend on has ended: scoped thresholds and the incidents' recovery.
    const judging = scenario.judging ?? [];
    const bandNow = Date.now();
    for (const result of waiting) {
      const rules = judging.find((j) => j.step === result.name);
      await run.record(rules === undefined ? result : judgeScopedSlos(result, rules, (name) => bands.intervalsOf(name, bandNow), emit));
    }
    if (incidents !== undefined) {
      incidents.endSchedule();
      if (background !== undefined) {
        const preliminary = await background;
        const final = incidents.finalize(preliminary, { results: ended, judging });
        for (const verdict of final.slos) emit({ type: 'slo', at: Date.now(), step: final.name, verdict });
        await run.record(final);
      } else {
        await run.record(
          skippedResult(incidents.step, incidentsSkipped ?? `${NOT_RUN_PREFIX}${targetFailed ?? run.stopReason() ?? 'no step of the scenario ran'}`),
        );
      }
    }
  } finally {
    clock.close();
    incidents?.endSchedule();
    // A background run still going after an exception: let it end its incidents before the teardowns (bounded by its commands' timeouts).
    if (background !== undefined) await background.catch(() => undefined);
    for (const teardown of teardowns.reverse()) {
      try {
        await withTimeout(teardown.run(), 30_000, `teardown of ${teardown.name} took longer than 30 s`);
      } catch (error) {
        run.emit({ type: 'log', at: Date.now(), level: 'warn', message: `teardown of ${teardown.name} failed: ${(error as Error).message}` });
      }
    }
  }
}

/**
 * Every run of a step is a phase band on the run's clock: it opens at the
 * step's slot (the moment its measured phase begins; for a step on its own,
 * when it starts) and closes when the step returns. `during <step>`
 * thresholds read these bands.
 */
async function withPhaseBand(
  step: Step,
  phase: { id: string; label: string; slotMs?: number },
  emit: EventSink,
  body: () => Promise<StepResult>,
): Promise<StepResult> {
  const startMs = phase.slotMs ?? Date.now();
  let opened = false;
  const open = () => {
    if (opened) return;
    opened = true;
    emit({ type: 'band', at: Date.now(), step: step.name, band: { id: phase.id, kind: 'phase', label: phase.label, startMs: Math.min(startMs, Date.now()) } });
  };
  const timer = setTimeout(open, Math.max(0, startMs - Date.now()));
  try {
    return await body();
  } finally {
    clearTimeout(timer);
    open();
    const at = Date.now();
    emit({ type: 'band', at, step: step.name, band: { id: phase.id, kind: 'phase', label: phase.label, startMs: Math.min(startMs, at), endMs: at } });
  }
}
