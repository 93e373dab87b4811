import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveDeliveryPolicy, type WebhookDeliveryPolicy } from '../../src/reference/webhooks/delivery-policy.js';
import { SubscriptionRegistry } from '../../src/reference/webhooks/subscription-registry.js';
import { WebhookDispatcher, type WebhookMessage } from '../../src/reference/webhooks/webhook-dispatcher.js';
import { WebhookSink } from '../helpers/webhook-sink.js';

const FAST: Partial<WebhookDeliveryPolicy> = { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 4, attemptTimeoutMs: 1000 };

function message(n = 1): WebhookMessage {
  return {
    id: `msg_test${n}`,
    type: 'room.created',
    body: JSON.stringify({ type: 'room.created', timestamp: new Date().toISOString(), data: { room: { room_id: `rm_${n}` } } }),
  };
}

describe('webhook dispatcher (real loopback receiver)', () => {
  let sink: WebhookSink;
  let dispatcher: WebhookDispatcher | undefined;
  const registry = new SubscriptionRegistry(false);

  beforeEach(async () => {
    sink = await WebhookSink.start();
  });
  afterEach(async () => {
    await dispatcher?.close();
    dispatcher = undefined;
    await sink.close();
  });

  function start(policy: Partial<WebhookDeliveryPolicy> = FAST): WebhookDispatcher {
    dispatcher = new WebhookDispatcher(resolveDeliveryPolicy(policy));
    return dispatcher;
  }

  it('delivers a signed message that the standardwebhooks package verifies', async () => {
    const subscription = registry.create('client-a', sink.url(), ['room.created']);
    const d = start();
    const sent = message();
    d.dispatch(subscription, sent);
    await d.idle();
    const [received] = sink.at('/hook');
    expect(received?.body).toBe(sent.body);
    expect(received?.headers['webhook-id']).toBe(sent.id);
    expect(received?.headers['content-type']).toBe('application/json');
    const verified = new Webhook(subscription.secret).verify(received!.body, received!.headers as Record<string, string>);
    expect(verified).toEqual(JSON.parse(sent.body));
    expect(d.counters()).toMatchObject({ enqueued: 1, attempts: 1, delivered: 1, failedAttempts: 0, gaveUp: 0 });
  });

  it('redelivers after a 500 with the same webhook-id and a fresh, valid signature', async () => {
    sink.respondWith(({ index }) => ({ status: index === 0 ? 500 : 200 }));
    const subscription = registry.create('client-a', sink.url(), ['room.created']);
    const d = start();
    d.dispatch(subscription, message(2));
    await d.idle();
    const attempts = sink.at('/hook');
    expect(attempts.map((a) => a.answered)).toEqual([500, 200]);
    expect(new Set(attempts.map((a) => a.headers['webhook-id']))).toEqual(new Set(['msg_test2']));
    for (const attempt of attempts) {
      expect(() => new Webhook(subscription.secret).verify(attempt.body, attempt.headers as Record<string, string>)).not.toThrow();
    }
    expect(d.counters()).toMatchObject({ attempts: 2, delivered: 1, failedAttempts: 1, gaveUp: 0 });
  });

  it('treats a 302 as a failed attempt and never follows its Location', async () => {
    sink.respondWith(({ path, index }) => (path === '/hook' && index === 0 ? { status: 302, headers: { location: sink.url('/elsewhere') } } : { status: 204 }));
    const subscription = registry.create('client-a', sink.url(), ['room.created']);
    const d = start();
    d.dispatch(subscription, message(3));
    await d.idle();
    expect(sink.at('/elsewhere')).toHaveLength(0);
    expect(sink.at('/hook').map((a) => a.answered)).toEqual([302, 204]);
    expect(d.counters()).toMatchObject({ attempts: 2, delivered: 1, failedAttempts: 1 });
  });

  it('gives up after maxAttempts failed attempts and then stops', async () => {
    sink.respondWith(() => ({ status: 503 }));
    const subscription = registry.create('client-a', sink.url(), ['room.created']);
    const d = start();
    d.dispatch(subscription, message(4));
    await d.idle();
    expect(sink.at('/hook')).toHaveLength(4);
    expect(d.counters()).toMatchObject({ attempts: 4, delivered: 0, failedAttempts: 4, gaveUp: 1 });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(sink.at('/hook')).toHaveLength(4);
  });

  it('counts a receiver that does not answer in time as a failed attempt and retries it', async () => {
    // The first request is held without an answer past the attempt timeout; the retry is answered.
    const held: Array<() => void> = [];
    sink.respondWith(({ index }) => ({ status: index === 0 ? 200 : 204 }));
    const slow = await import('node:http').then(({ createServer }) =>
      createServer((request, response) => {
        if (held.length === 0) held.push(() => response.destroy());
        else response.writeHead(204).end();
        request.resume();
      }),
    );
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const port = (slow.address() as import('node:net').AddressInfo).port;
    const subscription = registry.create('client-a', `http://127.0.0.1:${port}/slow`, ['room.created']);
    const d = start({ ...FAST, attemptTimeoutMs: 200 });
    const started = Date.now();
    d.dispatch(subscription, message(5));
    await d.idle();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(d.counters()).toMatchObject({ attempts: 2, delivered: 1, failedAttempts: 1 });
    for (const release of held) release();
    slow.closeAllConnections();
    await new Promise((resolve) => slow.close(resolve));
  });

  it('retries a refused connection', async () => {
    const port = Number(new URL(sink.url()).port);
    await sink.close();
    const subscription = registry.create('client-a', `http://127.0.0.1:${port}/gone`, ['room.created']);
    const d = start({ ...FAST, maxAttempts: 3 });
    d.dispatch(subscription, message(6));
    await d.idle();
    expect(d.counters()).toMatchObject({ attempts: 3, delivered: 0, failedAttempts: 3, gaveUp: 1 });
    sink = await WebhookSink.start();
  });

  it('never attempts a delivery to a non-loopback host unless allowed', async () => {
    const subscription = registry.create('client-a', 'http://example.invalid/hook', ['room.created']);
    const d = start();
    d.dispatch(subscription, message(7));
    await d.idle();
    expect(d.counters()).toMatchObject({ blocked: 1, enqueued: 0, attempts: 0 });
  });

  it('cancels pending retries of a deleted subscription', async () => {
    sink.respondWith(() => ({ status: 500 }));
    const subscription = registry.create('client-a', sink.url(), ['room.created']);
    const d = start({ ...FAST, baseDelayMs: 200, maxDelayMs: 200, maxAttempts: 8 });
    d.dispatch(subscription, message(8));
    await sink.waitFor(() => sink.at('/hook').length === 1);
    expect(registry.remove('client-a', subscription.id)).toBe(true);
    await d.idle();
    expect(sink.at('/hook')).toHaveLength(1);
    expect(d.counters()).toMatchObject({ attempts: 1, cancelled: 1, gaveUp: 0 });
  });

  it('stops its retry timers on close, so nothing is sent afterwards', async () => {
    sink.respondWith(() => ({ status: 500 }));
    const subscription = registry.create('client-a', sink.url(), ['room.created']);
    const d = start({ ...FAST, baseDelayMs: 150, maxDelayMs: 150, maxAttempts: 8 });
    d.dispatch(subscription, message(9));
    await sink.waitFor(() => sink.at('/hook').length === 1);
    await d.close();
    await d.idle();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.at('/hook')).toHaveLength(1);
    expect(d.counters().dropped).toBe(1);
  });

  it('does not make the caller wait for the receiver', async () => {
    sink.respondWith(() => ({ status: 200 }));
    const subscription = registry.create('client-a', sink.url(), ['room.created']);
    // A 1 s attempt timeout (FAST) retries deliveries a starved CI host answers late, and the
    // duplicates (at-least-once, correctly) would break the exact count this test is not about.
    const d = start({ ...FAST, attemptTimeoutMs: 60_000 });
    // dispatch() returns nothing to await, and nothing has arrived when the 200 calls return:
    // the caller never waits for the receiver (a proof by order, not by a time bound).
    for (let n = 0; n < 200; n++) expect(d.dispatch(subscription, message(100 + n))).toBeUndefined();
    expect(sink.received).toHaveLength(0);
    await d.idle();
    expect(sink.at('/hook')).toHaveLength(200);
    expect(d.counters()).toMatchObject({ enqueued: 200, delivered: 200 });
  });
});
