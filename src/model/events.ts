import type { CheckResult, SloVerdict, StepKind, StepResult } from './result.js';
import type { DisturbanceWindow } from '../incident/disturbance-windows.js';

/**
 * Everything a run reports while it happens travels as one of these events on
 * one bus. Steps emit; they never print. Subscribers (the console progress, the
 * events.ndjson writer, the report builder) turn events into output, so a run
 * killed half-way has already streamed what it knew.
 *
 * One clock: every `at`, and every time this file calls "epoch ms", is
 * wall-clock milliseconds (`Date.now()`). Steps that run at the same time
 * (DESIGN.md "Phases share one clock") are drawn on one time axis from these
 * times alone.
 */
export type RunEvent =
  | { type: 'run-start'; at: number; runId: string; target: string; plan: string[] }
  | { type: 'step-start'; at: number; step: string; kind: StepKind }
  | { type: 'check'; at: number; step: string; result: CheckResult }
  | { type: 'slo'; at: number; step: string; verdict: SloVerdict }
  | { type: 'progress'; at: number; step: string; progress: StepProgress }
  | { type: 'window'; at: number; step: string; window: WindowSummary }
  | BandEvent
  | DisturbancesEvent
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
  /** Since the step's clock start (its measured phase), read with `at` from one clock reading: the runner places the step's windows on the run's clock with it. */
  elapsedMs: number;
  totalMs?: number;
  /** Free-form counters a progress line can show, e.g. `{ 'req/s': 812, inflight: 3 }`. */
  figures: Record<string, number | string>;
}

/**
 * What a load, browser or webhook-sink step saw during one time window
 * (default 10 s). `startMs`/`endMs` are offsets from `originMs`, the step's
 * clock start, so a window reads as a stretch of its own step; with
 * `originMs` it is a stretch of the run's one clock. The runner sets
 * `originMs` on every window a step emits without one.
 */
export interface WindowSummary {
  startMs: number;
  endMs: number;
  /** Epoch ms of offset 0 (the step's clock start). */
  originMs?: number;
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
  /** A webhook sink's deliveries in the window. */
  webhooks?: WebhookWindow;
  /**
   * A few requests of the window worth looking at (failed ones first, then the
   * slowest), by their `X-Request-Id`: the timeline's drill-down lists them,
   * and the same id is in evidence, events.ndjson and the target's own logs.
   * Bounded by the producer (at most a dozen per window).
   */
  requests?: RequestExemplar[];
}

/** One request a window points at, by the `X-Request-Id` roomgate sent with it. */
export interface RequestExemplar {
  requestId: string;
  operation: string;
  /** Epoch ms the request was sent (soak: its intended send time). */
  at: number;
  /** HTTP status, or the transport failure (`timeout`, `reset`, `connection`). */
  outcome: number | string;
  latencyMs?: number;
}

/** A webhook sink's figures for one window; absent counters are 0. */
export interface WebhookWindow {
  /** Deliveries that arrived in the window (redeliveries included). */
  delivered: number;
  /** Events the run caused whose delivery budget ran out in this window with nothing delivered. */
  missing: number;
  /** Deliveries whose `webhook-id` had been delivered before. */
  duplicates: number;
  badSignatures: number;
  staleTimestamps: number;
  /** Deliveries the sender marked or timed as retries of an earlier attempt. */
  redeliveries: number;
  /** Delivery lag of the window's deliveries (event time → arrival), ms. */
  lagMs?: { p50: number; p99: number; max: number };
  /** The same figures per event type (`room.created`, …), when the sink keeps them. */
  byType?: Record<string, { delivered: number; missing: number; duplicates: number; lagP99Ms?: number }>;
}

/**
 * A stretch of the run's clock with a meaning: an incident (the fault is on),
 * a network change of a cohort, or a phase (one run of a timed step, e.g.
 * burst #3). Emitted twice with the same `id`: when it starts (no `endMs`)
 * and when it ends (with `endMs`), so a run killed in between still shows an
 * open band. The timeline shades them behind every series.
 */
export interface BandEvent {
  type: 'band';
  at: number;
  /** The step that owns the band (the incidents step, the browser step of a cohort, the timed step). */
  step: string;
  band: Band;
}

export interface Band {
  /** Unique in the run: the incident's name, `<step>#<n>` for a phase, `<cohort>:<change>` for a network change. */
  id: string;
  kind: 'incident' | 'network' | 'phase';
  /** Short text on the band, e.g. `api-outage`, `burst #3`, `cohort 3g: loss 5%`. */
  label: string;
  /** Epoch ms. */
  startMs: number;
  /** Epoch ms; absent while the band is open. */
  endMs?: number;
  /** One line more for a tooltip, e.g. `proxy error 503 on 50%`. */
  detail?: string;
}

/**
 * What the fault proxy did to roomgate's requests during one window of an
 * incident: counts per action and a bounded sample of the `X-Request-Id`s it
 * disturbed. One event per window (never one per request), so a proxy that
 * resets thousands of requests a second costs the event stream a line.
 */
export interface DisturbancesEvent {
  type: 'disturbances';
  at: number;
  step: string;
  disturbances: DisturbanceWindow;
}

// Defined beside the fault proxy that counts them (incident/ sits below model/ for this type).
export type { DisturbanceWindow };

export type EventSink = (event: RunEvent) => void;
