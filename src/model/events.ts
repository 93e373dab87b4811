import type { CheckResult, SloVerdict, StepKind, StepResult } from './result.js';

/**
 * Everything a run reports while it happens travels as one of these events on
 * one bus. Steps emit; they never print. Subscribers (the console progress, the
 * events.ndjson writer, the report builder) turn events into output, so a run
 * killed half-way has already streamed what it knew.
 */
export type RunEvent =
  | { type: 'run-start'; at: number; runId: string; target: string; plan: string[] }
  | { type: 'step-start'; at: number; step: string; kind: StepKind }
  | { type: 'check'; at: number; step: string; result: CheckResult }
  | { type: 'slo'; at: number; step: string; verdict: SloVerdict }
  | { type: 'progress'; at: number; step: string; progress: StepProgress }
  | { type: 'window'; at: number; step: string; window: WindowSummary }
  | { type: 'band'; at: number; step: string; band: TimelineBand }
  | { type: 'log'; at: number; step?: string; level: 'debug' | 'info' | 'warn' | 'error'; message: string }
  | { type: 'step-end'; at: number; step: string; result: StepResult }
  | { type: 'run-end'; at: number; status: StepResult['status'] };

/** A snapshot of a long step, for progress lines. All fields optional: steps fill what they know. */
export interface StepProgress {
  /** 0..1 when the step knows its length. */
  fraction?: number;
  elapsedMs: number;
  totalMs?: number;
  /** Free-form counters a progress line can show, e.g. `{ 'req/s': 812, inflight: 3 }`. */
  figures: Record<string, number | string>;
}

/** What a load or browser step saw during one time window (default 10 s). */
export interface WindowSummary {
  startMs: number;
  endMs: number;
  /** Per operation: count, errors, latency percentiles in ms. */
  operations: Record<string, { count: number; errors: number; p50: number; p99: number; max: number }>;
  /** Target and achieved rate (requests per second) when the step is open-loop. */
  targetRate?: number;
  achievedRate?: number;
  /**
   * Media quality in this window per cohort (`all` when the step has no
   * cohorts), by metric: `fps`, `bitrate` (kbit/s), `packet_loss` (ratio),
   * `jitter` and `rtt` (ms), `mos`, `freeze_ratio` (ratio of the window the
   * cohort's video was frozen), `participants` sampled. Browser steps only.
   */
  quality?: Record<string, Record<string, number>>;
}

/**
 * A span on the run's timeline that is not a measurement: an incident, a
 * network change of a cohort, a phase. Emitted when it starts (no `endMs`)
 * and again, with the same `id`, when it ends: a reader keeps the last one.
 * `startMs` and `endMs` are wall-clock epoch ms, so bands of different steps
 * share one axis.
 */
export interface TimelineBand {
  id: string;
  kind: 'incident' | 'network' | 'phase';
  label: string;
  startMs: number;
  endMs?: number;
}

export type EventSink = (event: RunEvent) => void;
