import { MetricsRegistry } from '../../src/metrics/registry.js';
import type { StepResult, WebhookSinkStepResult } from '../../src/model/result.js';
import type { Delivery } from '../../src/target/webhook-sink.js';
import { buildSinkSummary } from '../../src/webhook-delivery/build-sink-summary.js';
import { DeliveryLedger } from '../../src/webhook-delivery/delivery-ledger.js';

/**
 * A webhook-sink step result as the step builds it (its ledger, registry and
 * summary builder), from a scripted sequence: four rooms created and closed,
 * one room.closed never delivered, one room.created delivered twice under
 * the same webhook-id. `roomIdOfMissing` lets a test put hostile text where
 * a target's room id goes.
 */
export function webhookSinkResult(options: { roomIdOfMissing?: string } = {}): WebhookSinkStepResult {
  const t0 = 1_700_000_000_000;
  let now = t0;
  const registry = new MetricsRegistry({ windowMs: 1000, startedAtMs: t0, now: () => now });
  const ledger = new DeliveryLedger({
    registry,
    budgetMs: 5000,
    classify: (body) => {
      const parsed = JSON.parse(body) as { type: string; room: string };
      return { type: parsed.type, kind: parsed.type === 'room.created' ? 'created' : 'closed', roomId: parsed.room };
    },
  });
  const deliver = (id: string, type: string, room: string, atMs: number) => {
    const delivery: Delivery = { receivedAt: atMs, headers: { 'webhook-id': id }, body: JSON.stringify({ type, room }), answered: 204 };
    ledger.receive(delivery);
  };
  const rooms = ['rm_1', 'rm_2', 'rm_3', options.roomIdOfMissing ?? 'rm_4'];
  rooms.forEach((room, n) => {
    const at = t0 + n * 200;
    ledger.announce({ type: 'room', at, step: 'soak', event: 'created', roomId: room, requestId: `req-${n}` });
    deliver(`msg_c${n}`, 'room.created', room, at + 40 + n * 10);
    ledger.announce({ type: 'room', at: at + 100, step: 'soak', event: 'closed', roomId: room });
    if (n !== 3) deliver(`msg_x${n}`, 'room.closed', room, at + 100 + 1500);
  });
  deliver('msg_c0', 'room.created', 'rm_1', t0 + 900);
  now = t0 + 10_000;
  ledger.sweep(now);
  registry.finish(now);
  const pending = ledger.close();
  const summary = buildSinkSummary({
    registry,
    ledger,
    pending,
    subscription: { kind: 'api', url: 'http://127.0.0.1:1/roomgate-webhook-sink', signature: 'standard-webhooks', verified: false },
    watched: ['soak'],
    deliveryBudgetMs: 5000,
    announcedBeforeSubscription: 0,
    windows: [],
  });
  const at = new Date(t0).toISOString();
  return {
    name: 'webhooks-under-load',
    kind: 'webhook-sink',
    status: 'failed',
    reason: '1 of 2 SLOs not met: webhooks_missing == 0 (observed 1)',
    startedAt: at,
    finishedAt: new Date(now).toISOString(),
    durationMs: now - t0,
    checks: [],
    slos: [
      { expression: 'webhooks_missing == 0', metric: 'webhooks_missing', threshold: 0, unit: 'count', status: 'failed', observed: 1 },
      { expression: 'webhook_delivery.p99 < 5s', metric: 'webhook_delivery', threshold: 5000, unit: 'ms', status: 'passed', observed: 1510 },
    ],
    summary,
    artifacts: [],
  };
}

export function isSinkResult(result: StepResult): result is WebhookSinkStepResult {
  return result.kind === 'webhook-sink';
}
