import type { FastifyInstance } from 'fastify';
import type { CreatedWebhookSubscription, DeleteRoomResponse, WebhookSubscription } from '../../target/api-types.js';
import { clientOf } from '../auth/auth-hooks.js';
import { ApiProblem } from '../http/api-problem.js';
import { type SubscriptionRegistry, toSubscriptionRepresentation } from './subscription-registry.js';
import { type CreateWebhookBody, createWebhookSchema, webhookParamsSchema } from './webhook-schemas.js';

interface WebhookParams {
  webhook_id: string;
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

export interface WebhookRouteOptions {
  /** The `webhook-delete-unknown-ok` fault: deleting a subscription the caller does not have answers 200 (nothing is removed). */
  deleteUnknownOk?: boolean;
  /** The `cross-client-webhook-delete` fault: deleting another client's subscription removes it (200). */
  deleteAnyOwners?: boolean;
}

/** `POST/GET /v1/webhooks`, `DELETE /v1/webhooks/{webhook_id}`, scoped to the calling client. */
export function registerWebhookRoutes(app: FastifyInstance, registry: SubscriptionRegistry, options: WebhookRouteOptions = {}): void {
  const deleteUnknownOk = options.deleteUnknownOk === true;
  const deleteAnyOwners = options.deleteAnyOwners === true;
  app.post<{ Body: CreateWebhookBody }>('/v1/webhooks', { schema: { body: createWebhookSchema } }, async (request, reply) => {
    const { url, events } = request.body;
    if (!isHttpUrl(url)) {
      throw new ApiProblem(400, 'invalid_request', `The field "url" must be an absolute http:// or https:// URL; got "${url.slice(0, 100)}".`);
    }
    const subscription = registry.create(clientOf(request), url, events);
    const body: CreatedWebhookSubscription = { ...toSubscriptionRepresentation(subscription), secret: subscription.secret };
    return reply.code(201).send(body);
  });

  app.get('/v1/webhooks', async (request) => {
    const data: WebhookSubscription[] = registry.list(clientOf(request)).map(toSubscriptionRepresentation);
    return { data };
  });

  app.delete<{ Params: WebhookParams }>('/v1/webhooks/:webhook_id', { schema: { params: webhookParamsSchema } }, async (request) => {
    const id = request.params.webhook_id;
    if (!registry.remove(clientOf(request), id, deleteAnyOwners) && !deleteUnknownOk) {
      throw new ApiProblem(404, 'webhook_not_found', `No webhook subscription with id ${id} exists.`);
    }
    const body: DeleteRoomResponse = { message: `Webhook subscription ${id} has been deleted.` };
    return body;
  });
}
