import type { Credentials } from '../target/target.js';
import { LOCAL_CREDENTIALS } from '../reference/defaults.js';
import type { FaultName } from '../reference/faults.js';
import type { RateLimitPolicy } from '../reference/server-types.js';
import { ExitCode, UsageError } from '../errors.js';
import { interruptSignal } from './interrupt.js';
import { BUNDLED_SPEC } from '../package-assets.js';
import { relative } from 'node:path';

export interface ServeOptions {
  port: number;
  host: string;
  faults: FaultName[];
  credentials?: Credentials;
  rateLimit?: RateLimitPolicy;
  tokenTtlSeconds?: number;
  /** Also serve the server's own request counts for Prometheus. */
  metrics?: { port: number; host: string };
}

/**
 * `roomgate serve`: start the reference server, print where it is, run until
 * SIGINT/SIGTERM, close cleanly (exit 0: stopping a server on request is its
 * normal end, not an interrupted run).
 */
export async function serve(options: ServeOptions): Promise<number> {
  const { createReferenceServer } = await import('../reference/server.js');
  const credentials = options.credentials ?? LOCAL_CREDENTIALS;
  let server;
  try {
    server = await createReferenceServer({
      port: options.port,
      host: options.host,
      faults: options.faults,
      clients: [credentials],
      ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
      ...(options.tokenTtlSeconds === undefined ? {} : { tokenTtlSeconds: options.tokenTtlSeconds }),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new UsageError(`port ${options.port} on ${options.host} is already in use`, {
        hint: 'pick another --port, or --port 0 for any free port',
        cause: error,
      });
    }
    if (code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new UsageError(`cannot listen on ${options.host}:${options.port} (${code})`, { hint: 'use --host 127.0.0.1 and a port above 1023', cause: error });
    }
    throw error;
  }
  let metrics: import('../exporters/prometheus-endpoint.js').PrometheusEndpoint | undefined;
  if (options.metrics !== undefined) {
    const [{ PrometheusEndpoint }, { ServerMetrics }] = await Promise.all([
      import('../exporters/prometheus-endpoint.js'),
      import('../exporters/server-metrics.js'),
    ]);
    const started = server;
    try {
      metrics = await PrometheusEndpoint.start(new ServerMetrics(() => started.stats()), options.metrics);
    } catch (error) {
      await server.close();
      throw error;
    }
  }
  const interrupt = interruptSignal('shutting the server down');
  const isDefault = credentials.clientId === LOCAL_CREDENTIALS.clientId && credentials.clientSecret === LOCAL_CREDENTIALS.clientSecret;
  const lines = [
    `roomgate serve: listening on ${server.url}`,
    `  client id:     ${credentials.clientId}${isDefault ? ` (secret: ${LOCAL_CREDENTIALS.clientSecret}, the documented local default)` : ' (secret as given, not shown)'}`,
    `  token:         POST ${server.url}/v1/auth/token {"client_id","client_secret"}`,
    `  contract:      ${relative(process.cwd(), BUNDLED_SPEC)}`,
    `  faults:        ${options.faults.length === 0 ? 'none' : options.faults.join(', ')}`,
    options.rateLimit === undefined ? undefined : `  rate limit:    ${options.rateLimit.quota} requests per ${options.rateLimit.windowSeconds} s per client`,
    metrics === undefined ? undefined : `  metrics:       ${metrics.url} (Prometheus: the server's own request counts)`,
    `  stop with Ctrl-C`,
  ].filter((line) => line !== undefined);
  process.stdout.write(`${lines.join('\n')}\n`);
  try {
    await new Promise<void>((resolve) => {
      if (interrupt.signal.aborted) resolve();
      else interrupt.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await metrics?.close();
    await server.close();
    interrupt.dispose();
  }
  process.stdout.write('roomgate serve: stopped\n');
  return ExitCode.passed;
}
