import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpenLoopObserver, PreparedRequest } from '../../src/load/open-loop.js';
import type { MetricsRegistry } from '../../src/metrics/index.js';

/** Loopback servers and a recording observer for the open-loop scheduler's tests. */

const servers: Server[] = [];

/** Close every server `listen` started (call from afterEach). */
export async function closeServers(): Promise<void> {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
}

export async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export const GET: PreparedRequest = { operation: 'get', method: 'GET', path: '/', headers: {}, wantBody: false };

export function recordingObserver(registry: MetricsRegistry): OpenLoopObserver & { statuses: number[] } {
  const statuses: number[] = [];
  return {
    statuses,
    response: (req, status, corrected, service) => {
      statuses.push(status);
      registry.record('latency', req.operation, '2xx', corrected);
      registry.record('service_time', req.operation, '2xx', service);
    },
    failure: (req) => registry.increment('errors', req.operation),
    late: (req) => registry.increment('late_sends', req.operation),
    dropped: (req) => registry.increment('dropped_sends', req.operation),
  };
}
