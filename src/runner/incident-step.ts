import { formatDuration } from '../config/duration.js';
import type { FaultProxy } from '../incident/fault-proxy.js';
import { DisturbanceWindows } from '../incident/disturbance-windows.js';
import { describeIncident, IncidentController } from '../incident/incident-controller.js';
import type { IncidentEvent, IncidentRecord } from '../incident/incident-events.js';
import type { IncidentPlan } from '../incident/incident-plan.js';
import { judgeRecovery } from '../incident/incident-metrics.js';
import type { ProxyEvent } from '../incident/proxy-events.js';
import { combineRecoveries, recoveryTime, type RecoveryTime } from '../incident/recovery-time.js';
import type { EventSink } from '../model/events.js';
import type { IncidentOutcome, IncidentStepSummary } from '../model/incident-summary.js';
import { stepMetrics, type IncidentStepResult, type SloVerdict, type StepResult, type StepStatus } from '../model/result.js';
import type { Step, StepContext } from '../model/step.js';
import { verdictsPerWindow } from '../slo/scope.js';
import type { MetricCatalog, Slo } from '../slo/types.js';
import { participantImpact } from './incident-impact.js';

/**
 * A scenario's `incidents:` list, planned: the schedule, each incident's own
 * thresholds (parsed against INCIDENT_METRICS while planning), and the grid
 * the proxy's disturbances are summed on.
 */
export interface IncidentTask {
  /** The step's name (`incidents`, or scenario-qualified). */
  name: string;
  plan: IncidentPlan;
  /** Per incident name: its `slos:`, parsed. */
  slos: ReadonlyMap<string, readonly Slo[]>;
  /** The steps' window length: disturbances are summed per window of the same grid. */
  windowMs: number;
  /** Where command incidents run (default: the current directory). */
  cwd?: string;
}

/** What the runner knows of a measured step when it judges across steps: its catalog and thresholds. */
export interface StepJudging {
  step: string;
  catalog: MetricCatalog;
  /** Its own thresholds, the ones it judges itself. */
  slos: readonly Slo[];
  /** Its `during`/`outside` thresholds, which the runner judges after the steps they name. */
  scoped: readonly Slo[];
}

/**
 * The incidents as a step on the scenario's clock (DESIGN.md "An incident is
 * a step too"): it starts and ends each incident at its offset from the
 * scenario's clock origin, emits a band for each (start without endMs, end
 * with it) and the fault proxy's disturbances summed per window, and ends
 * every incident still on when the scenario's steps are done or the run is
 * stopped. Recovery needs the windows of the steps that ran beside it, so its
 * verdict comes last: `finalize` judges it once the scenario's other steps
 * have ended.
 */
export interface IncidentStepHandle {
  step: Step;
  /** The plan has proxy incidents: the runner must start the fault proxy and hand it over before the steps start. */
  readonly needsProxy: boolean;
  attachProxy(proxy: FaultProxy): void;
  /** The fault proxy's listener. */
  readonly onProxyEvent: (event: ProxyEvent) => void;
  /** The scenario's steps are done: incidents not started yet never start, one that is on ends now. */
  endSchedule(): void;
  finalize(result: StepResult, scenario: ScenarioOutcome): StepResult;
}

/** The scenario around the incidents, once its other steps have ended. */
export interface ScenarioOutcome {
  results: readonly StepResult[];
  judging: readonly StepJudging[];
}

