import type { WebhookEventKind } from '../profile/room-api.js';
import type { MetricCatalog } from '../slo/types.js';

/**
 * The "operations" of the webhook-sink step: one per event kind a target
 * profile maps (rooms.webhooks.events), named like the load step's
 * operations so an SLO reads `room_closed.webhook_delivery.p99 < 5s`
 * whatever the API calls the event; `other` holds deliveries of types the
 * profile does not map.
 */
export const EVENT_OPERATIONS = ['room_created', 'room_closed', 'participant_joined', 'participant_left', 'other'] as const;
export type EventOperation = (typeof EVENT_OPERATIONS)[number];

export const OPERATION_OF_KIND: Readonly<Record<WebhookEventKind, EventOperation>> = {
  created: 'room_created',
  closed: 'room_closed',
  joined: 'participant_joined',
  left: 'participant_left',
};

/** The histogram (ms): from the room event the run announced to the first accepted delivery of its webhook. */
export const DELIVERY_SERIES = 'webhook_delivery';

/** Counters, per event operation. */
export const DELIVERY_COUNTERS = {
  /** Every HTTP delivery the sink received (each attempt, retries and duplicates included). */
  deliveries: 'webhook_deliveries',
  /** Room events the watched steps announced: each should cause one webhook. */
  expected: 'webhooks_expected',
  /** Expected events whose webhook arrived within the delivery budget. */
  delivered: 'webhooks_delivered',
  /** Expected events with no webhook within the budget (late ones included). */
  missing: 'webhooks_missing',
  /** Missing events whose webhook came after all, after the budget. */
  late: 'webhooks_late',
  /** A message (webhook-id) delivered again after the sink had accepted it. */
  duplicates: 'webhook_duplicates',
  /** A message delivered again after the sink had refused (or never answered) it: the retry at-least-once promises. */
  redeliveries: 'webhook_redeliveries',
  /** Attempts the sink refused on purpose (`refuseFirstAttempts`), to make the sender redeliver. */
  refused: 'webhook_refused',
  /** Deliveries whose Standard Webhooks signature was judged (a signing secret was known). */
  signaturesChecked: 'webhook_signatures_checked',
  badSignatures: 'webhook_bad_signatures',
  staleTimestamps: 'webhook_stale_timestamps',
  /** Room webhooks about rooms no watched step announced (another client's, the load step's setup pool, cleanup). */
  unexpected: 'webhooks_unexpected',
} as const;

/** What SLOs of a webhook-sink step may name. */
export function deliveryMetricCatalog(): MetricCatalog {
  const c = DELIVERY_COUNTERS;
  return {
    metrics: {
      webhook_delivery: {
        kind: 'latency',
        description: 'from the room event the run announced to its first accepted webhook, ms (late ones included)',
        series: DELIVERY_SERIES,
      },
      webhooks_missing: {
        kind: 'count',
        description: 'announced room events with no webhook within the delivery budget',
        counter: c.missing,
        requires: c.expected,
      },
      webhooks_late: { kind: 'count', description: 'webhooks that arrived after the delivery budget', counter: c.late, requires: c.expected },
      webhooks_expected: { kind: 'count', description: 'room events announced by the watched steps', counter: c.expected },
      webhook_success_rate: { kind: 'ratio', description: '1 − missing / expected', numerator: [c.missing], denominator: [c.expected], complement: true },
      webhook_deliveries: { kind: 'count', description: 'HTTP deliveries received (attempts, retries and duplicates included)', counter: c.deliveries },
      webhook_duplicates: {
        kind: 'count',
        description: 'messages (by webhook-id) delivered again after the sink accepted them',
        counter: c.duplicates,
        requires: c.deliveries,
      },
      webhook_redeliveries: {
        kind: 'count',
        description: 'messages delivered again after the sink refused or missed them',
        counter: c.redeliveries,
        requires: c.deliveries,
      },
      webhook_bad_signatures: {
        kind: 'count',
        description: 'deliveries without a valid Standard Webhooks signature',
        counter: c.badSignatures,
        requires: c.signaturesChecked,
      },
      webhook_stale_timestamps: {
        kind: 'count',
        description: 'deliveries whose webhook-timestamp is outside the tolerance',
        counter: c.staleTimestamps,
        requires: c.signaturesChecked,
      },
      webhooks_unexpected: { kind: 'count', description: 'room webhooks about rooms no watched step announced', counter: c.unexpected, requires: c.deliveries },
    },
    defaultLatency: 'webhook_delivery',
  };
}
