import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { UsageError } from '../errors.js';
import { prometheusName, type HistogramMetric } from './exported-metrics.js';
import { histogramPoints, scalarPoints, type HistogramPoint, type MetricsSnapshot } from './live-metrics.js';

/** Anything that can say what to expose right now (the run's LiveMetrics, the reference server's stats). */
export interface SnapshotSource {
  snapshot(): MetricsSnapshot;
  /** Nothing will change any more: a scrape now reads the final figures. */
  readonly finished: boolean;
}

export interface PrometheusEndpointOptions {
  port: number;
  /** Default 127.0.0.1: the endpoint says what the run does to the target; widening it is a choice. */
  host?: string;
  /** Include prom-client's process metrics (CPU, memory, event-loop lag, GC); default true. */
  processMetrics?: boolean;
  now?: () => number;
}

/** How the wait for a last scrape after the run ended went. */
export type FinalScrape =
  { kind: 'not-scraped' } | { kind: 'scraped'; waitedMs: number } | { kind: 'timed-out'; waitedMs: number } | { kind: 'skipped'; waitedMs: number };

/**
 * The Prometheus exposition endpoint (`GET /metrics`): a prom-client registry
 * whose instruments are filled from a snapshot taken when the scrape arrives,
 * so a scrape costs one read of the registries and a request costs nothing.
 *
 * A run ends between two scrapes, so the scraper's last sample would miss
 * its end. `awaitFinalScrape` keeps the endpoint up until a scrape has read
 * the final figures, for at most 3 scrape intervals as observed (+2 s: a late scrape on a busy host),
 * capped by the caller; an endpoint nobody scraped closes at once.
 */
export class PrometheusEndpoint {
  readonly registry = new Registry();
  private current: MetricsSnapshot | undefined;
  private readonly scrapeTimes: number[] = [];
  private finalScraped: (() => void) | undefined;
  private sawFinalScrape = false;
  private readonly now: () => number;

  private constructor(
    private readonly source: SnapshotSource,
    private readonly server: Server,
    readonly url: string,
    now: () => number,
  ) {
    this.now = now;
  }

