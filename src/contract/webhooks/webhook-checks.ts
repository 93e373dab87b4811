import { Webhook } from 'standardwebhooks';
import type { Evidence } from '../../model/evidence.js';
import { evidenceOf, expectStatus, fail, pass, skip, UnexpectedResponse } from '../check.js';
import { cite, defineCheck, type Citation } from '../check-definition.js';
import { standardWebhooks, webhookEvents, type Precondition } from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import { CONTRACT_DEFAULTS } from '../options.js';
import type { Exchange } from '../http/exchange.js';
import { WebhookSink, type Delivery } from '../../target/webhook-sink.js';
import type { WebhooksConfig } from '../../profile/types.js';
import { closeAnswers, roleSuccess } from '../checks/room-answers.js';

export interface WebhookCheckOptions {
  deliveryBudgetMs?: number;
  timestampToleranceSeconds?: number;
  expectParticipantEvents?: boolean;
}

/** Time allowed for the forced retry on top of the delivery budget (the sender's backoff). */
const RETRY_GRACE_MS = 5000;

const webhookCheck = (id: string, enforces: string, ...cites: Citation[]) => signedCheck(id, enforces, [], ...cites);
/** A webhook check that may need more, e.g. deliveries signed the Standard Webhooks way. */
const signedCheck = (id: string, enforces: string, more: Precondition[], ...cites: Citation[]) =>
  defineCheck({ id, group: 'webhooks', enforces, cites, requires: [webhookEvents, ...more] });

