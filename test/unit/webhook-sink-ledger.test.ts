import { request } from 'undici';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { resolveDeliveryPolicy } from '../../src/reference/webhooks/delivery-policy.js';
import { SubscriptionRegistry } from '../../src/reference/webhooks/subscription-registry.js';
import { WebhookDispatcher, type WebhookMessage } from '../../src/reference/webhooks/webhook-dispatcher.js';
import { WebhookSink } from '../../src/target/webhook-sink.js';
import { DELIVERY_COUNTERS as C, DELIVERY_SERIES } from '../../src/webhook-delivery/delivery-metrics.js';
import { DeliveryLedger, type ClassifiedPayload, type RoomEvent } from '../../src/webhook-delivery/delivery-ledger.js';
import { loadBuiltinProfile } from '../../src/profile/load-profile.js';
import { RoomApi } from '../../src/profile/room-api.js';
import { SignatureJudge } from '../../src/webhook-delivery/signature-judge.js';

/**
 * The sink's bookkeeping against real senders on loopback: the reference
 * server's dispatcher (real Standard Webhooks signing, real retries) and a
 * plain HTTP client that sends what a broken sender would. The ledger reads
 * every delivery the one WebhookSink receiver got; no network is mocked.
 */

const BUDGET_MS = 60_000;
const FAST = resolveDeliveryPolicy({ baseDelayMs: 20, maxDelayMs: 50, maxAttempts: 4, attemptTimeoutMs: 60_000 });

function payload(type: 'room.created' | 'room.closed', roomId: string): string {
  return JSON.stringify({ type, timestamp: new Date().toISOString(), data: { room: { room_id: roomId } } });
}

function message(id: string, type: 'room.created' | 'room.closed', roomId: string): WebhookMessage {
  return { id, type, body: payload(type, roomId) };
}

function room(event: 'created' | 'closed', roomId: string, at = Date.now()): RoomEvent {
  return { type: 'room', at, step: 'soak', event, roomId, requestId: `req-${roomId}` };
}

/** Payloads read as the step reads them: through the built-in VideoConnect profile's event pointers. */
const api = new RoomApi(await loadBuiltinProfile());
const classify = (body: string): ClassifiedPayload => api.webhookEventOf(JSON.parse(body));

