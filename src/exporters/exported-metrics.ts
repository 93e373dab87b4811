/**
 * The instruments roomgate exports while a run goes on, defined once for both
 * exporters. Each has an OpenTelemetry name and unit; its Prometheus name is
 * derived the way the OpenTelemetry Collector's Prometheus exporter translates
 * them (dots → underscores, unit `s` → `_seconds`, monotonic sums → `_total`),
 * so one Grafana dashboard works whether the figures arrive by scrape or
 * through a collector.
 */
export type ScalarKind = 'counter' | 'gauge';

interface MetricBase {
  otelName: string;
  /** UCUM unit as OpenTelemetry writes it: `s`, `{request}`, or '' for a bare number. */
  unit: string;
  help: string;
  labelNames: readonly string[];
}

export interface ScalarMetric extends MetricBase {
  kind: ScalarKind;
}

export interface HistogramMetric extends MetricBase {
  kind: 'histogram';
  /** Upper bounds, seconds. */
  bounds: readonly number[];
}

export type ExportedMetric = ScalarMetric | HistogramMetric;

/**
 * Request latency bounds, seconds: 1 ms to 10 s in 1-2.5-5 steps (Prometheus'
 * default buckets extended down to 1 ms, where loopback and LAN latencies live).
 */
export const REQUEST_BOUNDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Browser join / first-frame bounds, seconds: a join takes 0.1–30 s (the default join timeout is 30 s). */
export const BROWSER_BOUNDS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60];

export const EXPORTED = {
  requests: {
    otelName: 'roomgate.requests',
    unit: '{request}',
    kind: 'counter',
    help: 'Requests the load step put on the wire, by operation and status class (error: no response: timeout, reset, refused).',
    labelNames: ['step', 'operation', 'status_class'],
  },
  requestDuration: {
    otelName: 'roomgate.request.duration',
    unit: 's',
    kind: 'histogram',
    bounds: REQUEST_BOUNDS,
    help: 'Request latency: soak from the intended send time (coordinated omission corrected), burst from the send.',
    labelNames: ['step', 'operation', 'status_class'],
  },
  serviceTime: {
    otelName: 'roomgate.request.service_time',
    unit: 's',
    kind: 'histogram',
    bounds: REQUEST_BOUNDS,
    help: 'Soak only: time from writing the request to the socket to the response.',
    labelNames: ['step', 'operation', 'status_class'],
  },
  inFlight: {
    otelName: 'roomgate.requests.in_flight',
    unit: '{request}',
    kind: 'gauge',
    help: 'Soak only: requests sent and not yet answered (from the step progress, once a second).',
    labelNames: ['step'],
  },
  lateSends: {
    otelName: 'roomgate.late_sends',
    unit: '{request}',
    kind: 'counter',
    help: 'Soak only: sends later than the late threshold after their intended time (the generator fell behind).',
    labelNames: ['step', 'operation'],
  },
  droppedSends: {
    otelName: 'roomgate.dropped_sends',
    unit: '{request}',
    kind: 'counter',
    help: 'Soak only: arrivals not sent because the in-flight cap was reached (count as errors).',
    labelNames: ['step', 'operation'],
  },
  schemaViolations: {
    otelName: 'roomgate.schema_violations',
    unit: '{response}',
    kind: 'counter',
    help: 'Sampled responses that broke the OpenAPI schema.',
    labelNames: ['step', 'operation'],
  },
  browserJoin: {
    otelName: 'roomgate.browser.join.duration',
    unit: 's',
    kind: 'histogram',
    bounds: BROWSER_BOUNDS,
    help: 'Browser participants: joined − navigation start, by outcome (ok, failed).',
    labelNames: ['step', 'outcome'],
  },
  browserFirstFrame: {
    otelName: 'roomgate.browser.first_frame.duration',
    unit: 's',
    kind: 'histogram',
    bounds: BROWSER_BOUNDS,
    help: 'Browser participants: first rendered remote video frame − navigation start, by outcome.',
    labelNames: ['step', 'outcome'],
  },
  browserSetup: {
    otelName: 'roomgate.browser.setup.duration',
    unit: 's',
    kind: 'histogram',
    bounds: BROWSER_BOUNDS,
    help: 'Browser participants: peer connection connected − first setLocalDescription, by outcome.',
    labelNames: ['step', 'outcome'],
  },
  browserParticipants: {
    otelName: 'roomgate.browser.participants',
    unit: '{participant}',
    kind: 'counter',
    help: 'Judged browser participants by outcome: joined, or the one failure label (ice_failed, join_ui_timeout, ...).',
    labelNames: ['step', 'outcome'],
  },
  sloHolding: {
    otelName: 'roomgate.slo.holding',
    unit: '',
    kind: 'gauge',
    help: 'Per SLO: 1 while the threshold holds, 0 when breached or without data (live while the step runs, then its verdict).',
    labelNames: ['step', 'slo'],
  },
  sloObserved: {
    otelName: 'roomgate.slo.observed',
    unit: '',
    kind: 'gauge',
    help: 'Per SLO: the observed value in base units (seconds, ratio, count, per second; see the unit label).',
    labelNames: ['step', 'slo', 'unit'],
  },
  sloThreshold: {
    otelName: 'roomgate.slo.threshold',
    unit: '',
    kind: 'gauge',
    help: 'Per SLO: the threshold in base units (seconds, ratio, count, per second; see the unit label).',
    labelNames: ['step', 'slo', 'unit'],
  },
  stepProgress: {
    otelName: 'roomgate.step.progress',
    unit: '',
    kind: 'gauge',
    help: 'Fraction of the step done (0..1), for steps that know their length.',
    labelNames: ['step'],
  },
  stepStatus: {
    otelName: 'roomgate.step.status',
    unit: '',
    kind: 'gauge',
    help: "Always 1, on the series whose status label is the step's current state (running, passed, failed, invalid, errored, interrupted, skipped).",
    labelNames: ['step', 'status'],
  },
  stepInfo: {
    otelName: 'roomgate.step.info',
    unit: '',
    kind: 'gauge',
    help: 'Always 1: which suite, scenario and shard a step belongs to (join on step).',
    labelNames: ['suite', 'scenario', 'step', 'kind', 'shard'],
  },
  runInfo: {
    otelName: 'roomgate.run.info',
    unit: '',
    kind: 'gauge',
    help: 'Always 1: the run this process is executing.',
    labelNames: ['run_id', 'suite', 'shard', 'version'],
  },
} as const satisfies Record<string, ExportedMetric>;

const UNIT_SUFFIX: Readonly<Record<string, string>> = { s: 'seconds', By: 'bytes' };

/** The Prometheus name of an instrument (see the file comment for the rules). */
export function prometheusName(metric: ExportedMetric): string {
  let name = metric.otelName.replace(/\./g, '_');
  const suffix = UNIT_SUFFIX[metric.unit];
  if (suffix !== undefined && !name.endsWith(`_${suffix}`)) name = `${name}_${suffix}`;
  if (metric.kind === 'counter') name = `${name}_total`;
  return name;
}
