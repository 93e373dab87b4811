import { sleep } from '../abortable-sleep.js';
import type { FaultProxy } from './fault-proxy.js';
import { commandSucceeded, describeCommand, runCommand, type CommandLine, type CommandOutcome } from './incident-command.js';
import type { CommandRecord, IncidentEndReason, IncidentEvent, IncidentEventListener, IncidentRecord } from './incident-events.js';
import type { CommandIncident, Incident, IncidentPlan } from './incident-plan.js';
import { describeProxyMode } from './proxy-mode.js';

/**
 * Starts and ends a plan's incidents at their offsets from the run's start,
 * on the wall clock every other figure of the run uses, each incident on its
 * own (commands may overlap; the plan keeps proxy incidents apart). An
 * incident that is on when the run is aborted is always ended: the proxy is
 * cleared, the end command runs (with its own timeout, not the aborted
 * signal), like a teardown. Nothing prints; events and the returned records
 * say what happened.
 */
export interface IncidentControllerOptions {
  plan: IncidentPlan;
  /** The proxy between roomgate and the target; required when the plan has proxy incidents. */
  proxy?: Pick<FaultProxy, 'set' | 'clear'>;
  onEvent?: IncidentEventListener;
  /** Added to every command's environment, with ROOMGATE_INCIDENT (its name) and ROOMGATE_INCIDENT_PHASE (start or end). */
  env?: Readonly<Record<string, string>>;
  /** Where commands run (default: the current directory). */
  cwd?: string;
}

export class IncidentController {
  constructor(private readonly options: IncidentControllerOptions) {
    const needsProxy = options.plan.incidents.find((incident) => incident.kind === 'proxy');
    if (needsProxy !== undefined && options.proxy === undefined) {
      throw new TypeError(`the incident "${needsProxy.name}" needs the fault proxy, and none was given to the IncidentController`);
    }
  }

  /**
   * Run the plan from `startAt` (wall-clock ms of offset 0; default now) until every incident has
   * ended, or until `signal` aborts and every active incident has been ended. One record per incident, in plan order.
   */
  async run(signal: AbortSignal, startAt: number = Date.now()): Promise<IncidentRecord[]> {
    return Promise.all(this.options.plan.incidents.map((incident) => this.runOne(incident, signal, startAt)));
  }

  private async runOne(incident: Incident, signal: AbortSignal, startAt: number): Promise<IncidentRecord> {
    const base = {
      incident: incident.name,
      kind: incident.kind,
      description: describeIncident(incident),
      plannedStartAt: startAt + incident.atMs,
      plannedEndAt: startAt + incident.atMs + incident.forMs,
    };
    await sleep(base.plannedStartAt - Date.now(), signal);
    if (signal.aborted) return { ...base, status: 'not-started' };

    const startedAt = Date.now();
    this.emit({
      type: 'incident-start',
      at: startedAt,
      incident: incident.name,
      kind: incident.kind,
      plannedAt: base.plannedStartAt,
      description: base.description,
    });
    if (incident.kind === 'proxy') {
      this.options.proxy!.set(incident.mode);
      await sleep(base.plannedEndAt - Date.now(), signal);
      const aborted = signal.aborted;
      this.options.proxy!.clear();
      const endedAt = this.end(incident, aborted ? 'aborted' : 'scheduled');
      return { ...base, status: aborted ? 'interrupted' : 'completed', startedAt, endedAt };
    }
    return this.runCommandIncident(incident, signal, base, startedAt);
  }

