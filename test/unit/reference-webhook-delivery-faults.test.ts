import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultSet } from '../../src/reference/faults.js';
import { deliveryFaults, FAULT_DELAY_MS, NO_DELIVERY_FAULTS, WITHHELD_EVERY } from '../../src/reference/webhooks/delivery-faults.js';
import { resolveDeliveryPolicy } from '../../src/reference/webhooks/delivery-policy.js';
import { SubscriptionRegistry } from '../../src/reference/webhooks/subscription-registry.js';
import { WebhookDispatcher, type WebhookMessage } from '../../src/reference/webhooks/webhook-dispatcher.js';
import { WebhookSink } from '../helpers/webhook-sink.js';

const FAST = resolveDeliveryPolicy({ baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 4, attemptTimeoutMs: 60_000 });

function message(n: number): WebhookMessage {
  return { id: `msg_fault${n}`, type: 'room.created', body: JSON.stringify({ type: 'room.created', data: { room: { room_id: `rm_${n}` } } }) };
}

describe("the reference server's webhook delivery faults", () => {
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

  it('maps webhook-drop and webhook-delay to the dispatcher, and a clean server to neither', () => {
    expect(deliveryFaults(new FaultSet())).toEqual(NO_DELIVERY_FAULTS);
    expect(deliveryFaults(new FaultSet(['webhook-drop']))).toEqual({ withholdEvery: WITHHELD_EVERY, firstAttemptDelayMs: 0 });
    expect(deliveryFaults(new FaultSet(['webhook-delay']))).toEqual({ withholdEvery: 0, firstAttemptDelayMs: FAULT_DELAY_MS });
  });

  it('webhook-drop: every fifth delivery is never attempted, and never retried', async () => {
    const subscription = registry.create('client-a', sink.url(), ['room.created']);
    dispatcher = new WebhookDispatcher(FAST, Math.random, { withholdEvery: 5, firstAttemptDelayMs: 0 });
    for (let n = 1; n <= 10; n++) dispatcher.dispatch(subscription, message(n));
    await dispatcher.idle();
    const ids = sink.at('/hook').map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(8);
    expect(ids).not.toContain('msg_fault5');
    expect(ids).not.toContain('msg_fault10');
    expect(dispatcher.counters()).toMatchObject({ enqueued: 8, delivered: 8, withheld: 2, attempts: 8 });
  });

  it('webhook-delay: the first attempt waits the delay, then the delivery goes out once', async () => {
    const subscription = registry.create('client-a', sink.url(), ['room.created']);
    dispatcher = new WebhookDispatcher(FAST, Math.random, { withholdEvery: 0, firstAttemptDelayMs: 300 });
    const dispatchedAt = Date.now();
    dispatcher.dispatch(subscription, message(1));
    expect(sink.received).toHaveLength(0);
    await dispatcher.idle();
    const [received] = sink.at('/hook');
    // A lower bound only: a timer never fires before its delay.
    expect(received!.atMs - dispatchedAt).toBeGreaterThanOrEqual(295);
    expect(dispatcher.counters()).toMatchObject({ enqueued: 1, attempts: 1, delivered: 1, withheld: 0 });
  });

  it('webhook-delay: a delivery still held back when the server closes counts as dropped and is never sent', async () => {
    const subscription = registry.create('client-a', sink.url(), ['room.created']);
    dispatcher = new WebhookDispatcher(FAST, Math.random, { withholdEvery: 0, firstAttemptDelayMs: 200 });
    dispatcher.dispatch(subscription, message(1));
    await dispatcher.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.received).toHaveLength(0);
    expect(dispatcher.counters().dropped).toBe(1);
  });
});
