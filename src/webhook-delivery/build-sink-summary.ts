import type { WebhookWindow, WindowSummary } from '../model/events.js';
import type { WebhookEventSummary, WebhookFigures, WebhookSinkSummary } from '../model/webhook-sink-summary.js';
import { counterOfWindows, histogramOfWindows, type MetricsRegistry } from '../metrics/registry.js';
import type { SerializedWindow } from '../metrics/serialized.js';
import { summarize } from '../metrics/summary.js';
import { DELIVERY_COUNTERS as C, DELIVERY_SERIES, EVENT_OPERATIONS, type EventOperation } from './delivery-metrics.js';
import type { DeliveryLedger } from './delivery-ledger.js';

/**
 * One window of the sink for the timeline and the console, in the shape
 * load windows have: per event operation, `count` is webhooks delivered
 * (on time or late), `errors` the events that went missing in it, and the
 * latency percentiles of the deliveries.
 */
export function sinkWindowSummary(window: SerializedWindow): WindowSummary {
  const operations: WindowSummary['operations'] = {};
  for (const operation of EVENT_OPERATIONS) {
    const histogram = histogramOfWindows([window], DELIVERY_SERIES, { operation });
    const missing = counterOfWindows([window], C.missing, operation);
    const s = summarize(histogram);
    histogram.destroy();
    if (s.count > 0 || missing > 0) operations[operation] = { count: s.count, errors: missing, p50: s.p50, p99: s.p99, max: s.max };
  }
  // The run timeline's webhook lane reads these (src/report/run-timeline.ts): deliveries, misses and lag of the window.
  const count = (name: string) => counterOfWindows([window], name);
  const all = histogramOfWindows([window], DELIVERY_SERIES);
  const lag = summarize(all);
  all.destroy();
  const webhooks: WebhookWindow = {
    delivered: count(C.deliveries),
    missing: count(C.missing),
    duplicates: count(C.duplicates),
    badSignatures: count(C.badSignatures),
    staleTimestamps: count(C.staleTimestamps),
    redeliveries: count(C.redeliveries),
    ...(lag.count === 0 ? {} : { lagMs: { p50: lag.p50, p99: lag.p99, max: lag.max } }),
  };
  // Offsets from the registry's start, as every step's windows are.
  return { startMs: window.startMs, endMs: window.endMs, operations, webhooks };
}

export interface SinkSummaryParts {
  registry: MetricsRegistry;
  ledger: DeliveryLedger;
  pending: ReadonlyMap<EventOperation, number>;
  subscription: WebhookSinkSummary['subscription'];
  watched: string[];
  deliveryBudgetMs: number;
  announcedBeforeSubscription: number;
  windows: WindowSummary[];
}

/** The step's summary, from its finished registry and what the ledger kept. */
export function buildSinkSummary(parts: SinkSummaryParts): WebhookSinkSummary {
  const { registry, ledger, pending } = parts;
  const figures = (operation: EventOperation | undefined): WebhookFigures => {
    const count = (name: string) => registry.counter(name, { operation });
    return {
      expected: count(C.expected),
      delivered: count(C.delivered),
      missing: count(C.missing),
      late: count(C.late),
      pending: operation === undefined ? [...pending.values()].reduce((a, b) => a + b, 0) : (pending.get(operation) ?? 0),
      deliveries: count(C.deliveries),
      duplicates: count(C.duplicates),
      redeliveries: count(C.redeliveries),
      refused: count(C.refused),
      signaturesChecked: count(C.signaturesChecked),
      badSignatures: count(C.badSignatures),
      staleTimestamps: count(C.staleTimestamps),
      unexpected: count(C.unexpected),
    };
  };
  const events: Record<string, WebhookEventSummary> = {};
  for (const operation of EVENT_OPERATIONS) {
    const each = figures(operation);
    if (each.expected === 0 && each.deliveries === 0) continue;
    events[operation] = { ...each, types: ledger.types(operation), latency: registry.summary(DELIVERY_SERIES, { operation }) };
  }
  return {
    subscription: parts.subscription,
    watched: parts.watched,
    deliveryBudgetMs: parts.deliveryBudgetMs,
    announcedBeforeSubscription: parts.announcedBeforeSubscription,
    listenedMs: registry.durationMs,
    totals: figures(undefined),
    events,
    missingExamples: [...ledger.missingExamples],
    signatureProblems: [...ledger.signatureProblems],
    windows: parts.windows,
    metrics: registry.serialize(),
  };
}
