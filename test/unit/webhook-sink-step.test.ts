import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/model/events.js';
import type { StepResult, WebhookSinkStepResult } from '../../src/model/result.js';
import type { StepContext } from '../../src/model/step.js';
import { loadBuiltinProfile } from '../../src/profile/load-profile.js';
import { createProfileClient } from '../../src/profile/profile-client.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import type { FaultName } from '../../src/reference/faults.js';
import { createReferenceServer } from '../../src/reference/server.js';
import { createEventBus } from '../../src/runner/event-bus.js';
import type { Target } from '../../src/target/target.js';
import { createWebhookSinkStep } from '../../src/webhook-delivery/webhook-sink-step.js';
import type { WebhookSinkStepOptions } from '../../src/webhook-delivery/options.js';

/**
 * The webhook-sink step on the real embedded reference server, started the
 * way a parallel group starts it: its setup, then its run while another step
 * (here a small driver that creates and closes rooms through the built-in
 * profile and announces each one on the bus, as the load step does) runs
 * beside it on the same bus. The runner itself runs steps one after another
 * today; the CLI e2e runs the sink in a `parallel:` group.
 */

const ROOMS = 10;
/** Retries faster than the default backoff: a redelivery within a short test. */
const FAST_RETRIES = { baseDelayMs: 20, maxDelayMs: 100 };

let runDir: string;
beforeAll(() => {
  runDir = mkdtempSync(join(tmpdir(), 'roomgate-sink-'));
});
afterAll(() => rmSync(runDir, { recursive: true, force: true }));

interface Alongside {
  result: WebhookSinkStepResult;
  events: RunEvent[];
}

/** Set the sink up, run it beside the room driver, tear it down; the driver's lifecycle events are what the runner would emit. */
async function runAlongside(faults: FaultName[], options: WebhookSinkStepOptions, driver: 'rooms' | 'nothing' = 'rooms'): Promise<Alongside> {
  const server = await createReferenceServer({ port: 0, faults, webhookDelivery: FAST_RETRIES });
  const bus = createEventBus();
  const events: RunEvent[] = [];
  bus.subscribe('record', (event) => events.push(event));
  let listeners = 0;
  const target: Target = { baseUrl: server.url, credentials: { ...LOCAL_CREDENTIALS }, embedded: true };
  const ctx: StepContext = {
    target,
    signal: new AbortController().signal,
    emit: bus.emit,
    runDir,
    subscribe: (listener) => bus.subscribe(`listener ${++listeners}`, listener),
  };
  const step = createWebhookSinkStep({ steps: ['driver'], ...options });
  try {
    await step.setup!(ctx);
    const running = step.run(ctx);
    if (driver === 'rooms') {
      // A room announced in the sink's first second is not expected (SUBSCRIPTION_SETTLE_MS); this one shows that.
      await announceTooSoon(bus.emit);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await driveRooms(target, bus.emit);
    }
    const result = await running;
    if (result.kind !== 'webhook-sink') throw new Error(`unexpected kind ${result.kind}`);
    return { result, events };
  } finally {
    await step.teardown?.(ctx);
    await server.close();
  }
}

/** A room announced right after the sink subscribed (its webhook may rightly never come). */
async function announceTooSoon(emit: (event: RunEvent) => void): Promise<void> {
  emit({ type: 'room', at: Date.now(), step: 'driver', event: 'created', roomId: 'rm_made_before_the_subscription' });
}

/** A stand-in for the load step: creates and closes rooms, announcing each as the load step does. */
async function driveRooms(target: Target, emit: (event: RunEvent) => void): Promise<void> {
  const client = createProfileClient(await loadBuiltinProfile(), {
    baseUrl: target.baseUrl,
    clientId: target.credentials.clientId,
    clientSecret: target.credentials.clientSecret,
    env: {},
  });
  const startedAt = Date.now();
  emit({ type: 'step-start', at: startedAt, step: 'driver', kind: 'load' });
  for (let n = 0; n < ROOMS; n++) {
    const { room } = await client.createRoom({ name: `sink-test-${n}` });
    emit({ type: 'room', at: Date.now(), step: 'driver', event: 'created', roomId: room.id, requestId: `req-${n}` });
    await client.closeRoom(room.id);
    emit({ type: 'room', at: Date.now(), step: 'driver', event: 'closed', roomId: room.id });
  }
  const now = new Date().toISOString();
  const result: StepResult = {
    name: 'driver',
    kind: 'load',
    status: 'passed',
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: now,
    durationMs: Date.now() - startedAt,
    checks: [],
    slos: [],
    artifacts: [],
  };
  emit({ type: 'step-end', at: Date.now(), step: 'driver', result });
}

