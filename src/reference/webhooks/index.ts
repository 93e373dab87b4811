import type { FastifyInstance } from 'fastify';
import type { ReferenceContext, ReferencePart } from '../context.js';
import { randomBase62 } from '../rooms/room-id.js';
import { deliveryFaults } from './delivery-faults.js';
import { resolveDeliveryPolicy } from './delivery-policy.js';
import { toWebhookEvent } from './event-payload.js';
import { SubscriptionRegistry } from './subscription-registry.js';
import { type DeliveryCounters, WebhookDispatcher } from './webhook-dispatcher.js';
import { registerWebhookRoutes } from './webhook-routes.js';

export { DEFAULT_WEBHOOK_DELIVERY, retryDelayMs, type WebhookDeliveryPolicy } from './delivery-policy.js';
export type { DeliveryCounters } from './webhook-dispatcher.js';

export interface WebhooksPart extends ReferencePart {
  counters(): DeliveryCounters;
  /** Resolves once no delivery is queued, in flight or waiting for a retry. */
  idle(): Promise<void>;
}

/**
 * Webhook subscriptions (`/v1/webhooks`) and signed, at-least-once delivery of
 * the room store's events to the subscriptions of the room's owner.
 */
export function registerWebhooks(app: FastifyInstance, ctx: ReferenceContext): WebhooksPart {
  const registry = new SubscriptionRegistry(ctx.faults.has('webhook-signature'));
  const dispatcher = new WebhookDispatcher(resolveDeliveryPolicy(ctx.options.webhookDelivery), Math.random, deliveryFaults(ctx.faults));
  const loseLeftEvents = ctx.faults.has('lost-left-event');
  registerWebhookRoutes(app, registry, {
    deleteUnknownOk: ctx.faults.has('webhook-delete-unknown-ok'),
    deleteAnyOwners: ctx.faults.has('cross-client-webhook-delete'),
  });

  const unsubscribe = ctx.store.subscribe((event) => {
    if (loseLeftEvents && event.type === 'participant.left') return;
    const subscriptions = registry.matching(event.room.ownerClientId, event.type);
    if (subscriptions.length === 0) return;
    // One message per event (Standard Webhooks' model): every subscription gets the same id and bytes.
    const message = { id: `msg_${randomBase62(24)}`, type: event.type, body: JSON.stringify(toWebhookEvent(event, ctx)) };
    for (const subscription of subscriptions) dispatcher.dispatch(subscription, message);
  });

  return {
    counters: () => dispatcher.counters(),
    idle: () => dispatcher.idle(),
    close: async () => {
      unsubscribe();
      await dispatcher.close();
    },
  };
}
