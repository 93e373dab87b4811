import type { WindowSummary } from './events.js';
import type { LatencySummary } from '../metrics/summary.js';
import type { SerializedMetrics } from '../metrics/serialized.js';

/**
 * `StepResult.summary` of a webhook-sink step: how the target's webhooks kept
 * up while the watched steps created and closed rooms. Counts are whole-step;
 * `metrics` holds the registry (delivery-latency histograms and counters per
 * event operation and per window), which report.json copies into `histograms`.
 */
export interface WebhookSinkSummary {
  subscription: {
    /** `api`: subscribed through the profile's rooms.webhooks.subscribe; `out-of-band`: configured in the vendor's console. */
    kind: 'api' | 'out-of-band';
    /** Where deliveries were expected (the sink's URL, or the out-of-band URL). */
    url: string;
    signature: 'standard-webhooks' | 'none';
    /** Whether signatures were judged (a signing secret was known and the profile signs). */
    verified: boolean;
  };
  /** The steps whose rooms were expected to cause webhooks. */
  watched: string[];
  deliveryBudgetMs: number;
  /**
   * Room events of watched steps announced before the subscription was
   * settled (confirmed, plus a second for API calls still in flight): the
   * target may rightly not have sent their webhooks, so they are not expected.
   */
  announcedBeforeSubscription: number;
  /** From the first moment the sink listened to its last. */
  listenedMs: number;
  totals: WebhookFigures;
  /** Per event operation (room_created, room_closed, participant_joined, participant_left, other). */
  events: Record<string, WebhookEventSummary>;
  /** The first missing events, with the step and request that made the room. */
  missingExamples: MissingWebhook[];
  /** The first deliveries with a bad signature or a stale timestamp. */
  signatureProblems: SignatureProblem[];
  /** Per-window figures, as emitted in `window` events (count: delivered, errors: missing). */
  windows: WindowSummary[];
  metrics: SerializedMetrics;
}

export interface WebhookFigures {
  /** Room events the watched steps announced. */
  expected: number;
  /** Expected events whose webhook came within the budget. */
  delivered: number;
  missing: number;
  /** Missing events whose webhook came after the budget after all. */
  late: number;
  /** Announced events still within their budget when the step stopped (an interrupted run): neither delivered nor missing. */
  pending: number;
  /** HTTP deliveries received: every attempt, retries and duplicates included. */
  deliveries: number;
  duplicates: number;
  redeliveries: number;
  /** Attempts the sink refused on purpose (refuseFirstAttempts). */
  refused: number;
  signaturesChecked: number;
  badSignatures: number;
  staleTimestamps: number;
  /** Room webhooks about rooms no watched step announced. */
  unexpected: number;
}

export interface WebhookEventSummary extends WebhookFigures {
  /** The API's own event type names seen, e.g. `room.created`. */
  types: string[];
  /** From the announcement to the first accepted delivery, ms (late deliveries included). */
  latency: LatencySummary;
}

export interface MissingWebhook {
  event: string;
  roomId: string;
  /** The step that announced the room. */
  step: string;
  announcedAt: string;
  requestId?: string;
}

export interface SignatureProblem {
  event: string;
  webhookId?: string;
  signature: 'valid' | 'invalid' | 'missing';
  timestamp: 'fresh' | 'stale' | 'missing';
  webhookTimestamp?: string;
  receivedAt: string;
  detail?: string;
}