export const WEBHOOK_CHECKS = {
  subscribe: webhookCheck(
    'webhooks.subscribe',
    'subscribing a sink answers a declared success with the subscription id and, for signed deliveries, its signing secret',
    cite.openapi('{createWebhook}/responses'),
  ),
  eventsDriven: webhookCheck(
    'webhooks.events-driven',
    'the API calls that cause room.created and room.closed succeed',
    cite.openapi('#/webhooks/room.created'),
    cite.openapi('#/webhooks/room.closed'),
  ),
  signatureValid: signedCheck(
    'webhooks.signature-valid',
    'every delivery carries a valid Standard Webhooks signature with the subscription secret',
    [standardWebhooks],
    cite.openapi('#/components/parameters/WebhookSignature'),
    cite.standard('Standard Webhooks'),
  ),
  timestampWithinTolerance: signedCheck(
    'webhooks.timestamp-within-tolerance',
    "webhook-timestamp is within the tolerance of the receiver's clock",
    [standardWebhooks],
    cite.openapi('#/components/parameters/WebhookTimestamp', 'reject stale ones'),
  ),
  payloadSchema: webhookCheck(
    'webhooks.payload-schema',
    "every payload is valid against the document's webhooks schema for its type",
    cite.openapi('#/webhooks'),
  ),
  roomCreatedOnce: webhookCheck(
    'webhooks.room-created-exactly-once',
    'room.created arrives exactly once after de-duplication by webhook-id',
    cite.openapi('#/webhooks/room.created'),
    cite.standard('Standard Webhooks (at-least-once, de-duplicate by webhook-id)'),
  ),
  roomClosedOnce: webhookCheck(
    'webhooks.room-closed-exactly-once',
    'room.closed arrives exactly once after de-duplication by webhook-id',
    cite.openapi('#/webhooks/room.closed'),
  ),
  idStableAcrossRetry: signedCheck(
    'webhooks.id-stable-across-retry',
    'a refused delivery is retried with the same webhook-id',
    [standardWebhooks],
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

/** The exactly-once check of each room event the gate drives. */
const EXACTLY_ONCE = { created: WEBHOOK_CHECKS.roomCreatedOnce, closed: WEBHOOK_CHECKS.roomClosedOnce } as const;

/** A subscription the gate made (or found configured out of band): how deliveries are signed, how to undo it. */
interface Subscription {
  secret: string | undefined;
  /** The API's id of the subscription, when the gate subscribed through the API (unsubscribed at the end). */
  id: string | undefined;
}

/**
 * Webhooks, end to end, as the profile describes them: subscribe a loopback
 * sink through the profile's webhooks role (or listen where a subscription
 * configured out of band delivers), drive the room's creation and close
 * through the API, and judge every delivery: the Standard Webhooks signature
 * (verified with the `standardwebhooks` library) and timestamp tolerance where
 * the profile says deliveries are signed that way, the payload against the
 * document's `webhooks` schema for its type, exactly-once after
 * de-duplication, a stable webhook-id across the retry the sink forces (it
 * answers 500 once), and arrival within the budget. Event names and where the
 * payload names its type and room come from the profile.
 */
export async function runWebhookChecks(ctx: GateContext, options: WebhookCheckOptions = {}): Promise<void> {
  const webhooks = ctx.profile.rooms.webhooks;
  // Nothing to listen for: every check is skipped by its precondition, with the reason.
  if (webhooks === undefined || webhooks.events.created === undefined || webhooks.events.closed === undefined) {
    for (const check of Object.values(WEBHOOK_CHECKS)) await ctx.check(check, async () => skip('the target profile maps no webhooks'));
    return;
  }
  const budgetMs = options.deliveryBudgetMs ?? CONTRACT_DEFAULTS.deliveryBudgetMs;
  const tolerance = options.timestampToleranceSeconds ?? CONTRACT_DEFAULTS.timestampToleranceSeconds;
  const { api } = ctx;
  const eventOf = (body: string): { type?: string; kind?: string; roomId?: string } => {
    try {
      return api.webhookEventOf(JSON.parse(body) as unknown);
    } catch {
      return {};
    }
  };
  const sink = new WebhookSink();
  const listening = await listen(sink, webhooks);
  if (listening !== true) {
    for (const check of Object.values(WEBHOOK_CHECKS)) await ctx.check(check, async () => skip(listening));
    return;
  }
  sink.failFirstAttemptOf((body) => eventOf(body).kind === 'closed');
  let subscription: Subscription | undefined;
  let roomId: string | undefined;
  const sentAt: Partial<Record<'created' | 'closed', number>> = {};
  try {
    await ctx.check(WEBHOOK_CHECKS.subscribe, async () => {
      if (webhooks.kind === 'out-of-band') {
        subscription = { secret: webhooks.secretVar === undefined ? undefined : process.env[webhooks.secretVar], id: undefined };
        return skip(`subscriptions are configured out of band (rooms.webhooks.outOfBand); the gate listens at ${sink.url}`);
      }
      const request = api.subscribe(sink.url);
      const exchange = await ctx.send(request);
      expectStatus(exchange, roleSuccess(ctx.facts, 'createWebhook'), request.operationId);
      const { id, secret } = api.subscriptionOf(exchange.json);
      if (id === undefined)
        throw new UnexpectedResponse(`${request.operationId} answered no subscription id`, exchange, `the subscription's id at ${webhooks.subscribe.id}`);
      subscription = { id, secret };
      if (webhooks.signature === 'standard-webhooks' && secret === undefined) {
        return fail(`${request.operationId} answered no signing secret, though deliveries are signed (rooms.webhooks.signature)`, [
          evidenceOf(exchange, `the signing secret at ${webhooks.subscribe.secret ?? '(rooms.webhooks.subscribe.secret)'}`),
        ]);
      }
      return pass(1);
    });
    if (subscription === undefined) return;
    const secret = subscription.secret;

    // Drive the events; the clock for the arrival budget starts when the API call is sent.
    let closed: Exchange | undefined;
    await ctx.check(WEBHOOK_CHECKS.eventsDriven, async () => {
      sentAt.created = Date.now();
      const created = await ctx.createRoom({ label: 'webhooks' });
      roomId = created.roomId;
      sentAt.closed = Date.now();
      const request = api.close(created.roomId);
      closed = await ctx.send(request);
      ctx.createdRooms.delete(created.roomId);
      expectStatus(closed, closeAnswers(ctx.facts), `${request.operationId} of the room whose events are expected`);
      return pass(2);
    });
    if (roomId === undefined || closed === undefined) return;
    const id: string = roomId;
    const closeExchange: Exchange = closed;

    const mine = (kind: 'created' | 'closed') => sink.deliveries.filter((d) => eventOf(d.body).kind === kind && eventOf(d.body).roomId === id);
    // Done when the creation arrived and the close arrived answered (after the refused attempt, its retry).
    await sink.waitFor(
      () => mine('created').length >= 1 && mine('closed').filter((d) => d.answered < 300).length >= 1,
      Date.now() + budgetMs + RETRY_GRACE_MS,
      ctx.signal,
    );
    const deliveries = sink.deliveries.filter((d) => eventOf(d.body).roomId === id);

    await ctx.check(WEBHOOK_CHECKS.signatureValid, async () => {
      if (deliveries.length === 0) return skip('no delivery arrived (see webhooks.*-exactly-once)');
      if (secret === undefined) return skip('no signing secret is known (the subscription answered none, or the out-of-band secret variable is not set)');
      const verifier = new Webhook(secret);
      const bad = deliveries.filter((d) => !verifies(verifier, d));
      return bad.length === 0
        ? pass(deliveries.length)
        : fail(
            `${bad.length} of ${deliveries.length} deliveries have no valid Standard Webhooks signature`,
            bad.slice(0, 2).map((d) => deliveryEvidence(d, 'webhook-signature v1,<HMAC-SHA256 of id.timestamp.body with the subscription secret>')),
          );
    });

    await ctx.check(WEBHOOK_CHECKS.timestampWithinTolerance, async () => {
      if (deliveries.length === 0) return skip('no delivery arrived');
      const bad = deliveries.filter((d) => {
        const ts = Number(d.headers['webhook-timestamp']);
        return !Number.isInteger(ts) || Math.abs(d.receivedAt / 1000 - ts) > tolerance;
      });
      return bad.length === 0
        ? pass(deliveries.length)
        : fail(
            `${bad.length} deliveries have a webhook-timestamp more than ${tolerance} s from the receiver's clock`,
            bad.slice(0, 2).map((d) => deliveryEvidence(d, `webhook-timestamp within ${tolerance} s of now`)),
          );
    });

    await ctx.check(WEBHOOK_CHECKS.payloadSchema, async () => {
      if (deliveries.length === 0) return skip('no delivery arrived');
      const schemas = ctx.spec.webhookSchemas();
      if (schemas.size === 0) return skip('the OpenAPI document has no webhooks section to judge payloads by');
      const problems: { d: Delivery; message: string }[] = [];
      for (const d of deliveries) {
        const type = eventOf(d.body).type;
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
        : fail(
            `${problems.length} payloads do not match the webhooks schema: ${problems[0]?.message ?? ''}`,
            problems.slice(0, 2).map((p) => deliveryEvidence(p.d, 'a payload valid against the webhooks schema', p.message)),
          );
    });

    for (const kind of ['created', 'closed'] as const) {
      const type = webhooks.events[kind] ?? kind;
      await ctx.check(EXACTLY_ONCE[kind], async () => {
        const seen = mine(kind);
        // Standard Webhooks de-duplicates by webhook-id; unsigned deliveries may carry none, so by the payload itself.
        const ids = new Set(seen.map((d) => d.headers['webhook-id'] ?? d.body));
        if (ids.size !== 1) {
          return fail(
            `${type} for ${id} arrived as ${ids.size} distinct messages (${seen.length} deliveries) within ${budgetMs + RETRY_GRACE_MS} ms; expected exactly one after de-duplication by webhook-id`,
            [
              ...seen.slice(0, 2).map((d) => deliveryEvidence(d, `exactly one ${type} message`)),
              ...(kind === 'closed' ? [evidenceOf(closeExchange, 'the API call that should cause it')] : []),
            ],
          );
        }
        return pass(seen.length);
      });
    }

    await ctx.check(WEBHOOK_CHECKS.idStableAcrossRetry, async () => {
      const attempts = mine('closed');
      const refused = attempts.find((d) => d.answered >= 500);
      if (refused === undefined) return skip(`the sink never refused a ${webhooks.events.closed ?? 'close'} delivery`);
      const retries = attempts.filter((d) => d !== refused);
      if (retries.length === 0)
        return fail('after the sink answered 500 the delivery was never retried', [deliveryEvidence(refused, 'a retry with the same webhook-id')]);
      const changed = retries.filter((d) => d.headers['webhook-id'] !== refused.headers['webhook-id']);
      return changed.length === 0
        ? pass(attempts.length)
        : fail(`the retry carried webhook-id ${changed[0]?.headers['webhook-id'] ?? ''}, the refused attempt ${refused.headers['webhook-id'] ?? ''}`, [
            deliveryEvidence(refused, 'the refused attempt'),
            deliveryEvidence(changed[0] as Delivery, 'the same webhook-id'),
          ]);
    });

    await ctx.check(WEBHOOK_CHECKS.arrivalWithinBudget, async () => {
      const late: string[] = [];
      for (const kind of ['created', 'closed'] as const) {
        const first = mine(kind)[0];
        const since = sentAt[kind] ?? 0;
        const type = webhooks.events[kind] ?? kind;
        if (first === undefined) late.push(`${type} never arrived`);
        else if (first.receivedAt - since > budgetMs) late.push(`${type} took ${first.receivedAt - since} ms`);
      }
      return late.length === 0 ? pass(2) : fail(`${late.join('; ')} (budget ${budgetMs} ms from the API call)`, []);
    });

    await ctx.check(WEBHOOK_CHECKS.participantEvents, async () =>
      options.expectParticipantEvents === true
        ? skip('participant events are checked by the step that drives the joins')
        : skip('participant.joined/left need a participant to join; the browser step checks them'),
    );
  } finally {
    if (subscription?.id !== undefined && webhooks.kind === 'api' && webhooks.unsubscribe !== undefined) {
      await ctx.send(api.unsubscribe(subscription.id)).catch(() => undefined);
    }
    await sink.close();
  }
}

/**
 * Start the sink where deliveries will come: a free loopback port for a
 * subscription the gate makes; for one configured out of band, the port of
 * the URL its environment variable names (loopback only: the gate listens on
 * nothing else). A string is why it cannot listen.
 */
async function listen(sink: WebhookSink, webhooks: WebhooksConfig): Promise<true | string> {
  if (webhooks.kind === 'api') {
    await sink.start();
    return true;
  }
  const configured = process.env[webhooks.urlVar];
  if (configured === undefined || configured === '')
    return `webhooks are configured out of band, but ${webhooks.urlVar} (the sink URL the vendor delivers to) is not set`;
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    return `${webhooks.urlVar} is not a URL: ${configured}`;
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.port === '') {
    return `${webhooks.urlVar} (${configured}) is not a loopback URL with a port; the gate listens only on 127.0.0.1 (forward the vendor's deliveries there)`;
  }
  await sink.start(Number(url.port));
  return true;
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
