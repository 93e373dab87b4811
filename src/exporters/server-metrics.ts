import type { ReferenceServerStats } from '../reference/server-types.js';
import type { ScalarMetric } from './exported-metrics.js';
import type { MetricsSnapshot, ScalarPoint } from './live-metrics.js';
import type { SnapshotSource } from './prometheus-endpoint.js';

/** What `roomgate serve --metrics-port` exports about the reference server itself. */
export const SERVER_EXPORTED = {
  requests: {
    otelName: 'roomgate.server.requests',
    unit: '{request}',
    kind: 'counter',
    help: 'Requests the reference server received, by operation (route template; other: unknown routes).',
    labelNames: ['operation'],
  },
  responses: {
    otelName: 'roomgate.server.responses',
    unit: '{response}',
    kind: 'counter',
    help: 'Responses the reference server sent, by status code and class.',
    labelNames: ['code', 'status_class'],
  },
  rooms: {
    otelName: 'roomgate.server.rooms',
    unit: '{room}',
    kind: 'gauge',
    help: 'Rooms the reference server holds (any status).',
    labelNames: [],
  },
} as const satisfies Record<string, ScalarMetric>;

/**
 * The reference server's own counters (its `stats()`, the figures the tests
 * compare the harness against), read on each scrape, so a local bench shows
 * both sides: what roomgate sent and what the server saw.
 */
export class ServerMetrics implements SnapshotSource {
  readonly finished = false;
  private readonly startedAtMs: number;

  constructor(
    private readonly stats: () => ReferenceServerStats,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAtMs = now();
  }

  snapshot(): MetricsSnapshot {
    const stats = this.stats();
    const since = this.startedAtMs;
    const requests: ScalarPoint[] = Object.entries(stats.requests).map(([operation, value]) => ({ labels: { operation }, value, startMs: since }));
    const responses: ScalarPoint[] = Object.entries(stats.responsesByStatus).map(([code, value]) => ({
      labels: { code, status_class: `${code[0]}xx` },
      value,
      startMs: since,
    }));
    return {
      atMs: this.now(),
      entries: [
        { kind: 'scalar', metric: SERVER_EXPORTED.requests, points: requests },
        { kind: 'scalar', metric: SERVER_EXPORTED.responses, points: responses },
        { kind: 'scalar', metric: SERVER_EXPORTED.rooms, points: [{ labels: {}, value: stats.rooms, startMs: since }] },
      ],
    };
  }
}
