import type { MetricsRegistry } from '../metrics/registry.js';
import { outcomeOfStatus } from '../metrics/outcome.js';
import { COUNTERS, LOAD_SERIES } from './load-metrics.js';
import type { LoadMode } from './options.js';
import type { OpenLoopObserver } from './open-loop.js';
import type { BurstObserver } from './burst.js';
import type { LoadRequest, RoomWorkload } from './room-workload.js';
import type { SchemaSampler } from './schema-sampler.js';
import type { TransportErrorKind } from '../http/transport-error.js';
import type { SchemaViolationExample } from '../model/load-summary.js';
export type { SchemaViolationExample };

const MAX_EXAMPLES = 5;

/** A room the run created or closed, as the step announces it on the bus. */
export interface RoomChange {
  event: 'created' | 'closed';
  roomId: string;
  requestId: string;
}

/**
 * Turns what the generators observe into registry samples and counters, and
 * feeds created room ids back to the workload. Shared by burst and soak, so
 * both count the same way. No percentiles here: the registry does that.
 *
 * A response is an error when its status is not what the profile promises
 * for that request (the workload judges: see RoomWorkload.isExpected), so a
 * target answering 404 to everything fails `error_rate` even though it
 * never answered 5xx.
 */
export class LoadRecorder implements OpenLoopObserver<LoadRequest>, BurstObserver<LoadRequest> {
  readonly violationExamples: SchemaViolationExample[] = [];
  /** Error responses by operation and status (bounded: four operations × the HTTP statuses), so a failure can say what the target answered. */
  readonly unexpectedStatuses = new Map<string, Map<number, number>>();

  constructor(
    private readonly registry: MetricsRegistry,
    private readonly workload: RoomWorkload,
    private readonly sampler: SchemaSampler | undefined,
    private readonly mode: LoadMode,
    private readonly onRoom: (change: RoomChange) => void = () => undefined,
  ) {}

  response(request: LoadRequest, status: number, correctedMs: number, serviceMs: number, body: Buffer | string | undefined): void {
    const op = request.operation;
    const outcome = outcomeOfStatus(status);
    const r = this.registry;
    r.record(LOAD_SERIES.latency, op, outcome, correctedMs);
    if (this.mode === 'soak') r.record(LOAD_SERIES.serviceTime, op, outcome, serviceMs);
    r.increment(COUNTERS.attempts, op);
    r.increment(COUNTERS.requests, op);
    r.increment(COUNTERS.responses, op);
    const expected = this.workload.isExpected(request, status);
    if (!expected) {
      r.increment(COUNTERS.errors, op);
      r.increment(COUNTERS.errorsStatus, op);
      if (status >= 500 || status < 100) r.increment(COUNTERS.serverErrors, op);
      const byStatus = this.unexpectedStatuses.get(op) ?? new Map<number, number>();
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      this.unexpectedStatuses.set(op, byStatus);
    }
    const created = this.workload.observe(request, status, body);
    if (created !== undefined) this.onRoom({ event: 'created', roomId: created, requestId: request.requestId });
    else if (request.role === 'close' && expected && request.roomId !== undefined)
      this.onRoom({ event: 'closed', roomId: request.roomId, requestId: request.requestId });
    if (request.sampled === true && this.sampler !== undefined && body !== undefined) {
      const violations = this.sampler.validate(request.role, status, body);
      r.increment(COUNTERS.schemaChecked, op);
      if (violations.length > 0) {
        r.increment(COUNTERS.schemaViolations, op);
        if (this.violationExamples.length < MAX_EXAMPLES) this.violationExamples.push({ operation: op, status, errors: violations.slice(0, 5) });
      }
    }
  }

  failure(request: LoadRequest, kind: TransportErrorKind, correctedMs: number, retrying: boolean): void {
    this.transportFailure(request.operation, kind, correctedMs);
    if (retrying) this.registry.increment(COUNTERS.retries, request.operation);
  }

  /** A request that got no usable response; `operation` may be '' when the generator cannot tell (autocannon errors). */
  transportFailure(operation: string, kind: TransportErrorKind, latencyMs: number | undefined): void {
    const r = this.registry;
    if (latencyMs !== undefined) r.record(LOAD_SERIES.latency, operation, 'error', latencyMs);
    r.increment(COUNTERS.attempts, operation);
    r.increment(COUNTERS.requests, operation);
    r.increment(COUNTERS.errors, operation);
    r.increment(COUNTERS.serverErrors, operation);
    r.increment(ERROR_COUNTER[kind], operation);
  }

  late(request: LoadRequest): void {
    this.registry.increment(COUNTERS.lateSends, request.operation);
  }

  dropped(request: LoadRequest): void {
    const r = this.registry;
    r.increment(COUNTERS.attempts, request.operation);
    r.increment(COUNTERS.droppedSends, request.operation);
    r.increment(COUNTERS.errors, request.operation);
    r.increment(COUNTERS.serverErrors, request.operation);
  }
}

const ERROR_COUNTER: Record<TransportErrorKind, string> = {
  timeout: COUNTERS.errorsTimeout,
  reset: COUNTERS.errorsReset,
  connection: COUNTERS.errorsConnection,
  malformed: COUNTERS.errorsMalformed,
};
