import type { FastifyInstance } from 'fastify';
import type { ReferenceContext, ReferencePart } from '../context.js';

/**
 * Webhook subscriptions (`/v1/webhooks`) and signed, at-least-once delivery of
 * room events. Placeholder until the webhooks part lands.
 */
export function registerWebhooks(_app: FastifyInstance, _ctx: ReferenceContext): ReferencePart {
  return { close: async () => {} };
}
