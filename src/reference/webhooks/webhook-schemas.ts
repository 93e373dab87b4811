import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../target/api-types.js';

/** Request schemas of the webhook routes; the same bounds as the OpenAPI document. */

export const createWebhookSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'events'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2048, format: 'uri', pattern: '^https?://' },
    events: { type: 'array', minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true, items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] } },
  },
} as const;

export const webhookParamsSchema = {
  type: 'object',
  required: ['webhook_id'],
  properties: { webhook_id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export interface CreateWebhookBody {
  url: string;
  events: WebhookEventType[];
}
