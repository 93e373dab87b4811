import { Webhook } from 'standardwebhooks';
import type { Evidence } from '../../model/evidence.js';
import { evidenceOf, expectStatus, fail, pass, skip, UnexpectedResponse } from '../check.js';
import { cite, defineCheck, type Citation } from '../check-definition.js';
import { webhookEvents } from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import { CONTRACT_DEFAULTS } from '../options.js';
import type { Exchange } from '../http/exchange.js';
import { eventTypeOf, WebhookSink, type Delivery } from '../../target/webhook-sink.js';

export interface WebhookCheckOptions {
  deliveryBudgetMs?: number;
  timestampToleranceSeconds?: number;
  expectParticipantEvents?: boolean;
}

/** Time allowed for the forced retry on top of the delivery budget (the sender's backoff). */
const RETRY_GRACE_MS = 5000;

const webhookCheck = (id: string, enforces: string, ...cites: Citation[]) =>
  defineCheck({ id, group: 'webhooks', enforces, cites, requires: [webhookEvents] });

export const WEBHOOK_CHECKS = {
  subscribe: webhookCheck('webhooks.subscribe', 'POST /v1/webhooks answers 201 with webhook_id and signing secret', cite.openapi('{createWebhook}/responses/201')),
  eventsDriven: webhookCheck(
    'webhooks.events-driven',
    'the API calls that cause room.created and room.closed succeed',
    cite.openapi('#/webhooks/room.created'),
    cite.openapi('#/webhooks/room.closed'),
  ),
  signatureValid: webhookCheck(
    'webhooks.signature-valid',
    'every delivery carries a valid Standard Webhooks signature with the subscription secret',
    cite.openapi('#/components/parameters/WebhookSignature'),
    cite.standard('Standard Webhooks'),
  ),
  timestampWithinTolerance: webhookCheck(
    'webhooks.timestamp-within-tolerance',
    'webhook-timestamp is within the tolerance of the receiver\'s clock',
    cite.openapi('#/components/parameters/WebhookTimestamp', 'reject stale ones'),
  ),
  payloadSchema: webhookCheck('webhooks.payload-schema', 'every payload is valid against the document\'s webhooks schema for its type', cite.openapi('#/webhooks')),
  roomCreatedOnce: webhookCheck(
    'webhooks.room-created-exactly-once',
    'room.created arrives exactly once after de-duplication by webhook-id',
    cite.openapi('#/webhooks/room.created'),
    cite.standard('Standard Webhooks (at-least-once, de-duplicate by webhook-id)'),
  ),
  roomClosedOnce: webhookCheck('webhooks.room-closed-exactly-once', 'room.closed arrives exactly once after de-duplication by webhook-id', cite.openapi('#/webhooks/room.closed')),
  idStableAcrossRetry: webhookCheck(
    'webhooks.id-stable-across-retry',
    'a refused delivery is retried with the same webhook-id',
    cite.openapi('#/webhooks/room.created/post/responses/2XX/description', 'with the same `webhook-id`'),
  ),
  arrivalWithinBudget: webhookCheck(
    'webhooks.arrival-within-budget',
    'deliveries arrive within the propagation budget (5 s) of the API call',
    cite.guide('docs/contract-gate.md', 'Contract gate', 'arrival < 5 s'),
  ),
  participantEvents: webhookCheck(
    'webhooks.participant-events',
    'participant.joined/left (checked by the browser step, which drives joins)',
    cite.openapi('#/webhooks/participant.joined'),
  ),
};

/** The exactly-once check of each event the gate drives. */
const EXACTLY_ONCE = { 'room.created': WEBHOOK_CHECKS.roomCreatedOnce, 'room.closed': WEBHOOK_CHECKS.roomClosedOnce } as const;

/**
 * Webhooks, end to end: subscribe a loopback sink, drive room.created and
 * room.closed through the API, and judge every delivery: Standard Webhooks
 * signature (verified with the `standardwebhooks` library), timestamp
 * tolerance, payload against the document's `webhooks` schemas, exactly-once
 * after de-duplication by webhook-id, a stable webhook-id across the retry the
 * sink forces (it answers 500 once), and arrival within the budget.
 */
