import { ConfigError } from '../errors.js';
import { parseSlos } from '../slo/parse.js';
import type { Slo, SloInput } from '../slo/types.js';
import { deliveryMetricCatalog, EVENT_OPERATIONS } from './delivery-metrics.js';

/**
 * Options of the webhook-sink step, as a scenario writes them (durations
 * already in ms). Plain data; defaults in SINK_DEFAULTS.
 */
export interface WebhookSinkStepOptions {
  /** Step name in results; default `webhook-sink`. */
  name?: string;
  /**
   * The steps whose rooms must cause webhooks; the step ends once all of
   * them have ended and their webhooks are in (or their budget is spent).
   * Default: every other step that starts while the sink listens; the sink
   * then ends when at least one has run and none is running.
   */
  steps?: string[];
  /** How long after a room event its webhook may arrive before the event counts as missing. */
  deliveryBudgetMs?: number;
  /** How far a webhook-timestamp may be from the sink's clock (either way) before it is stale. */
  timestampToleranceMs?: number;
  /** How long the sink waits for a step to watch to start: a sink with nothing alongside it fails instead of waiting for the run's deadline. */
  startTimeoutMs?: number;
  /** Length of a metrics window (timeline, sliding-window SLOs). */
  windowMs?: number;
  /** Answer 503 to the first attempt of every n-th message (0: never), so the sender has to redeliver it. */
  refuseEvery?: number;
  /** Out-of-band subscriptions: the loopback port to listen on when the configured URL is a tunnel's public one. */
  listenPort?: number;
  /** Thresholds; default DEFAULT_SINK_SLOS. */
  slos?: SloInput[];
}

export const SINK_DEFAULTS = {
  name: 'webhook-sink',
  /** Longer than the seed's 5 s propagation SLO, so a slow webhook is slow (webhook_delivery) before it is missing. */
  deliveryBudgetMs: 30_000,
  /** Standard Webhooks' recommended tolerance (the standardwebhooks package's own). */
  timestampToleranceMs: 5 * 60_000,
  startTimeoutMs: 60_000,
  windowMs: 10_000,
  refuseEvery: 0,
} as const;

/**
 * The seed's promises for webhooks, used when a scenario names no SLOs:
 * every event delivered (at least once), within the 5 s state-propagation
 * budget, signed and fresh. The signature ones are left out when the sink
 * cannot judge signatures (no signing secret, or a profile without them).
 */
export const DEFAULT_SINK_SLOS = [
  'webhooks_missing == 0',
  'webhook_delivery.p99 < 5s',
  'webhook_bad_signatures == 0',
  'webhook_stale_timestamps == 0',
] as const;
export const SIGNATURE_SLO_METRICS: readonly string[] = ['webhook_bad_signatures', 'webhook_stale_timestamps'];

export interface ResolvedSinkOptions {
  name: string;
  steps: readonly string[] | undefined;
  deliveryBudgetMs: number;
  timestampToleranceMs: number;
  startTimeoutMs: number;
  windowMs: number;
  refuseEvery: number;
  listenPort: number | undefined;
  slos: Slo[];
  /** True when the thresholds are DEFAULT_SINK_SLOS (the signature ones may then be dropped). */
  defaultSlos: boolean;
}

/** Validate and default the options; a bad value or threshold is a ConfigError (exit 2) before anything starts. */
export function resolveSinkOptions(options: WebhookSinkStepOptions): ResolvedSinkOptions {
  const name = options.name ?? SINK_DEFAULTS.name;
  const positive = (value: number, path: string) => {
    if (!(Number.isFinite(value) && value > 0)) throw new ConfigError(`${path} must be a positive duration, got ${String(value)}`, { path });
    return value;
  };
  const steps = options.steps;
  if (steps !== undefined && (steps.length === 0 || steps.includes(name))) {
    throw new ConfigError(steps.length === 0 ? 'steps is empty' : `steps names the sink itself (${name})`, {
      path: 'steps',
      hint: 'name the steps that create and close rooms (e.g. [soak]), or leave `steps` out to watch every step that runs alongside the sink',
    });
  }
  const refuseEvery = options.refuseEvery ?? SINK_DEFAULTS.refuseEvery;
  if (!(Number.isInteger(refuseEvery) && refuseEvery >= 0))
    throw new ConfigError(`refuseEvery must be a whole number >= 0, got ${String(refuseEvery)}`, { path: 'refuseEvery' });
  const listenPort = options.listenPort;
  if (listenPort !== undefined && !(Number.isInteger(listenPort) && listenPort > 0 && listenPort < 65536)) {
    throw new ConfigError(`listenPort must be a port number (1–65535), got ${String(listenPort)}`, { path: 'listenPort' });
  }
  const windowMs = positive(options.windowMs ?? SINK_DEFAULTS.windowMs, 'window');
  const defaultSlos = options.slos === undefined;
  const slos = parseSlos(options.slos ?? [...DEFAULT_SINK_SLOS], deliveryMetricCatalog(), EVENT_OPERATIONS, { path: 'slos', windowMs });
  return {
    name,
    steps,
    deliveryBudgetMs: positive(options.deliveryBudgetMs ?? SINK_DEFAULTS.deliveryBudgetMs, 'deliveryBudget'),
    timestampToleranceMs: positive(options.timestampToleranceMs ?? SINK_DEFAULTS.timestampToleranceMs, 'timestampTolerance'),
    startTimeoutMs: positive(options.startTimeoutMs ?? SINK_DEFAULTS.startTimeoutMs, 'startTimeout'),
    windowMs,
    refuseEvery,
    listenPort,
    slos,
    defaultSlos,
  };
}