describe('the webhook-sink step beside a step that creates and closes rooms (real reference server)', () => {
  it('passes on the clean server: every room event delivered, signed, fresh, with latency percentiles per event', async () => {
    const { result, events } = await runAlongside([], { deliveryBudgetMs: 5000 });
    expect(result.status, result.reason).toBe('passed');
    const summary = result.summary!;
    expect(summary.subscription).toMatchObject({ kind: 'api', signature: 'standard-webhooks', verified: true });
    expect(summary.watched).toEqual(['driver']);
    expect(summary.announcedBeforeSubscription).toBe(1);
    expect(summary.totals).toMatchObject({
      expected: 2 * ROOMS,
      delivered: 2 * ROOMS,
      missing: 0,
      late: 0,
      pending: 0,
      duplicates: 0,
      badSignatures: 0,
      staleTimestamps: 0,
    });
    expect(summary.totals.signaturesChecked).toBeGreaterThanOrEqual(2 * ROOMS);
    expect(summary.events['room_created']).toMatchObject({ expected: ROOMS, delivered: ROOMS, types: ['room.created'] });
    expect(summary.events['room_closed']?.latency.count).toBe(ROOMS);
    expect(result.slos.map((s) => [s.expression, s.status])).toEqual([
      ['webhooks_missing == 0', 'passed'],
      ['webhook_delivery.p99 < 5s', 'passed'],
      ['webhook_bad_signatures == 0', 'passed'],
      ['webhook_stale_timestamps == 0', 'passed'],
    ]);
    // Its verdicts went out on the bus as they were reached, like every step's.
    expect(events.filter((e) => e.type === 'slo' && e.step === 'webhook-sink')).toHaveLength(4);
    expect(summary.metrics.series.some((s) => s.metric === 'webhook_delivery')).toBe(true);
  });

  it('fails webhooks_missing == 0 under webhook-drop, naming the rooms whose events never came', async () => {
    const { result } = await runAlongside(['webhook-drop'], { deliveryBudgetMs: 2000, slos: ['webhooks_missing == 0'] });
    expect(result.status).toBe('failed');
    expect(result.slos[0]).toMatchObject({ expression: 'webhooks_missing == 0', status: 'failed' });
    const totals = result.summary!.totals;
    // Every fifth of the 2 × ROOMS messages is withheld by the fault.
    expect(totals.missing).toBe((2 * ROOMS) / 5);
    expect(totals.delivered).toBe(2 * ROOMS - totals.missing);
    expect(result.summary!.missingExamples[0]).toMatchObject({ step: 'driver' });
    expect(result.reason).toContain('webhooks_missing == 0');
  });

  it("counts the sender's retries of the deliveries it refuses as redeliveries, never as duplicates", async () => {
    const { result } = await runAlongside([], {
      deliveryBudgetMs: 5000,
      refuseEvery: 4,
      slos: ['webhooks_missing == 0', 'webhook_duplicates == 0', 'webhook_redeliveries > 0'],
    });
    expect(result.status, result.reason).toBe('passed');
    const totals = result.summary!.totals;
    expect(totals.refused).toBe((2 * ROOMS) / 4);
    expect(totals.redeliveries).toBe(totals.refused);
    expect(totals.duplicates).toBe(0);
  });

  it('with nothing running beside it, errors after its start timeout and says how to run it', async () => {
    const { result } = await runAlongside([], { startTimeoutMs: 300 }, 'nothing');
    expect(result.status).toBe('errored');
    expect(result.reason).toContain('no step started alongside the sink');
    expect(result.slos).toEqual([]);
  });
});