export async function runWebhookChecks(ctx: GateContext, options: WebhookCheckOptions = {}): Promise<void> {
  const budgetMs = options.deliveryBudgetMs ?? CONTRACT_DEFAULTS.deliveryBudgetMs;
  const tolerance = options.timestampToleranceSeconds ?? CONTRACT_DEFAULTS.timestampToleranceSeconds;
  const sink = new WebhookSink();
  await sink.start();
  sink.failFirstAttemptOf('room.closed');
  let secret: string | undefined;
  let webhookId: string | undefined;
  let roomId: string | undefined;
  const sentAt: Record<string, number> = {};
  try {
    await ctx.check(WEBHOOK_CHECKS.subscribe, async () => {
      const exchange = await ctx.http.send({ method: 'POST', path: '/v1/webhooks', body: { url: sink.url, events: ['room.created', 'room.closed'] } });
      expectStatus(exchange, 201, 'POST /v1/webhooks');
      const body = exchange.json as { secret?: unknown; webhook_id?: unknown };
      if (typeof body.secret !== 'string' || typeof body.webhook_id !== 'string') {
        throw new UnexpectedResponse('the subscription has no secret or webhook_id', exchange, '{webhook_id, secret, …}');
      }
      secret = body.secret;
      webhookId = body.webhook_id;
      return pass(1);
    });
    if (secret === undefined) return;

    // Drive the events; the clock for the arrival budget starts when the API call is sent.
    let closed: Exchange | undefined;
    await ctx.check(WEBHOOK_CHECKS.eventsDriven, async () => {
      sentAt['room.created'] = Date.now();
      const created = await ctx.createRoom({ label: 'webhooks' });
      roomId = created.roomId;
      sentAt['room.closed'] = Date.now();
      closed = await ctx.http.send({ method: 'DELETE', path: `/v1/rooms/${encodeURIComponent(created.roomId)}` });
      ctx.createdRooms.delete(created.roomId);
      expectStatus(closed, 200, 'DELETE of the room whose events are expected');
      return pass(2);
    });
    if (roomId === undefined || closed === undefined) return;
    const id: string = roomId;
    const closeExchange: Exchange = closed;

    const mine = (type: string) =>
      sink.deliveries.filter((d) => eventTypeOf(d.body) === type && roomOf(d.body) === id);
    // Done when room.created arrived and room.closed arrived twice (the refused attempt and its retry).
    await sink.waitFor(
      () => mine('room.created').length >= 1 && mine('room.closed').filter((d) => d.answered < 300).length >= 1,
      Date.now() + budgetMs + RETRY_GRACE_MS,
      ctx.signal,
    );
    const deliveries = sink.deliveries.filter((d) => roomOf(d.body) === id);
    const verifier = new Webhook(secret);

    await ctx.check(WEBHOOK_CHECKS.signatureValid, async () => {
      if (deliveries.length === 0) return skip('no delivery arrived (see webhooks.*-exactly-once)');
      const bad = deliveries.filter((d) => !verifies(verifier, d));
      return bad.length === 0
        ? pass(deliveries.length)
        : fail(`${bad.length} of ${deliveries.length} deliveries have no valid Standard Webhooks signature`, bad.slice(0, 2).map((d) => deliveryEvidence(d, 'webhook-signature v1,<HMAC-SHA256 of id.timestamp.body with the subscription secret>')));
    });

    await ctx.check(WEBHOOK_CHECKS.timestampWithinTolerance, async () => {
      if (deliveries.length === 0) return skip('no delivery arrived');
      const bad = deliveries.filter((d) => {
        const ts = Number(d.headers['webhook-timestamp']);
        return !Number.isInteger(ts) || Math.abs(d.receivedAt / 1000 - ts) > tolerance;
      });
      return bad.length === 0
        ? pass(deliveries.length)
        : fail(`${bad.length} deliveries have a webhook-timestamp more than ${tolerance} s from the receiver's clock`, bad.slice(0, 2).map((d) => deliveryEvidence(d, `webhook-timestamp within ${tolerance} s of now`)));
    });

    await ctx.check(WEBHOOK_CHECKS.payloadSchema, async () => {
      if (deliveries.length === 0) return skip('no delivery arrived');
      const schemas = ctx.spec.webhookSchemas();
      const problems: { d: Delivery; message: string }[] = [];
      for (const d of deliveries) {
        const type = eventTypeOf(d.body);
        const schema = type === undefined ? undefined : schemas.get(type);
        if (schema === undefined) {
          problems.push({ d, message: `event type ${String(type)} is not in the document's webhooks section` });
          continue;
        }
        const errors = ctx.spec.validate(schema, JSON.parse(d.body));
        if (errors.length > 0) problems.push({ d, message: errors.join('; ') });
      }
      return problems.length === 0
        ? pass(deliveries.length)
        : fail(`${problems.length} payloads do not match the webhooks schema: ${problems[0]?.message ?? ''}`, problems.slice(0, 2).map((p) => deliveryEvidence(p.d, 'a payload valid against the webhooks schema', p.message)));
    });

    for (const type of ['room.created', 'room.closed'] as const) {
      await ctx.check(EXACTLY_ONCE[type], async () => {
        const seen = mine(type);
        const ids = new Set(seen.map((d) => d.headers['webhook-id']));
        if (ids.size !== 1) {
          return fail(`${type} for ${id} arrived as ${ids.size} distinct messages (${seen.length} deliveries) within ${budgetMs + RETRY_GRACE_MS} ms; expected exactly one after de-duplication by webhook-id`, [
            ...seen.slice(0, 2).map((d) => deliveryEvidence(d, `exactly one ${type} message`)),
            ...(type === 'room.closed' ? [evidenceOf(closeExchange, 'the API call that should cause it')] : []),
          ]);
        }
        return pass(seen.length);
      });
    }

    await ctx.check(WEBHOOK_CHECKS.idStableAcrossRetry, async () => {
      const attempts = mine('room.closed');
      const refused = attempts.find((d) => d.answered >= 500);
      if (refused === undefined) return skip('the sink never refused a room.closed delivery');
      const retries = attempts.filter((d) => d !== refused);
      if (retries.length === 0) return fail('after the sink answered 500 the delivery was never retried', [deliveryEvidence(refused, 'a retry with the same webhook-id')]);
      const changed = retries.filter((d) => d.headers['webhook-id'] !== refused.headers['webhook-id']);
      return changed.length === 0
        ? pass(attempts.length)
        : fail(`the retry carried webhook-id ${changed[0]?.headers['webhook-id'] ?? ''}, the refused attempt ${refused.headers['webhook-id'] ?? ''}`, [deliveryEvidence(refused, 'the refused attempt'), deliveryEvidence(changed[0] as Delivery, 'the same webhook-id')]);
    });

    await ctx.check(WEBHOOK_CHECKS.arrivalWithinBudget, async () => {
      const late: string[] = [];
      for (const type of ['room.created', 'room.closed']) {
        const first = mine(type)[0];
        const since = sentAt[type] ?? 0;
        if (first === undefined) late.push(`${type} never arrived`);
        else if (first.receivedAt - since > budgetMs) late.push(`${type} took ${first.receivedAt - since} ms`);
      }
      return late.length === 0 ? pass(2) : fail(`${late.join('; ')} (budget ${budgetMs} ms from the API call)`, []);
    });

    await ctx.check(WEBHOOK_CHECKS.participantEvents, async () =>
      options.expectParticipantEvents === true
        ? skip('participant events are checked by the step that drives the joins')
        : skip('participant.joined/left need a participant to join; the browser step checks them'));
  } finally {
    if (webhookId !== undefined) await ctx.http.send({ method: 'DELETE', path: `/v1/webhooks/${encodeURIComponent(webhookId)}` }).catch(() => undefined);
    await sink.close();
  }
}

function roomOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { data?: { room?: { room_id?: string } } }).data?.room?.room_id;
  } catch {
    return undefined;
  }
}

function verifies(verifier: Webhook, d: Delivery): boolean {
  try {
    // Timestamp tolerance is its own check; here only the signature is judged, so "now" is the delivery's own time.
    verifier.verify(d.body, {
      'webhook-id': d.headers['webhook-id'] ?? '',
      'webhook-timestamp': d.headers['webhook-timestamp'] ?? '',
      'webhook-signature': d.headers['webhook-signature'] ?? '',
    });
    return true;
  } catch {
    return false;
  }
}

function deliveryEvidence(d: Delivery, expected: string, actual?: string): Evidence {
  return {
    request: { method: 'POST', url: '(webhook sink)', headers: d.headers, body: d.body.slice(0, 2000) },
    expected,
    actual: actual ?? `delivery answered ${d.answered} by the sink`,
  };
}
