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
  | { type: 'log'; at: number; step?: string; level: 'debug' | 'info' | 'warn' | 'error'; message: string }
  /**
   * A room the step created or closed on the target (the load step: its
   * setup pool, its timed run and its cleanup), so listeners such as the
   * webhook sink know which room events to expect. `requestId` is the
   * X-Request-Id of the request that did it.
   */
  | { type: 'room'; at: number; step: string; event: 'created' | 'closed'; roomId: string; requestId?: string }
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
}

export type EventSink = (event: RunEvent) => void;