describe('the webhook sink ledger, fed by real loopback senders', () => {
  const subscriptions = new SubscriptionRegistry(false);
  let sink: WebhookSink | undefined;
  let dispatcher: WebhookDispatcher | undefined;

  afterEach(async () => {
    await dispatcher?.close();
    await sink?.close();
    dispatcher = undefined;
    sink = undefined;
  });

  async function listen(ledger: () => DeliveryLedger, answer?: (delivery: { headers: Record<string, string> }) => number): Promise<WebhookSink> {
    sink = new WebhookSink({ keep: false, onDelivery: (d) => ledger().receive(d), ...(answer === undefined ? {} : { answer }) });
    await sink.start();
    return sink;
  }

  function setup(options: { judgeSecret?: string; toleranceMs?: number } = {}) {
    const registry = new MetricsRegistry();
    const ledger = new DeliveryLedger({ registry, budgetMs: BUDGET_MS, classify });
    if (options.judgeSecret !== undefined) ledger.useJudge(new SignatureJudge(options.judgeSecret, options.toleranceMs ?? 5 * 60_000));
    return { registry, ledger };
  }

  it('matches announced rooms with their deliveries, records the latency, and counts nothing else', async () => {
    const { registry, ledger } = setup();
    const receiver = await listen(() => ledger);
    const subscription = subscriptions.create('client-a', receiver.url, ['room.created', 'room.closed']);
    ledger.useJudge(new SignatureJudge(subscription.secret, 5 * 60_000));
    dispatcher = new WebhookDispatcher(FAST);
    ledger.announce(room('created', 'rm_a'));
    ledger.announce(room('closed', 'rm_a'));
    dispatcher.dispatch(subscription, message('msg_1', 'room.created', 'rm_a'));
    dispatcher.dispatch(subscription, message('msg_2', 'room.closed', 'rm_a'));
    await dispatcher.idle();
    ledger.sweep(Date.now());
    expect(ledger.outstanding).toBe(0);
    expect(registry.counter(C.expected)).toBe(2);
    expect(registry.counter(C.delivered)).toBe(2);
    expect(registry.counter(C.missing)).toBe(0);
    expect(registry.counter(C.signaturesChecked)).toBe(2);
    expect(registry.counter(C.badSignatures)).toBe(0);
    expect(registry.counter(C.duplicates)).toBe(0);
    expect(registry.summary(DELIVERY_SERIES, { operation: 'room_created' }).count).toBe(1);
    expect(registry.summary(DELIVERY_SERIES, { operation: 'room_closed' }).count).toBe(1);
    expect(ledger.types('room_created')).toEqual(['room.created']);
  });

  it('counts a message delivered again after the sink accepted it as a duplicate, once per extra delivery', async () => {
    const { registry, ledger } = setup();
    const receiver = await listen(() => ledger);
    const subscription = subscriptions.create('client-a', receiver.url, ['room.created']);
    dispatcher = new WebhookDispatcher(FAST);
    ledger.announce(room('created', 'rm_dup'));
    // The same message (same webhook-id) sent three times, as a sender that lost track of its acknowledgements would.
    for (let n = 0; n < 3; n++) dispatcher.dispatch(subscription, message('msg_dup', 'room.created', 'rm_dup'));
    await dispatcher.idle();
    expect(registry.counter(C.deliveries)).toBe(3);
    expect(registry.counter(C.duplicates, { operation: 'room_created' })).toBe(2);
    expect(registry.counter(C.delivered)).toBe(1);
    expect(registry.counter(C.redeliveries)).toBe(0);
  });

  it('counts the retry of a refused delivery as a redelivery, not a duplicate, and times it to the accepted attempt', async () => {
    const { registry, ledger } = setup();
    // The sink refuses the first attempt of each message: the dispatcher must retry it under the same webhook-id.
    const receiver = await listen(
      () => ledger,
      (d) => (ledger.hasSeen(d.headers['webhook-id'] ?? '') ? 204 : 503),
    );
    const subscription = subscriptions.create('client-a', receiver.url, ['room.closed']);
    dispatcher = new WebhookDispatcher(FAST);
    ledger.announce(room('closed', 'rm_retry'));
    dispatcher.dispatch(subscription, message('msg_retry', 'room.closed', 'rm_retry'));
    await dispatcher.idle();
    expect(registry.counter(C.deliveries)).toBe(2);
    expect(registry.counter(C.refused)).toBe(1);
    expect(registry.counter(C.redeliveries)).toBe(1);
    expect(registry.counter(C.duplicates)).toBe(0);
    expect(registry.counter(C.delivered)).toBe(1);
  });

  it("counts every delivery signed over the wrong content (the webhook-signature fault's signer) as a bad signature", async () => {
    const { registry, ledger } = setup();
    const receiver = await listen(() => ledger);
    const faulty = new SubscriptionRegistry(true).create('client-a', receiver.url, ['room.created']);
    ledger.useJudge(new SignatureJudge(faulty.secret, 5 * 60_000));
    dispatcher = new WebhookDispatcher(FAST);
    for (let n = 0; n < 3; n++) dispatcher.dispatch(faulty, message(`msg_sig${n}`, 'room.created', `rm_sig${n}`));
    await dispatcher.idle();
    expect(registry.counter(C.signaturesChecked)).toBe(3);
    expect(registry.counter(C.badSignatures)).toBe(3);
    expect(registry.counter(C.staleTimestamps)).toBe(0);
    expect(ledger.signatureProblems[0]).toMatchObject({ webhookId: 'msg_sig0', signature: 'invalid', timestamp: 'fresh' });
  });

  it('tells a stale timestamp from a bad signature: an old but correctly signed delivery is stale only; unsigned is missing', async () => {
    const secret = `whsec_${Buffer.from('a-test-signing-secret-24b').toString('base64')}`;
    const { registry, ledger } = setup({ judgeSecret: secret, toleranceMs: 60_000 });
    const receiver = await listen(() => ledger);
    const signer = new Webhook(secret);
    const send = async (headers: Record<string, string>, body: string) => {
      const response = await request(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      await response.body.dump();
    };
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    const oldBody = payload('room.created', 'rm_old');
    await send(
      {
        'webhook-id': 'msg_old',
        'webhook-timestamp': String(Math.floor(tenMinutesAgo.getTime() / 1000)),
        'webhook-signature': signer.sign('msg_old', tenMinutesAgo, oldBody),
      },
      oldBody,
    );
    await send({}, payload('room.created', 'rm_unsigned'));
    const now = new Date();
    const otherSecret = new Webhook(`whsec_${Buffer.from('another-secret-entirely!!').toString('base64')}`);
    const body = payload('room.created', 'rm_forged');
    await send(
      {
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': otherSecret.sign('msg_forged', now, body),
      },
      body,
    );
    expect(registry.counter(C.signaturesChecked)).toBe(3);
    expect(registry.counter(C.badSignatures)).toBe(2);
    expect(registry.counter(C.staleTimestamps)).toBe(2);
    expect(ledger.signatureProblems.map((p) => [p.signature, p.timestamp])).toEqual([
      ['valid', 'stale'],
      ['missing', 'missing'],
      ['invalid', 'fresh'],
    ]);
  });

  it('settles by the clock: an announced room without a webhook is missing after the budget, and one that comes later is late', async () => {
    const { registry, ledger } = setup();
    const receiver = await listen(() => ledger);
    const subscription = subscriptions.create('client-a', receiver.url, ['room.created']);
    dispatcher = new WebhookDispatcher(FAST);
    const at = Date.now();
    ledger.announce(room('created', 'rm_lost', at));
    ledger.sweep(at + BUDGET_MS - 1);
    expect(registry.counter(C.missing)).toBe(0);
    expect(ledger.outstanding).toBe(1);
    ledger.sweep(at + BUDGET_MS);
    expect(registry.counter(C.missing, { operation: 'room_created' })).toBe(1);
    expect(ledger.outstanding).toBe(0);
    expect(ledger.missingExamples).toEqual([
      { event: 'room_created', roomId: 'rm_lost', step: 'soak', announcedAt: new Date(at).toISOString(), requestId: 'req-rm_lost' },
    ]);
    dispatcher.dispatch(subscription, message('msg_lost', 'room.created', 'rm_lost'));
    await dispatcher.idle();
    expect(registry.counter(C.late)).toBe(1);
    expect(registry.counter(C.delivered)).toBe(0);
    // The late one is still a latency sample (outcome `failed`): leaving it out would flatter the percentiles.
    expect(registry.summary(DELIVERY_SERIES, { operation: 'room_created' }).count).toBe(1);
  });

  it('matches a webhook that arrives before its room is announced, and calls one no announcement claims unexpected', async () => {
    const { registry, ledger } = setup();
    const receiver = await listen(() => ledger);
    const subscription = subscriptions.create('client-a', receiver.url, ['room.created']);
    dispatcher = new WebhookDispatcher(FAST);
    dispatcher.dispatch(subscription, message('msg_early', 'room.created', 'rm_early'));
    dispatcher.dispatch(subscription, message('msg_stranger', 'room.created', 'rm_not_ours'));
    await dispatcher.idle();
    ledger.announce(room('created', 'rm_early'));
    expect(registry.counter(C.delivered)).toBe(1);
    expect(registry.counter(C.unexpected)).toBe(0);
    ledger.sweep(Date.now() + BUDGET_MS + 1);
    expect(registry.counter(C.unexpected)).toBe(1);
    expect(registry.counter(C.missing)).toBe(0);
  });

  it('reports what is still within its budget when the step stops as pending, neither delivered nor missing', () => {
    const { registry, ledger } = setup();
    ledger.announce(room('created', 'rm_1'));
    ledger.announce(room('closed', 'rm_1'));
    ledger.announce(room('closed', 'rm_2'));
    const pending = ledger.close();
    expect(Object.fromEntries(pending)).toEqual({ room_created: 1, room_closed: 2 });
    expect(registry.counter(C.missing)).toBe(0);
    expect(registry.counter(C.delivered)).toBe(0);
  });

  it('forgets the oldest webhook-ids beyond its cap, so memory stays bounded', async () => {
    const registry = new MetricsRegistry();
    const ledger = new DeliveryLedger({ registry, budgetMs: BUDGET_MS, classify, maxRememberedIds: 2 });
    const receiver = await listen(() => ledger);
    const subscription = subscriptions.create('client-a', receiver.url, ['room.created']);
    dispatcher = new WebhookDispatcher(FAST);
    for (const id of ['msg_a', 'msg_b', 'msg_c']) {
      dispatcher.dispatch(subscription, message(id, 'room.created', `rm_${id}`));
      await dispatcher.idle();
    }
    expect(ledger.hasSeen('msg_a')).toBe(false);
    expect(ledger.hasSeen('msg_b')).toBe(true);
    expect(ledger.hasSeen('msg_c')).toBe(true);
  });
});
