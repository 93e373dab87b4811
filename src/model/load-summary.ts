import type { WindowSummary } from './events.js';
import type { Outcome } from '../metrics/outcome.js';
import type { SerializedMetrics } from '../metrics/serialized.js';
import type { LatencySummary } from '../metrics/summary.js';
import type { ShardSpec } from '../shard/shard-spec.js';
import type { StartSync } from '../shard/start-at.js';

/** The roles of the target profile the load step drives. */
export type LoadRole = 'create' | 'get' | 'list' | 'close';

/** One operation of a load run: the role it plays, its metric name, and the user's operationId behind it. */
export interface LoadOperation {
  role: LoadRole;
  /** The name of its series and counters, and of its SLOs. */
  name: string;
  operationId: string;
}

/** Per-operation figures of a load run. Latencies in ms. */
export interface OperationSummary {
  attempts: number;
  requests: number;
  responses: number;
  errors: number;
  /** Responses and transport errors by outcome class (`2xx`, `4xx`, `5xx`, `error`). */
  byOutcome: Partial<Record<Outcome, number>>;
  /** Responses counted as errors, by HTTP status (`{"404": 6}`): what the target answered instead of what the profile promises. */
  unexpectedStatuses?: Record<string, number>;
  /** Soak: from the intended send time; burst: from the send. */
  latency: LatencySummary;
  /** Soak only: from the write to the socket. */
  serviceTime?: LatencySummary;
}

/**
 * `StepResult.summary` of a load step (a plain JSON object). The report
 * charts `windows` and can re-derive any percentile from `histograms`, whose
 * histograms merge exactly with other runs' or shards'.
 */
export interface LoadSummary {
  mode: LoadMode;
  /** Prefix of every room name the run created. */
  runTag: string;
  /** The operations by role, as the target profile names them (absent in reports before profiles). */
  operationNames?: LoadOperation[];
  durationMs: number;
  /** Whole run, all operations. */
  totals: {
    attempts: number;
    requests: number;
    responses: number;
    errors: number;
    errorRate: number;
    /** Responses per second over the run. */
    throughput: number;
    timeouts: number;
    resets: number;
    connectionErrors: number;
    /** Answers that could not be read: a body past the cap, headers over the limit, not HTTP. */
    malformed?: number;
    /** Creates sent again with the same Idempotency-Key after their response was lost. */
    retries?: number;
    /** Errors the generator could not attribute to an operation (burst transport errors). */
    unattributedErrors: number;
    schemaChecked: number;
    schemaViolations: number;
  };
  operations: Record<string, OperationSummary>;
  /** Soak only: how well the generator kept its schedule. */
  schedule?: {
    requestedRate: number;
    achievedRate: number;
    scheduled: number;
    sent: number;
    late: number;
    dropped: number;
    lateFraction: number;
    maxLateMs: number;
    lateThresholdMs: number;
    /** The late fraction above which the run is invalid (kept so a merge of shards judges by the same bound). */
    maxLateFraction: number;
  };
  /** Burst only: autocannon's own counts, a cross-check of `totals`. */
  burst?: { autocannonRequests: number; autocannonErrors: number; phases: { connections: number; durationMs?: number; requests?: number }[] };
  setup: { roomsCreated: number };
  cleanup: CleanupReport | { skipped: true; reason: string };
  /** After the run: its rooms listed by name prefix, and how many a create made twice (`duplicate_rooms`). */
  duplicates?: { rooms: number; duplicates: number; listRequests: number; examples: { name: string; ids: string[] }[] } | { skipped: true; reason: string };
  /** Things a reader must know about the verdict (e.g. failing requests that no SLO judged). */
  notes?: string[];
  schemaViolationExamples: SchemaViolationExample[];
  /** If an abort_on_fail threshold stopped the run: its expression. */
  abortedBy?: string;
  /** Present when this run is one shard of a distributed run: which one (its figures are its share). */
  shard?: ShardSpec;
  /** Present with --start-at: when the measured phase was meant to start and how late this process was. */
  sync?: StartSync;
  /** CPU of the generator process over the timed run (seconds, and busy cores on average); summed over shards when merged. */
  generatorCpu?: { seconds: number; cores: number };
  /** Per-window figures, as emitted in `window` events. */
  windows: WindowSummary[];
  /** The whole metrics registry: histograms (compressed base64, µs) and counters, per window too (report.json copies it into `histograms`). */
  histograms: SerializedMetrics;
}

/** What cleanup did; part of the load step's summary. */
export interface CleanupReport {
  /** Rooms of this run found open at the end and closed (through the profile's close operation). */
  deleted: number;
  /** Closes that failed (the room stays open on the target). */
  failed: number;
  /** Open rooms of this run still listed at the end (exact when `verified`). */
  leftOver: number;
  /** Their ids (at most 100). */
  leftOpen?: string[];
  /** True when `leftOver` comes from a listing made after the last close; false when the listing failed too and it is the rooms known open minus those closed. */
  verified?: boolean;
  /** List requests (pages) cleanup made, so request counts can be reconciled with the target's. */
  listRequests: number;
  /** Set when cleanup stopped before it was done: its budget ran out, or a signal cut it short. */
  cutShort?: 'deadline' | 'signal';
  /** Why cleanup stopped early, if it did. */
  error?: string;
}

/** A schema violation seen under load, kept as evidence (at most a handful per run). */
export interface SchemaViolationExample {
  operation: string;
  status: number;
  errors: string[];
}

export type LoadMode = 'burst' | 'soak';
