import type { MetricCatalog } from '../slo/types.js';
import type { LoadMode } from './options.js';

/**
 * Names the load step records into the metrics registry. Histograms (ms):
 * - `latency`: soak: from the intended send time (coordinated-omission
 *   corrected); burst: from the send (closed loop has no schedule).
 * - `service_time`: soak only: from the moment the request was written to the socket.
 * Counters (per operation): see COUNTERS.
 */
export const LOAD_SERIES = { latency: 'latency', serviceTime: 'service_time' } as const;

export const COUNTERS = {
  /** Every arrival the workload produced (sent or dropped). */
  attempts: 'attempts',
  /** Requests put on the wire. */
  requests: 'requests',
  /** Responses received (any status). */
  responses: 'responses',
  /**
   * Failed requests: a status the profile does not promise for the request
   * (any non-2xx of a create, get or list; a close's answer outside its
   * documented ones; a 404 on a room the run created and has not closed),
   * transport errors and dropped sends.
   */
  errors: 'errors',
  errorsStatus: 'errors_status',
  errorsTimeout: 'errors_timeout',
  errorsReset: 'errors_reset',
  errorsConnection: 'errors_connection',
  /** Answers no client should read: a body past the cap, headers over the limit, not HTTP. */
  errorsMalformed: 'errors_malformed',
  /** Creates sent again (same Idempotency-Key) after their response was lost. */
  retries: 'retries',
  /** Rooms of the run found after it by name prefix (what `duplicate_rooms` was judged on). */
  roomsAudited: 'rooms_audited',
  /** Rooms beyond the first with one name (one Idempotency-Key): a retry that created a room twice. */
  duplicateRooms: 'duplicate_rooms',
  /** 5xx, transport errors and dropped sends: what availability counts against. */
  serverErrors: 'server_errors',
  schemaChecked: 'schema_checked',
  schemaViolations: 'schema_violations',
  lateSends: 'late_sends',
  droppedSends: 'dropped_sends',
} as const;

/** The catalog SLOs of a load step may name; `late_sends`/`dropped_sends`/`service_time` exist in soak mode only. */
export function loadMetricCatalog(mode: LoadMode): MetricCatalog {
  const common: MetricCatalog['metrics'] = {
    latency: { kind: 'latency', description: 'request latency, ms (soak: from the intended send time)' },
    requests: { kind: 'count', description: 'requests sent', counter: COUNTERS.requests },
    errors: { kind: 'count', description: 'failed requests (status, timeout, reset, dropped)', counter: COUNTERS.errors, requires: COUNTERS.attempts },
    error_rate: { kind: 'ratio', description: 'failed / attempted', numerator: [COUNTERS.errors], denominator: [COUNTERS.attempts] },
    success_rate: { kind: 'ratio', description: '1 − failed / attempted', numerator: [COUNTERS.errors], denominator: [COUNTERS.attempts], complement: true },
    availability: {
      kind: 'ratio',
      description: '1 − (5xx + transport errors + dropped) / attempted',
      numerator: [COUNTERS.serverErrors],
      denominator: [COUNTERS.attempts],
      complement: true,
    },
    throughput: { kind: 'rate', description: 'responses per second', counter: COUNTERS.responses },
    timeouts: { kind: 'count', description: 'requests that timed out', counter: COUNTERS.errorsTimeout, requires: COUNTERS.attempts },
    retries: {
      kind: 'count',
      description: 'creates sent again with the same Idempotency-Key after their response was lost',
      counter: COUNTERS.retries,
      requires: COUNTERS.attempts,
    },
    duplicate_rooms: {
      kind: 'count',
      description: 'rooms the run created twice (two rooms with one name and Idempotency-Key), counted after the run by listing its rooms',
      counter: COUNTERS.duplicateRooms,
      requires: COUNTERS.roomsAudited,
      perOperation: false,
    },
    schema_violations: {
      kind: 'count',
      description: 'sampled responses that broke the OpenAPI schema',
      counter: COUNTERS.schemaViolations,
      requires: COUNTERS.schemaChecked,
    },
  };
  if (mode === 'burst') {
    // Closed loop: there is no schedule to be late for; service time is the latency.
    return {
      metrics: { ...common, service_time: { kind: 'latency', description: 'time from send to response, ms', series: LOAD_SERIES.latency } },
      defaultLatency: 'latency',
    };
  }
  return {
    metrics: {
      ...common,
      service_time: { kind: 'latency', description: 'time from the write to the socket to the response, ms', series: LOAD_SERIES.serviceTime },
      late_sends: {
        kind: 'count',
        description: 'sends later than the late threshold after their intended time',
        counter: COUNTERS.lateSends,
        requires: COUNTERS.attempts,
      },
      dropped_sends: {
        kind: 'count',
        description: 'arrivals not sent because the in-flight cap was reached',
        counter: COUNTERS.droppedSends,
        requires: COUNTERS.attempts,
      },
    },
    defaultLatency: 'latency',
  };
}
