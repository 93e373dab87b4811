import type { FaultSet } from '../faults.js';

/**
 * How the two delivery faults bend the dispatcher. Each breaks one promise of
 * webhook delivery under load, and the webhook-sink step's SLOs catch them:
 *
 * - `webhook-drop`: every WITHHELD_EVERY-th delivery is never attempted (no
 *   retry either), as a sender that loses messages from its outbox would:
 *   `webhooks_missing == 0` fails. Every n-th rather than a random share, so
 *   a short run is sure to lose some and two runs lose the same ones.
 * - `webhook-delay`: every delivery's first attempt waits FAULT_DELAY_MS after
 *   the event, as a sender with a backed-up queue: `webhook_delivery.p99 < 5s`
 *   fails (the default delivery budget is longer, so nothing counts as missing).
 */
export interface DeliveryFaults {
  /** Withhold every n-th delivery (0: none). */
  withholdEvery: number;
  /** Delay before each delivery's first attempt, ms. */
  firstAttemptDelayMs: number;
}

export const WITHHELD_EVERY = 5;
export const FAULT_DELAY_MS = 6000;

export const NO_DELIVERY_FAULTS: Readonly<DeliveryFaults> = Object.freeze({ withholdEvery: 0, firstAttemptDelayMs: 0 });

export function deliveryFaults(faults: FaultSet): DeliveryFaults {
  return {
    withholdEvery: faults.has('webhook-drop') ? WITHHELD_EVERY : 0,
    firstAttemptDelayMs: faults.has('webhook-delay') ? FAULT_DELAY_MS : 0,
  };
}
