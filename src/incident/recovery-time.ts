import type { SloVerdict } from '../slo/types.js';

/**
 * Recovery time: from the end of an incident to the start of the first
 * window that meets every SLO again. Pure: windows and their verdicts in,
 * one figure out, so the runner, `merge` and `report` all compute it alike.
 *
 * Only windows that reach past the incident's end count. The first of them
 * may straddle the end; if it meets the SLOs the recovery time is 0 (the
 * figure never goes negative). The answer is only as fine as the windows:
 * `resolutionMs` says how wide the recovering window was.
 *
 * A window meets the SLOs when it has verdicts and every one of them passed.
 * `no-data` does not pass (an SLO over nothing proves nothing), and neither
 * does a window with no verdicts at all.
 */
export interface SloWindow {
  /** Same clock as the incident's end (wall-clock ms in a run). */
  startMs: number;
  endMs: number;
  verdicts: ReadonlyArray<Pick<SloVerdict, 'status'>>;
}

export type RecoveryTime =
  | {
      status: 'recovered';
      /** From the incident's end to the start of the first window that met every SLO (0 when that window straddles the end). */
      recoveryMs: number;
      /** Start of that window. */
      recoveredAtMs: number;
      /** Its width: the figure's precision. */
      resolutionMs: number;
      /** Windows after it that failed again: a recovery that did not hold. */
      relapses: number;
    }
  /** No window after the incident met every SLO, up to the end of the run. */
  | { status: 'not-recovered'; judgedUntilMs: number; failingWindows: number }
  /** No window reaches past the incident's end: the run ended with it, there is nothing to judge. */
  | { status: 'no-windows' };

export function recoveryTime(windows: readonly SloWindow[], incidentEndMs: number): RecoveryTime {
  const after = windows.filter((w) => w.endMs > incidentEndMs).sort((a, b) => a.startMs - b.startMs);
  if (after.length === 0) return { status: 'no-windows' };
  const index = after.findIndex(meetsSlos);
  if (index === -1) return { status: 'not-recovered', judgedUntilMs: Math.max(...after.map((w) => w.endMs)), failingWindows: after.length };
  const window = after[index]!;
  return {
    status: 'recovered',
    recoveryMs: Math.max(0, window.startMs - incidentEndMs),
    recoveredAtMs: window.startMs,
    resolutionMs: window.endMs - window.startMs,
    relapses: after.slice(index + 1).filter((w) => !meetsSlos(w)).length,
  };
}

/** Every SLO judged in the window passed (and there was at least one). */
export function meetsSlos(window: SloWindow): boolean {
  return window.verdicts.length > 0 && window.verdicts.every((verdict) => verdict.status === 'passed');
}

/**
 * Several steps' recovery from one incident as one figure: the slowest
 * step's. Not recovered when any step did not recover; steps with no window
 * after the incident say nothing.
 */
export function combineRecoveries(figures: readonly RecoveryTime[]): RecoveryTime {
  const judged = figures.filter((f) => f.status !== 'no-windows');
  if (judged.length === 0) return { status: 'no-windows' };
  const notRecovered = judged.filter((f): f is Extract<RecoveryTime, { status: 'not-recovered' }> => f.status === 'not-recovered');
  if (notRecovered.length > 0) {
    return {
      status: 'not-recovered',
      judgedUntilMs: Math.min(...notRecovered.map((f) => f.judgedUntilMs)),
      failingWindows: notRecovered.reduce((sum, f) => sum + f.failingWindows, 0),
    };
  }
  const recovered = judged as Extract<RecoveryTime, { status: 'recovered' }>[];
  const slowest = recovered.reduce((a, b) => (b.recoveryMs > a.recoveryMs ? b : a));
  return { ...slowest, relapses: recovered.reduce((sum, f) => sum + f.relapses, 0) };
}