  static async start(source: SnapshotSource, options: PrometheusEndpointOptions): Promise<PrometheusEndpoint> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        throw new UsageError(`--metrics-port ${options.port}: the port is already in use on ${host}`, {
          hint: 'pick another --metrics-port, or 0 for any free port (the URL is printed)',
          cause: error,
        });
      }
      throw new UsageError(`--metrics-host ${host} --metrics-port ${options.port}: cannot listen (${error.code ?? error.message})`, {
        hint: 'use --metrics-host 127.0.0.1 and a port above 1023',
        cause: error,
      });
    });
    // Never the reason the process stays alive: a command that ends (or fails) exits; the
    // run's own work and `awaitFinalScrape`'s timer keep it up while it matters.
    server.unref();
    const address = server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const endpoint = new PrometheusEndpoint(source, server, `http://${shownHost}:${address.port}/metrics`, options.now ?? Date.now);
    endpoint.register(options.processMetrics ?? true);
    server.on('request', (req, res) => void endpoint.handle(req, res));
    return endpoint;
  }

  /** The render the endpoint serves, for tests and `roomgate serve`'s own use. */
  async render(): Promise<string> {
    this.current = this.source.snapshot();
    try {
      return await this.registry.metrics();
    } finally {
      this.current = undefined;
    }
  }

  /**
   * How long to wait for a last scrape after the run ended: never scraped → 0;
   * otherwise 3 observed intervals + 2 s (the next scrape, late on a busy host),
   * at most `capMs` (when only one scrape was seen, the cap).
   */
  finalScrapeWaitMs(capMs: number): number {
    if (this.scrapeTimes.length === 0 || this.sawFinalScrape) return 0;
    if (this.scrapeTimes.length === 1) return capMs;
    const intervals = this.scrapeTimes.slice(1).map((t, i) => t - this.scrapeTimes[i]!);
    const interval = intervals.sort((a, b) => a - b)[Math.floor(intervals.length / 2)]!;
    return Math.min(capMs, Math.ceil(interval * 3 + 2000));
  }

  /** Resolve once a scrape has read the final figures, the wait ran out, or `signal` fired. */
  async awaitFinalScrape(waitMs: number, signal?: AbortSignal): Promise<FinalScrape> {
    if (this.scrapeTimes.length === 0) return { kind: 'not-scraped' };
    const started = this.now();
    if (this.sawFinalScrape) return { kind: 'scraped', waitedMs: 0 };
    if (waitMs <= 0) return { kind: 'skipped', waitedMs: 0 };
    return new Promise<FinalScrape>((resolve) => {
      const done = (kind: 'scraped' | 'timed-out' | 'skipped') => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.finalScraped = undefined;
        resolve({ kind, waitedMs: this.now() - started });
      };
      const onAbort = () => done('skipped');
      const timer = setTimeout(() => done('timed-out'), waitMs);
      this.finalScraped = () => done('scraped');
      if (signal?.aborted === true) done('skipped');
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('only GET /metrics\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('roomgate exposes Prometheus metrics at /metrics\n');
      return;
    }
    this.scrapeTimes.push(this.now());
    if (this.scrapeTimes.length > 16) this.scrapeTimes.shift();
    const final = this.source.finished;
    try {
      const body = await this.render();
      res.writeHead(200, { 'content-type': this.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body, () => {
        if (final) {
          this.sawFinalScrape = true;
          this.finalScraped?.();
        }
      });
    } catch (error) {
      // A broken render is the scraper's problem to see (it records the target as down), never the run's.
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`roomgate could not render its metrics: ${(error as Error).message}\n`);
    }
  }

  private register(processMetrics: boolean): void {
    const read = () => {
      if (this.current === undefined) throw new Error('metrics read outside a scrape');
      return this.current;
    };
    // Entries are looked up by instrument each scrape; the set of instruments is fixed.
    for (const entry of this.source.snapshot().entries) {
      const name = prometheusName(entry.metric);
      if (entry.kind === 'histogram') {
        const metric = entry.metric;
        this.registry.registerMetric(snapshotHistogram(name, metric, () => histogramPoints(read(), metric)));
        continue;
      }
      const metric = entry.metric;
      const declared = { name, help: metric.help, labelNames: [...metric.labelNames], registers: [this.registry] };
      if (metric.kind === 'counter') {
        new Counter({
          ...declared,
          collect() {
            this.reset();
            for (const p of scalarPoints(read(), metric)) this.inc(p.labels, p.value);
          },
        });
      } else {
        new Gauge({
          ...declared,
          collect() {
            this.reset();
            for (const p of scalarPoints(read(), metric)) this.set(p.labels, p.value);
          },
        });
      }
    }
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}

/**
 * A histogram whose buckets are already counted (from the HDR registry).
 * prom-client's Histogram only counts its own `observe()` calls, but its
 * registry reads every metric through methods: so this is a Histogram (name
 * and help validated by prom-client, registered nowhere by itself) that never
 * observes, whose readers return the counted values (`_bucket` with `le`,
 * `_sum`, `_count`), which the registry formats and escapes like its own.
 */
function snapshotHistogram(name: string, metric: HistogramMetric, points: () => readonly HistogramPoint[]): Metric {
  const read = async () => ({
    name,
    help: metric.help,
    type: 'histogram',
    aggregator: 'sum',
    values: points().flatMap((p) => [
      ...metric.bounds.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...p.labels, le }, value: p.cumulative[i]! })),
      { metricName: `${name}_bucket`, labels: { ...p.labels, le: '+Inf' }, value: p.count },
      { metricName: `${name}_sum`, labels: p.labels, value: p.sum },
      { metricName: `${name}_count`, labels: p.labels, value: p.count },
    ]),
  });
  // The registry reads a histogram through getForPromString() (get() for the JSON form): both read ours.
  return Object.assign(new Histogram({ name, help: metric.help, registers: [] }), { get: read, getForPromString: read });
}