  private async runCommandIncident(
    incident: CommandIncident,
    signal: AbortSignal,
    base: Omit<IncidentRecord, 'status'>,
    startedAt: number,
  ): Promise<IncidentRecord> {
    const start = await this.command(incident, 'start', incident.start, signal);
    if (start.status === 'failed-to-start') {
      // Nothing ran, so there is nothing to undo: the end command is not run.
      const endedAt = this.end(incident, 'start-failed');
      return { ...base, status: 'failed', startedAt, endedAt, reason: start.error.message, commands: { start: commandRecord(incident.start, start) } };
    }
    const started = commandSucceeded(start);
    const stoppedByAbort = start.status === 'aborted';
    // A start command that failed may still have done part of its work: the incident ends at once, and its end command still runs.
    if (started) await sleep(base.plannedEndAt - Date.now(), signal);
    const aborted = signal.aborted;
    const end = incident.end === undefined ? undefined : await this.command(incident, 'end', incident.end, undefined);
    const endedAt = this.end(incident, started || stoppedByAbort ? (aborted ? 'aborted' : 'scheduled') : 'start-failed');
    const commands = {
      start: commandRecord(incident.start, start),
      ...(end === undefined || incident.end === undefined ? {} : { end: commandRecord(incident.end, end) }),
    };
    const failure =
      !started && !stoppedByAbort
        ? `its start command ${outcomeText(commands.start)}`
        : end !== undefined && !commandSucceeded(end)
          ? `its end command ${outcomeText(commands.end!)}`
          : undefined;
    if (failure !== undefined) return { ...base, status: 'failed', startedAt, endedAt, reason: failure, commands };
    return { ...base, status: aborted ? 'interrupted' : 'completed', startedAt, endedAt, commands };
  }

  private async command(incident: CommandIncident, phase: 'start' | 'end', line: CommandLine, signal: AbortSignal | undefined): Promise<CommandOutcome> {
    const outcome = await runCommand(line, {
      timeoutMs: incident.timeoutMs,
      ...(signal === undefined ? {} : { signal }),
      env: { ...this.options.env, ROOMGATE_INCIDENT: incident.name, ROOMGATE_INCIDENT_PHASE: phase },
      ...(this.options.cwd === undefined ? {} : { cwd: this.options.cwd }),
    });
    this.emit({ type: 'incident-command', at: Date.now(), incident: incident.name, phase, command: commandRecord(line, outcome) });
    return outcome;
  }

  private end(incident: Incident, reason: IncidentEndReason): number {
    const at = Date.now();
    this.emit({ type: 'incident-end', at, incident: incident.name, kind: incident.kind, reason });
    return at;
  }

  private emit(event: IncidentEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's failure must not leave an incident on: the schedule and its teardowns go on regardless.
    }
  }
}

/** `proxy latency 300ms on 50%`, `command kill -STOP 4242`: the label of an incident's band. */
export function describeIncident(incident: Incident): string {
  return incident.kind === 'proxy' ? `proxy ${describeProxyMode(incident.mode)}` : `command ${describeCommand(incident.start)}`;
}

/** A command's outcome as plain data for events and reports. */
export function commandRecord(line: CommandLine, outcome: CommandOutcome): CommandRecord {
  const command = describeCommand(line);
  if (outcome.status === 'failed-to-start') {
    const { message, hint, code } = outcome.error;
    return { command, status: outcome.status, error: { message, ...(hint === undefined ? {} : { hint }), ...(code === undefined ? {} : { code }) } };
  }
  return {
    command,
    status: outcome.status,
    ...(outcome.status === 'exited' ? { exitCode: outcome.exitCode } : {}),
    ...(outcome.status === 'signalled' ? { signal: outcome.signal } : {}),
    durationMs: outcome.durationMs,
    stdoutTail: outcome.stdoutTail,
    stderrTail: outcome.stderrTail,
    truncated: outcome.truncated,
  };
}

function outcomeText(record: CommandRecord): string {
  switch (record.status) {
    case 'exited':
      return `exited with ${record.exitCode ?? '?'}`;
    case 'signalled':
      return `was killed by ${record.signal ?? 'a signal'}`;
    case 'timed-out':
      return 'timed out';
    case 'aborted':
      return 'was stopped by the abort';
    case 'failed-to-start':
      return 'could not be started';
  }
}
