import type { Attributes, HrTime } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type CollectionResult,
  type MetricData,
  type MetricProducer,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { UsageError } from '../errors.js';
import type { MetricsSnapshot } from './live-metrics.js';
import type { SnapshotSource } from './prometheus-endpoint.js';
import { WarnThrottle } from './warn-throttle.js';

export interface OtlpPushOptions {
  /** The collector's OTLP/HTTP metrics URL; a bare origin gets `/v1/metrics` (the OTLP default path). */
  endpoint: string;
  /** Push interval, ms (default 10 000). */
  intervalMs?: number;
  /** Called at most once per `warnEveryMs` (default one minute) while exports fail. */
  onWarning: (message: string) => void;
  warnEveryMs?: number;
  /** Resource attributes, e.g. service.instance.id. */
  resource?: Attributes;
  now?: () => number;
}

export const DEFAULT_OTLP_INTERVAL_MS = 10_000;
const SHUTDOWN_DEADLINE_MS = 5_000;

/**
 * Pushes the run's instruments to an OpenTelemetry collector over OTLP/HTTP
 * with the OpenTelemetry JS SDK: a MeterProvider whose periodic reader asks a
 * MetricProducer for the figures. The producer reads the same snapshot the
 * Prometheus endpoint serves (the run's registries), so both carry one set
 * of numbers. A MetricProducer instead of SDK instruments because the figures
 * already exist: OpenTelemetry JS has no asynchronous histogram, and
 * recording every sample a second time would cost per-request CPU and could
 * drift from the report.
 *
 * Export failures never reach the run: each is counted and reported through
 * `onWarning` at most once a minute; `close()` pushes the final figures and
 * gives up after 5 s.
 */
export class OtlpPush {
  private readonly provider: MeterProvider;
  private readonly warnings: WarnThrottle;
  readonly url: string;
  /** The URL without user or password, for messages. */
  readonly displayUrl: string;
  private exportsDone = 0;

  constructor(source: SnapshotSource, options: OtlpPushOptions) {
    this.url = metricsUrl(options.endpoint);
    const shown = new URL(this.url);
    shown.username = '';
    shown.password = '';
    this.displayUrl = shown.toString();
    const intervalMs = options.intervalMs ?? DEFAULT_OTLP_INTERVAL_MS;
    if (!(intervalMs > 0)) throw new UsageError(`the OTLP push interval must be > 0, got ${intervalMs} ms`, { hint: 'e.g. --otlp-interval 10s' });
    const timeoutMillis = Math.min(intervalMs, 10_000);
    this.warnings = new WarnThrottle(options.onWarning, options.warnEveryMs ?? 60_000, options.now);
    const exporter = new ReportingExporter(
      new OTLPMetricExporter({ url: this.url, timeoutMillis }),
      timeoutMillis,
      (error) => {
        this.warnings.warn(`OTLP export to ${this.displayUrl} failed: ${error}; the run goes on and its verdict is not affected`);
      },
      () => {
        this.exportsDone += 1;
      },
    );
    const reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: intervalMs,
      exportTimeoutMillis: timeoutMillis,
      metricProducers: [new SnapshotProducer(source)],
    });
    this.provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'roomgate', ...options.resource }),
      readers: [reader],
    });
  }

  /** Exports that failed so far (reported or folded into a later warning). */
  get failures(): number {
    return this.warnings.count;
  }

  get exports(): number {
    return this.exportsDone;
  }

  /** Push the final figures, then stop; never longer than 5 s, never throws. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), SHUTDOWN_DEADLINE_MS);
    });
    try {
      const outcome = await Promise.race([this.provider.shutdown().then(() => 'done' as const), deadline]);
      if (outcome === 'timeout')
        this.warnings.warn(`OTLP: the final push to ${this.displayUrl} did not finish within ${SHUTDOWN_DEADLINE_MS / 1000} s; gave up`);
    } catch (error) {
      this.warnings.warn(`OTLP shutdown failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

function metricsUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (error) {
    throw new UsageError(`--otlp-endpoint "${endpoint}" is not a URL`, {
      hint: 'e.g. --otlp-endpoint http://127.0.0.1:4318 (OTLP/HTTP; /v1/metrics is added to a bare origin)',
      cause: error,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--otlp-endpoint "${endpoint}" must be http(s)`, { hint: 'roomgate pushes OTLP over HTTP (protobuf), e.g. http://127.0.0.1:4318' });
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/metrics';
  return url.toString();
}

/** Wraps the OTLP exporter so every failed or overdue export is seen (the SDK only logs them to its diag logger). */
class ReportingExporter implements PushMetricExporter {
  constructor(
    private readonly inner: OTLPMetricExporter,
    private readonly timeoutMs: number,
    private readonly onFailure: (error: string) => void,
    private readonly onSuccess: () => void,
  ) {}

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    let settled = false;
    const settle = (result: ExportResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result.code === ExportResultCode.SUCCESS) this.onSuccess();
      else this.onFailure(describe(result.error));
      resultCallback(result);
    };
    // The reader abandons an export at its timeout without telling the exporter; settle a
    // little earlier so an overdue export is reported as one.
    const timer = setTimeout(
      () => settle({ code: ExportResultCode.FAILED, error: new Error(`no answer within ${this.timeoutMs} ms`) }),
      Math.max(1, this.timeoutMs - 50),
    );
    timer.unref();
    this.inner.export(metrics, settle);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }
}

