import type { IncidentRecord } from '../incident/incident-events.js';
import type { RecoveryTime } from '../incident/recovery-time.js';
import type { SloVerdict } from '../slo/types.js';

/**
 * `StepResult.summary` of the step a scenario's `incidents:` list becomes:
 * what each incident did, what it disturbed and how long the target took to
 * recover from it. Times are epoch ms (the run's one clock).
 */
export interface IncidentStepSummary {
  kind: 'incident';
  /** Offset 0 of the schedule: every incident's `at` counts from here (the scenario's phase clock). */
  clockStartMs: number;
  /** Present when the plan had proxy incidents: roomgate's own traffic went to the target through this loopback proxy. */
  proxy?: { url: string; target: string };
  /** The width of the windows recovery was judged on (the figures' precision), ms. */
  windowMs?: number;
  incidents: IncidentOutcome[];
}

export interface IncidentOutcome {
  /** When it started and ended, and its commands' outcomes (output tails redacted like all evidence). */
  record: IncidentRecord;
  /** What the fault proxy did to requests while this incident was on, per action (`delayed`, `reset`, …). */
  disturbed?: Record<string, number>;
  /**
   * From the end of the incident to the first window in which the measured
   * steps met their SLOs again: the slowest step's figure (not recovered when
   * any step did not).
   */
  recovery: RecoveryTime;
  /** The same per measured step, from its own windows: "the API recovered but calls did not" reads here. */
  recoveryBySteps: { step: string; recovery: RecoveryTime }[];
  /** Participants of browser steps whose calls the incident reached. */
  participants: ParticipantImpact[];
  /** This incident's own thresholds, e.g. `recovery_time < 30s`. */
  slos: SloVerdict[];
}

/** What an incident did to one browser step's participants. */
export interface ParticipantImpact {
  step: string;
  /** Participants in a call at some time during the incident. */
  present: number;
  /** Of those, how many had their media interrupted while it was on. */
  interrupted: number;
  /** Interrupted participants whose video came back before they left. */
  videoBack: number;
  /** The longest time until video again among those, ms. */
  longestUntilVideoMs?: number;
  /** Interrupted participants still without video when they left. */
  notRecovered: number;
}