export function createIncidentStep(task: IncidentTask, clockOrigin: Promise<number | undefined>): IncidentStepHandle {
  const scheduleEnd = new AbortController();
  let proxy: FaultProxy | undefined;
  let emit: EventSink | undefined;
  let windows: DisturbanceWindows | undefined;
  let activeProxyIncident: string | undefined;
  let lastProxyIncident: string | undefined;
  let clockStartMs: number | undefined;
  const startedAt = new Map<string, number>();
  const needsProxy = task.plan.incidents.some((incident) => incident.kind === 'proxy');

  const onIncidentEvent = (event: IncidentEvent): void => {
    const incident = task.plan.incidents.find((i) => i.name === event.incident);
    switch (event.type) {
      case 'incident-start':
        startedAt.set(event.incident, event.at);
        if (event.kind === 'proxy') activeProxyIncident = lastProxyIncident = event.incident;
        emit?.({
          type: 'band',
          at: event.at,
          step: task.name,
          band: { id: event.incident, kind: 'incident', label: event.incident, startMs: event.at, detail: event.description },
        });
        break;
      case 'incident-end':
        if (activeProxyIncident === event.incident) activeProxyIncident = undefined;
        emit?.({
          type: 'band',
          at: event.at,
          step: task.name,
          band: {
            id: event.incident,
            kind: 'incident',
            label: event.incident,
            startMs: startedAt.get(event.incident) ?? event.at,
            endMs: event.at,
            detail: `${incident === undefined ? '' : describeIncident(incident)}${event.reason === 'scheduled' ? '' : ` (ended: ${event.reason})`}`,
          },
        });
        break;
      case 'incident-command': {
        const c = event.command;
        const outcome = c.status === 'exited' ? `exited ${c.exitCode ?? '?'}` : c.status;
        // The output tails stay in the step's summary (redacted with all evidence); the log says what ran.
        emit?.({
          type: 'log',
          at: event.at,
          step: task.name,
          level: c.status === 'exited' && c.exitCode === 0 ? 'info' : 'warn',
          message: `incident ${event.incident}: ${event.phase} command \`${c.command}\` ${outcome}`,
        });
        break;
      }
    }
  };

  const step: Step = {
    name: task.name,
    kind: 'incident',
    async run(ctx: StepContext): Promise<IncidentStepResult> {
      const started = new Date();
      emit = ctx.emit;
      const stop = AbortSignal.any([ctx.signal, scheduleEnd.signal]);
      const origin = await untilStarted(clockOrigin, stop);
      let records: IncidentRecord[];
      if (origin === undefined) {
        records = task.plan.incidents.map((incident) => notStarted(incident.name, incident.kind, describeIncident(incident)));
      } else {
        clockStartMs = origin;
        windows = new DisturbanceWindows({
          originMs: origin,
          windowMs: task.windowMs,
          onWindow: (disturbances) => ctx.emit({ type: 'disturbances', at: Date.now(), step: task.name, disturbances }),
        });
        const flusher = setInterval(() => windows?.flush(Date.now()), Math.min(1000, task.windowMs));
        try {
          const controller = new IncidentController({
            plan: task.plan,
            ...(proxy === undefined ? {} : { proxy }),
            onEvent: onIncidentEvent,
            ...(task.cwd === undefined ? {} : { cwd: task.cwd }),
          });
          records = await controller.run(stop, origin);
        } finally {
          clearInterval(flusher);
          windows.flush();
        }
      }
      const finished = new Date();
      return {
        name: task.name,
        kind: 'incident',
        status: 'passed',
        startedAt: started.toISOString(),
        finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - started.getTime(),
        checks: [],
        slos: [],
        artifacts: [],
        summary: {
          kind: 'incident',
          clockStartMs: clockStartMs ?? started.getTime(),
          ...(proxy === undefined ? {} : { proxy: { url: proxy.url, target: proxy.target.href } }),
          windowMs: task.windowMs,
          incidents: records.map((record) => ({ record, recovery: { status: 'no-windows' }, recoveryBySteps: [], participants: [], slos: [] })),
        },
      };
    },
  };

  return {
    step,
    needsProxy,
    attachProxy: (given) => void (proxy = given),
    onProxyEvent: (event) => {
      const incident = activeProxyIncident ?? lastProxyIncident;
      if (incident !== undefined) windows?.record(event, incident);
    },
    endSchedule: () => scheduleEnd.abort(),
    finalize: (result, scenario) =>
      result.kind === 'incident' && result.summary !== undefined ? judged(result, result.summary, scenario, task, windows) : result,
  };
}

/** The incident step's verdict, once the steps beside it have ended: recovery per incident and per step, participants reached, thresholds. */
function judged(
  result: IncidentStepResult,
  summary: IncidentStepSummary,
  scenario: ScenarioOutcome,
  task: IncidentTask,
  windows: DisturbanceWindows | undefined,
): IncidentStepResult {
  const measured = scenario.judging.flatMap((judging) => {
    const stepResult = scenario.results.find((r) => r.name === judging.step);
    const metrics = stepResult === undefined ? undefined : stepMetrics(stepResult);
    return metrics === undefined ? [] : [{ step: judging.step, kind: stepResult!.kind, windows: verdictsPerWindow(judging.slos, metrics, judging.catalog) }];
  });
  const incidents: IncidentOutcome[] = summary.incidents.map(({ record }) => {
    if (record.status === 'not-started') return { record, recovery: { status: 'no-windows' }, recoveryBySteps: [], participants: [], slos: [] };
    const recoveryBySteps = measured
      .filter((m) => m.kind === 'load' && measuringAt(m.windows, record.endedAt))
      .map((m) => ({ step: m.step, recovery: recoveryTime(m.windows, record.endedAt) }));
    const recovery = combineRecoveries(recoveryBySteps.map((r) => r.recovery));
    const during = { startMs: record.startedAt, endMs: record.endedAt };
    const participants = scenario.results
      .flatMap((r) => (r.kind === 'browser' && r.summary !== undefined ? [participantImpact(r.name, r.summary, during)] : []))
      .filter((p) => p.present > 0);
    const disturbed = windows?.totalsOf(record.incident);
    return {
      record,
      ...(disturbed === undefined ? {} : { disturbed }),
      recovery,
      recoveryBySteps,
      participants,
      slos: judgeRecovery(task.slos.get(record.incident) ?? [], recovery, record.endedAt).map((v) => ({
        ...v,
        expression: `${record.incident}: ${v.expression}`,
      })),
    };
  });
  const slos = incidents.flatMap((i) => i.slos);
  const { status, reason } = incidentVerdict(incidents, slos, task.plan);
  // An interrupted run stays interrupted whatever the incidents did.
  const final: StepStatus = result.status === 'passed' ? status : result.status;
  const why = result.status === 'passed' ? reason : result.reason;
  const { reason: _was, ...rest } = result;
  return { ...rest, status: final, ...(why === undefined ? {} : { reason: why }), slos, summary: { ...summary, incidents } };
}

