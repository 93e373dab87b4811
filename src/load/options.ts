import { BUNDLED_SPEC } from '../package-assets.js';
import type { ShardSpec } from '../shard/shard-spec.js';
import type { SloInput } from '../slo/types.js';
import type { LoadMode } from '../model/load-summary.js';
export type { LoadMode };

/**
 * Options of the load step. Plain, serializable data (no functions, no class
 * instances) so a scenario's `load:` section maps onto it one to one. Every
 * field but `mode` is optional; defaults are in `LOAD_DEFAULTS`.
 */

/** The room endpoints the workload drives; also the operation names of its metrics and SLOs. */
export const LOAD_OPERATIONS = ['create_room', 'get_room', 'list_rooms', 'delete_room'] as const;
export type LoadOperation = (typeof LOAD_OPERATIONS)[number];

/** Relative weights; they need not sum to 100. */
export type OperationMix = Partial<Record<LoadOperation, number>>;

/**
 * One stretch of a run. Burst phases set `connections` and either
 * `durationMs` or `requests`; soak phases set `rate` and `durationMs`, and
 * `rampMs` to reach `rate` linearly from the previous phase's rate (or 0).
 */
export interface LoadPhase {
  durationMs?: number;
  /** Burst: stop the phase after this many requests instead of after `durationMs`. */
  requests?: number;
  /** Burst: concurrent connections (one request in flight on each). */
  connections?: number;
  /** Soak: arrivals per second. Burst: optional cap on requests per second. */
  rate?: number;
  /** Soak: reach `rate` linearly over this long at the phase start. */
  rampMs?: number;
}

export interface LoadStepOptions {
  /** Step name in results; default `load-<mode>`. */
  name?: string;
  mode: LoadMode;
  /** Burst: concurrent connections (closed loop). Soak: size of the connection pool. */
  connections?: number;
  /** Soak: constant arrival rate, requests per second. Burst: optional cap on requests per second. */
  rate?: number;
  /** Length of the run (single phase), ms. */
  durationMs?: number;
  /** Burst: a fixed request count instead of a duration. */
  requests?: number;
  /** Soak: reach `rate` linearly over this long. Burst: step up to `connections` over this long (¼, ½, ¾), then run the main phase. */
  rampMs?: number;
  /** Several phases in order; when set, the single-phase fields above are defaults for each phase. */
  phases?: LoadPhase[];
  /** Operation weights; default create 20, get 70, list 5, delete 5. */
  mix?: OperationMix;
  /** Thresholds (see src/slo/types.ts for the syntax). */
  slos?: SloInput[];
  /** Fraction of responses validated against the OpenAPI response schema, 0..1; default 0.05. */
  schemaSampleRate?: number;
  /** OpenAPI document for the schema sampling; default contracts/videoconnect.v1.openapi.yaml. */
  specPath?: string;
  /** Metrics window (progress lines, per-window charts, `over` SLOs), ms; default 10 000. */
  windowMs?: number;
  /** Burst: autocannon worker threads (0 = run in the main thread). */
  workers?: number;
  /** Rooms created in setup for gets and deletes to use; default 20. */
  roomPoolSize?: number;
  /** A request without a complete response after this long is a timeout error, ms; default 10 000. */
  requestTimeoutMs?: number;
  /** Soak: most requests in flight; an arrival beyond it is dropped (counted, an error). Default 10 000. */
  maxInFlight?: number;
  /** Soak: a send this much later than its intended time is late, ms; default 10. */
  lateThresholdMs?: number;
  /** Soak: more late sends than this fraction makes the run invalid (exit 3); default 0.01. */
  maxLateFraction?: number;
  /** Delete every room the run created, at the end; default true. */
  cleanup?: boolean;
  /**
   * One shard of a distributed run: connections, rates, requests, the room
   * pool and the in-flight cap above are totals, and this process takes its
   * share (load-shard.ts); its room names and Idempotency-Keys carry the shard.
   */
  shard?: ShardSpec;
  /** Epoch ms at which the measured phase starts (after setup), so every shard begins together (`--start-at`). */
  startAtMs?: number;
}

export const LOAD_DEFAULTS = {
  connections: { burst: 10, soak: 32 },
  rate: 100,
  durationMs: 10_000,
  mix: { create_room: 20, get_room: 70, list_rooms: 5, delete_room: 5 } satisfies Record<LoadOperation, number>,
  schemaSampleRate: 0.05,
  specPath: BUNDLED_SPEC,
  windowMs: 10_000,
  workers: 0,
  roomPoolSize: 20,
  requestTimeoutMs: 10_000,
  maxInFlight: 10_000,
  lateThresholdMs: 10,
  maxLateFraction: 0.01,
  cleanup: true,
} as const;