function describe(error: Error | undefined): string {
  if (error === undefined) return 'unknown error';
  const code = (error as Error & { code?: number | string }).code;
  const message = error.message || error.name;
  return code === undefined || message.includes(String(code)) ? message : `${code} ${message}`;
}

/** Turns the snapshot into OTLP metric data: cumulative sums, gauges and explicit-bucket histograms. */
class SnapshotProducer implements MetricProducer {
  constructor(private readonly source: SnapshotSource) {}

  async collect(): Promise<CollectionResult> {
    return {
      resourceMetrics: { resource: resourceFromAttributes({}), scopeMetrics: [{ scope: { name: 'roomgate' }, metrics: toMetricData(this.source.snapshot()) }] },
      errors: [],
    };
  }
}

export function toMetricData(snapshot: MetricsSnapshot): MetricData[] {
  const end = hrTime(snapshot.atMs);
  const out: MetricData[] = [];
  for (const entry of snapshot.entries) {
    if (entry.points.length === 0) continue;
    const descriptor = { name: entry.metric.otelName, description: entry.metric.help, unit: entry.metric.unit, valueType: ValueType.DOUBLE };
    if (entry.kind === 'histogram') {
      const bounds = [...entry.metric.bounds];
      out.push({
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: entry.points.map((p) => ({
          startTime: hrTime(p.startMs),
          endTime: end,
          attributes: { ...p.labels },
          value: { buckets: { boundaries: bounds, counts: perBucket(p.cumulative, p.count) }, sum: p.sum, count: p.count },
        })),
      });
    } else if (entry.metric.kind === 'counter') {
      out.push({
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: entry.points.map((p) => ({ startTime: hrTime(p.startMs), endTime: end, attributes: { ...p.labels }, value: p.value })),
      });
    } else {
      out.push({
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: entry.points.map((p) => ({ startTime: hrTime(p.startMs), endTime: end, attributes: { ...p.labels }, value: p.value })),
      });
    }
  }
  return out;
}

/** Cumulative counts at each bound (+ the total) → counts per bucket, n + 1 of them. */
function perBucket(cumulative: readonly number[], count: number): number[] {
  const counts = cumulative.map((c, i) => c - (i === 0 ? 0 : cumulative[i - 1]!));
  counts.push(count - (cumulative.at(-1) ?? 0));
  return counts;
}

function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}