/**
 * Whether a step was measuring when the incident ended: one of its windows
 * holds that moment. Recovery is timed on load steps that were: their API
 * windows carry per-window verdicts. A burst that was not running then would
 * time the gap until its next run, and a browser step records its joins
 * when it ends (its windows hold no join verdicts); what an incident did to
 * the calls is the participants' own figure (interrupted, video back).
 */
function measuringAt(windows: readonly { startMs: number; endMs: number }[], atMs: number): boolean {
  return windows.some((w) => w.startMs <= atMs && atMs < w.endMs);
}

/**
 * Invalid when the drill did not happen as planned (a command failed, an
 * incident never started or was cut short because the scenario's steps had
 * ended): recovery from a fault that was not on says nothing. Failed when a
 * threshold (recovery_time) was not met. Passed otherwise.
 */
function incidentVerdict(incidents: readonly IncidentOutcome[], slos: readonly SloVerdict[], plan: IncidentPlan): { status: StepStatus; reason?: string } {
  const failed = incidents.find((i) => i.record.status === 'failed');
  if (failed !== undefined && failed.record.status === 'failed') {
    return { status: 'invalid', reason: `incident ${failed.record.incident} did not happen as planned: ${failed.record.reason ?? 'a command failed'}` };
  }
  const missed = incidents.find((i) => i.record.status === 'not-started');
  if (missed !== undefined) {
    const atMs = plan.incidents.find((i) => i.name === missed.record.incident)?.atMs ?? 0;
    return {
      status: 'invalid',
      reason: `incident ${missed.record.incident} (planned at +${formatDuration(atMs)}) never started: the scenario's steps had ended first; move it earlier or lengthen the steps`,
    };
  }
  const cut = incidents.find((i) => i.record.status === 'interrupted');
  if (cut !== undefined)
    return {
      status: 'invalid',
      reason: `incident ${cut.record.incident} was cut short: the scenario's steps ended while it was on; recovery needs run time after it`,
    };
  const bad = slos.filter((v) => v.status !== 'passed');
  if (bad.length > 0) return { status: 'failed', reason: `${bad.length} of ${slos.length} incident SLOs not met: ${bad.map(describeVerdict).join('; ')}` };
  return { status: 'passed' };
}

function describeVerdict(verdict: SloVerdict): string {
  if (verdict.status === 'no-data') return `${verdict.expression} (no window after the incident to judge)`;
  return `${verdict.expression} (observed ${formatDuration(Math.round(verdict.observed))})`;
}

function notStarted(incident: string, kind: IncidentRecord['kind'], description: string): IncidentRecord {
  return { incident, kind, description, status: 'not-started', plannedStartAt: 0, plannedEndAt: 0 };
}

/** The scenario clock's origin, or undefined when the schedule ends (or the run stops) before any step started it. */
async function untilStarted(origin: Promise<number | undefined>, stop: AbortSignal): Promise<number | undefined> {
  if (stop.aborted) return undefined;
  return new Promise((resolve) => {
    const onStop = () => resolve(undefined);
    stop.addEventListener('abort', onStop, { once: true });
    void origin.then((value) => {
      stop.removeEventListener('abort', onStop);
      resolve(value);
    });
  });
}

/** A recovery figure in words, for logs and reports: `recovered after 0s (±10s)`, `not recovered by the end of the run`. */
export function describeRecovery(recovery: RecoveryTime): string {
  switch (recovery.status) {
    case 'recovered':
      return `recovered after ${formatDuration(recovery.recoveryMs)} (windows of ${formatDuration(recovery.resolutionMs)})${recovery.relapses > 0 ? `, ${recovery.relapses} window(s) failed again later` : ''}`;
    case 'not-recovered':
      return `not recovered by the end of the run (${recovery.failingWindows} failing window(s))`;
    case 'no-windows':
      return 'nothing to judge: no window after the incident';
  }
}
