import { DEFAULT_MAX_BODY_BYTES } from '../http/bounded-body.js';
import type { LoadRole } from './load-operations.js';
import type { TargetProfile } from '../profile/types.js';
import type { ShardSpec } from '../shard/shard-spec.js';
import type { SloInput } from '../slo/types.js';
import type { LoadMode } from '../model/load-summary.js';
export type { LoadMode };

/**
 * Options of the load step. Plain, serializable data (no functions, no class
 * instances) so a scenario's `load:` section maps onto it one to one. Every
 * field but `mode` is optional; defaults are in `LOAD_DEFAULTS`.
 */

/**
 * Relative weights of the operations, by metric name, operationId or role
 * (`create`, `get`, `list`, `close`; `delete` = close): see load-operations.ts.
 * They need not sum to 100.
 */
export type OperationMix = Readonly<Record<string, number>>;

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
  /** Operation weights; default create 20, get 70, list 5, close 5 (list left out when the profile maps none). */
  mix?: OperationMix;
  /** Thresholds (see src/slo/types.ts for the syntax). */
  slos?: SloInput[];
  /** Fraction of responses validated against the OpenAPI response schema, 0..1; default 0.05. */
  schemaSampleRate?: number;
  /** OpenAPI document for the schema sampling; default the target profile's own document. */
  specPath?: string;
  /** Metrics window (progress lines, per-window charts, `over` SLOs), ms; default 10 000. */
  windowMs?: number;
  /** Burst: autocannon worker threads (0 = run in the main thread). */
  workers?: number;
  /** Rooms created in setup for gets and closes to use; default 20 (0: none, gets bend to lists until a create succeeds). */
  roomPoolSize?: number;
  /** A request without a complete response after this long is a timeout error, ms; default 10 000. */
  requestTimeoutMs?: number;
  /** Soak: most requests in flight; an arrival beyond it is dropped (counted, an error). Default 10 000. */
  maxInFlight?: number;
  /** Soak: a send this much later than its intended time is late, ms; default 10. */
  lateThresholdMs?: number;
  /** Soak: more late sends than this fraction makes the run invalid (exit 3); default 0.01. */
  maxLateFraction?: number;
  /** Close every room the run created, at the end; default true. */
  cleanup?: boolean;
  /** Largest response body read, bytes; a larger one is cut off and counted as an error (`errors_malformed`). Default 4 MiB. */
  maxBodyBytes?: number;
  /**
   * Soak: times a create whose response was lost (the connection reset or
   * closed before the answer) is sent again with the same Idempotency-Key,
   * when the profile's create has one; default 2. 0 never retries.
   */
  createRetries?: number;
  /**
   * One shard of a distributed run: connections, rates, requests, the room
   * pool and the in-flight cap above are totals, and this process takes its
   * share (load-shard.ts); its room names and Idempotency-Keys carry the shard.
   */
  shard?: ShardSpec;
  /** Epoch ms at which the measured phase starts (after setup), so every shard begins together (`--start-at`). */
  startAtMs?: number;
  /**
   * The target's profile when the plan already knows it (`--profile`, a
   * scenario's `target.profile`, else the built-in one): the mix and the SLOs
   * are then checked against its operations when the step is created (exit 2
   * before anything runs). The one field that is not a plain option; the step
   * runs with the profile of the target it is given either way.
   */
  profile?: TargetProfile;
}

export const LOAD_DEFAULTS = {
  connections: { burst: 10, soak: 32 },
  rate: 100,
  durationMs: 10_000,
  mix: { create: 20, get: 70, list: 5, close: 5 } satisfies Record<LoadRole, number>,
  schemaSampleRate: 0.05,
  windowMs: 10_000,
  workers: 0,
  roomPoolSize: 20,
  requestTimeoutMs: 10_000,
  maxInFlight: 10_000,
  lateThresholdMs: 10,
  maxLateFraction: 0.01,
  cleanup: true,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  createRetries: 2,
} as const;

/** setTimeout fires at once for delays above 2^31−1 ms (about 24.8 days): every duration stays below. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * What one generator process can honour. Past these the host, not the
 * target, is measured: a scheduler asked for 10^8 arrivals a second spends
 * every tick building requests and never yields (SIGTERM unheard, gigabytes
 * of queued work); 10^5 autocannon connections exhaust file descriptors and
 * memory before the first response. Above them, split the run into shards.
 */
export const LOAD_LIMITS = {
  /** Arrivals (soak) or requests (burst cap) per second, per process. */
  rate: 50_000,
  connections: 10_000,
  maxInFlight: 100_000,
  requests: 1_000_000_000,
  roomPoolSize: 10_000,
  createRetries: 10,
  maxBodyBytes: 256 * 1024 * 1024,
  durationMs: MAX_DURATION_MS,
} as const;
