import type { WindowSummary } from './events.js';
import type { Outcome } from '../metrics/outcome.js';
import type { SerializedMetrics } from '../metrics/serialized.js';
import type { LatencySummary } from '../metrics/summary.js';
import type { ShardSpec } from '../shard/shard-spec.js';
import type { StartSync } from '../shard/start-at.js';

/** Per-operation figures of a load run. Latencies in ms. */
export interface OperationSummary {
  attempts: number;
  requests: number;
  responses: number;
  errors: number;
  /** Responses and transport errors by outcome class (`2xx`, `4xx`, `5xx`, `error`). */
  byOutcome: Partial<Record<Outcome, number>>;
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
  /** Rooms of this run found open at the end and deleted. */
  deleted: number;
  /** Deletes that failed (the room stays open on the target). */
  failed: number;
  /** Open rooms of this run still listed after the last pass. */
  leftOver: number;
  /** `GET /v1/rooms` calls cleanup made (so request counts can be reconciled with the target's). */
  listRequests: number;
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
