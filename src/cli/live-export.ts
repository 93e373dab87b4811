import type { Argv } from 'yargs';
import type { MetricsConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import type { LiveMetricsOptions } from '../exporters/live-metrics.js';
import type { EventSink } from '../model/events.js';
import type { LiveMetricsSource } from '../model/step.js';
import { durationOption, parseDurationFlag } from './flags.js';
import { interruptSignal } from './interrupt.js';

export interface MetricsFlags {
  metricsPort?: number;
  metricsHost?: string;
  otlpEndpoint?: string;
  otlpInterval?: string;
  metricsLinger?: string;
}

/** Default upper bound of the wait for a last scrape: Prometheus' default scrape interval is 1 m. */
const DEFAULT_LINGER_MS = 60_000;

/** The live-metrics flags shared by run, load and browser (also `ROOMGATE_METRICS_PORT`, … via yargs' env prefix). */
export function withMetricsOptions<T>(y: Argv<T>): Argv<T & MetricsFlags> {
  return y
    .option('metrics-port', { type: 'number', describe: 'serve Prometheus metrics at http://<metrics-host>:PORT/metrics during the run (0: any free port)' })
    .option('metrics-host', { type: 'string', describe: 'address the metrics endpoint binds (default 127.0.0.1; 0.0.0.0 exposes it)' })
    .option('otlp-endpoint', { type: 'string', describe: 'also push the metrics over OTLP/HTTP to this collector, e.g. http://127.0.0.1:4318' })
    .option('otlp-interval', durationOption('OTLP push interval (default 10s)'))
    .option(
      'metrics-linger',
      durationOption('after the run, wait at most this long for a last scrape of the final figures (default 60s; 0s: do not wait)'),
    ) as Argv<T & MetricsFlags>;
}

/** What a command hands to the bus and the step context, and calls once its reports are written. */
export interface LiveExport {
  sink: EventSink;
  publish: (source: LiveMetricsSource) => void;
  /** Mark the run over, wait (bounded) for a last scrape, push the final OTLP figures, close. Never throws. */
  finish(): Promise<void>;
}

/**
 * Start the exporters the flags (over the config's `metrics:`) ask for, or
 * nothing: without them no exporter code is even loaded. Exporters are
 * subscribers: they read the run's events and registries and can never
 * change a verdict — their failures become warnings on stderr.
 */
export async function startLiveExport(
  flags: MetricsFlags,
  config: MetricsConfig | undefined,
  labels: LiveMetricsOptions,
  out: NodeJS.WritableStream = process.stderr,
): Promise<LiveExport | undefined> {
  const port = flags.metricsPort ?? config?.port;
  const otlpEndpoint = flags.otlpEndpoint ?? config?.otlpEndpoint;
  if (port === undefined && otlpEndpoint === undefined) return undefined;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new UsageError(`--metrics-port ${port} is not a port`, { hint: 'a number 0–65535 (0 picks a free port)' });
  }
  const lingerMs = parseDurationFlag('--metrics-linger', flags.metricsLinger, 'allowed') ?? config?.lingerMs ?? DEFAULT_LINGER_MS;
  const intervalMs = parseDurationFlag('--otlp-interval', flags.otlpInterval) ?? config?.otlpIntervalMs;

  const { LiveMetrics } = await import('../exporters/live-metrics.js');
  const live = new LiveMetrics(labels);
  const warn = (message: string) => out.write(`roomgate: warning: ${message}\n`);

  let otlp: import('../exporters/otlp-push.js').OtlpPush | undefined;
  if (otlpEndpoint !== undefined) {
    const { OtlpPush } = await import('../exporters/otlp-push.js');
    otlp = new OtlpPush(live, {
      endpoint: otlpEndpoint,
      ...(intervalMs === undefined ? {} : { intervalMs }),
      onWarning: warn,
      resource: { 'service.instance.id': labels.runId ?? String(process.pid), ...(labels.suite ? { 'roomgate.suite': labels.suite } : {}) },
    });
    out.write(`  metrics → OTLP ${otlp.displayUrl} every ${Math.round((intervalMs ?? 10_000) / 100) / 10} s\n`);
  }
  let endpoint: import('../exporters/prometheus-endpoint.js').PrometheusEndpoint | undefined;
  if (port !== undefined) {
    const { PrometheusEndpoint } = await import('../exporters/prometheus-endpoint.js');
    try {
      endpoint = await PrometheusEndpoint.start(live, { port, host: flags.metricsHost ?? config?.host ?? '127.0.0.1' });
    } catch (error) {
      await otlp?.close();
      throw error;
    }
    out.write(`  metrics → ${endpoint.url} (Prometheus)\n`);
  }

  return {
    sink: live.sink,
    publish: live.publish,
    async finish() {
      live.finish();
      const scrape = async () => {
        if (endpoint === undefined) return;
        const waitMs = endpoint.finalScrapeWaitMs(lingerMs);
        if (waitMs > 0) {
          out.write(`  metrics: waiting up to ${Math.ceil(waitMs / 1000)} s for a last scrape of ${endpoint.url} (the final figures; Ctrl-C skips)\n`);
          const interrupt = interruptSignal('skipping the wait for a last scrape');
          try {
            const result = await endpoint.awaitFinalScrape(waitMs, interrupt.signal);
            if (result.kind === 'timed-out')
              warn(
                `no scrape of ${endpoint.url} within ${Math.ceil(waitMs / 1000)} s after the run; the scraper's last sample predates the end (the report has the final figures)`,
              );
          } finally {
            interrupt.dispose();
          }
        }
        await endpoint.close();
      };
      await Promise.all([scrape(), otlp?.close()]);
    },
  };
}
