import type { MetricsRegistry } from '../metrics/registry.js';
import { outcomeOfStatus } from '../metrics/outcome.js';
import { COUNTERS, LOAD_SERIES } from './load-metrics.js';
import type { LoadMode } from './options.js';
import type { OpenLoopObserver, PreparedRequest } from './open-loop.js';
import type { RoomWorkload } from './room-workload.js';
import type { SchemaSampler } from './schema-sampler.js';
import type { TransportErrorKind } from '../http/transport-error.js';
import type { SchemaViolationExample } from '../model/load-summary.js';
export type { SchemaViolationExample };

const MAX_EXAMPLES = 5;

/**
 * Turns what the generators observe into registry samples and counters, and
 * feeds created room ids back to the workload. Shared by burst and soak, so
 * both count the same way. No percentiles here: the registry does that.
 */
export class LoadRecorder implements OpenLoopObserver {
  readonly violationExamples: SchemaViolationExample[] = [];

  constructor(
    private readonly registry: MetricsRegistry,
    private readonly workload: RoomWorkload,
    private readonly sampler: SchemaSampler | undefined,
    private readonly mode: LoadMode,
  ) {}

  response(request: PreparedRequest, status: number, correctedMs: number, serviceMs: number, body: Buffer | string | undefined): void {
    const op = request.operation;
    const outcome = outcomeOfStatus(status);
    const r = this.registry;
    r.record(LOAD_SERIES.latency, op, outcome, correctedMs);
    if (this.mode === 'soak') r.record(LOAD_SERIES.serviceTime, op, outcome, serviceMs);
    r.increment(COUNTERS.attempts, op);
    r.increment(COUNTERS.requests, op);
    r.increment(COUNTERS.responses, op);
    if (status >= 400 || status < 100) {
      r.increment(COUNTERS.errors, op);
      r.increment(COUNTERS.errorsStatus, op);
      if (status >= 500) r.increment(COUNTERS.serverErrors, op);
    }
    this.workload.observe(request, status, body);
    if (request.sampled === true && this.sampler !== undefined && body !== undefined) {
      const violations = this.sampler.validate(op, status, body);
      r.increment(COUNTERS.schemaChecked, op);
      if (violations.length > 0) {
        r.increment(COUNTERS.schemaViolations, op);
        if (this.violationExamples.length < MAX_EXAMPLES) this.violationExamples.push({ operation: op, status, errors: violations.slice(0, 5) });
      }
    }
  }

  failure(request: PreparedRequest, kind: TransportErrorKind, correctedMs: number): void {
    this.transportFailure(request.operation, kind, correctedMs);
  }

  /** A request that got no response; `operation` may be '' when the generator cannot tell (autocannon errors). */
  transportFailure(operation: string, kind: TransportErrorKind, latencyMs: number | undefined): void {
    const r = this.registry;
    if (latencyMs !== undefined) r.record(LOAD_SERIES.latency, operation, 'error', latencyMs);
    r.increment(COUNTERS.attempts, operation);
    r.increment(COUNTERS.requests, operation);
    r.increment(COUNTERS.errors, operation);
    r.increment(COUNTERS.serverErrors, operation);
    r.increment(kind === 'timeout' ? COUNTERS.errorsTimeout : kind === 'reset' ? COUNTERS.errorsReset : COUNTERS.errorsConnection, operation);
  }

  late(request: PreparedRequest): void {
    this.registry.increment(COUNTERS.lateSends, request.operation);
  }

  dropped(request: PreparedRequest): void {
    const r = this.registry;
    r.increment(COUNTERS.attempts, request.operation);
    r.increment(COUNTERS.droppedSends, request.operation);
    r.increment(COUNTERS.errors, request.operation);
    r.increment(COUNTERS.serverErrors, request.operation);
  }
}
