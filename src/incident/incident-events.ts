import type { CommandOutcome } from './incident-command.js';
import type { Incident } from './incident-plan.js';

/**
 * What the incident controller reports while it runs (events, for the run's
 * timeline and events.ndjson) and when it is done (one record per planned
 * incident, for report.json). Times are wall-clock ms, the run's one clock.
 * Plain data throughout: records serialize as they are, and the command
 * output they carry passes through the run's redactor like any evidence.
 */
export type IncidentEvent =
  /** The start action is about to be taken: from here the fault is on. */
  | { type: 'incident-start'; at: number; incident: string; kind: Incident['kind']; plannedAt: number; description: string }
  /** A start or end command finished (or failed to start). */
  | { type: 'incident-command'; at: number; incident: string; phase: 'start' | 'end'; command: CommandRecord }
  /** The end action has been taken (the proxy is clear, the end command returned): from here recovery is measured. */
  | { type: 'incident-end'; at: number; incident: string; kind: Incident['kind']; reason: IncidentEndReason };

/**
 * - `scheduled`: it ran its full `for`.
 * - `aborted`: the run was stopped while it was on; it was ended early (teardown).
 * - `start-failed`: its start command did not succeed; it was ended at once.
 */
export type IncidentEndReason = 'scheduled' | 'aborted' | 'start-failed';

/** A command's outcome as plain data (a start failure's error as its message and hint). */
export interface CommandRecord {
  /** As the user wrote it, e.g. `kill -STOP 4242`. */
  command: string;
  status: CommandOutcome['status'];
  exitCode?: number;
  signal?: string;
  durationMs?: number;
  stdoutTail?: string;
  stderrTail?: string;
  truncated?: boolean;
  error?: { message: string; hint?: string; code?: string };
}

/** What happened to one planned incident. */
export type IncidentRecord =
  | (IncidentRecordBase & { status: 'not-started' })
  | (IncidentRecordBase & {
      /**
       * - completed: on for its full time, every command succeeded.
       * - interrupted: the run was aborted while it was on; it was ended early.
       * - failed: a command did not succeed (see `commands` and `reason`).
       */
      status: 'completed' | 'interrupted' | 'failed';
      startedAt: number;
      endedAt: number;
      reason?: string;
      commands?: { start: CommandRecord; end?: CommandRecord };
    });

interface IncidentRecordBase {
  incident: string;
  kind: Incident['kind'];
  description: string;
  plannedStartAt: number;
  plannedEndAt: number;
}

export type IncidentEventListener = (event: IncidentEvent) => void;
