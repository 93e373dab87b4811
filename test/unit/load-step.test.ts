import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createLoadStep, type LoadStepOptions, type LoadSummary } from '../../src/load/index.js';
import type { RunEvent } from '../../src/model/events.js';
import { loadBuiltinProfile } from '../../src/profile/load-profile.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import type { FaultName } from '../../src/reference/faults.js';
import { createReferenceServer } from '../../src/reference/server.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';

const servers: ReferenceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function run(options: LoadStepOptions, faults: FaultName[] = []) {
  const server = await createReferenceServer({ port: 0, faults });
  servers.push(server);
  const events: RunEvent[] = [];
  // These tests check counting and gating, not generator precision, so no share of late sends makes
  // them invalid: on a starved CI host (Chromium start-ups in the parallel files) 90 % of a 2 s soak's
  // sends came out more than 10 ms late. The late-send rule has its own test ("load step validity").
  const profile = await loadBuiltinProfile();
  const step = createLoadStep({ windowMs: 1000, roomPoolSize: 5, maxLateFraction: 1, profile, ...options });
  const result = await step.run({
    target: { baseUrl: server.url, credentials: { ...LOCAL_CREDENTIALS }, embedded: true, profile },
    signal: new AbortController().signal,
    emit: (e) => events.push(e),
    runDir: '/tmp',
  });
  return { result, summary: result.summary as unknown as LoadSummary, stats: server.stats(), events, server };
}

describe('load step', () => {
  it('soak: per-operation counts match the reference server’s own counters, and cleanup closes every room', async () => {
    // A generous latency SLO: this test is about counting; in the full parallel suite a starved host once measured p99 2.1 s.
    const { result, summary, stats, server } = await run({ mode: 'soak', rate: 150, durationMs: 2000, slos: ['p99 < 10s', 'dropped_sends == 0'] });
    expect(result.status, result.reason).toBe('passed');
    const ops = summary.operations;
    expect(ops['create_room']!.responses + summary.setup.roomsCreated).toBe(stats.requests['create_room']);
    expect(ops['get_room']!.responses).toBe(stats.requests['get_room']);
    expect(ops['delete_room']!.responses + ('deleted' in summary.cleanup ? summary.cleanup.deleted : 0)).toBe(stats.requests['delete_room']);
    expect(summary.totals.responses).toBe(300);
    expect(summary.schedule).toMatchObject({ scheduled: 300, sent: 300, dropped: 0 });
    expect(summary.cleanup).toMatchObject({ failed: 0, leftOver: 0 });
    expect(summary.totals.schemaChecked).toBeGreaterThan(0);
    expect(summary.totals.schemaViolations).toBe(0);
    // Every room of the run is closed, as the server itself sees it.
    expect(server.store.size).toBeGreaterThan(summary.setup.roomsCreated);
    const open = [
      ...server.store.list(LOCAL_CREDENTIALS.clientId, { status: 'waiting', limit: 100_000 }),
      ...server.store.list(LOCAL_CREDENTIALS.clientId, { status: 'active', limit: 100_000 }),
    ];
    expect(open).toEqual([]);
  });

  it('burst: counts match the server and autocannon’s own count', async () => {
    const { result, summary, stats } = await run({ mode: 'burst', connections: 4, requests: 200, slos: ['error_rate < 1%'] });
    expect(result.status, result.reason).toBe('passed');
    expect(summary.totals.responses).toBe(200);
    expect(summary.burst!.autocannonRequests).toBe(200);
    expect(summary.operations['get_room']!.responses).toBe(stats.requests['get_room']);
    expect(summary.operations['list_rooms']!.responses).toBe((stats.requests['list_rooms'] ?? 0) - countCleanupLists(summary));
  });

  it('burst over a fixed cycle (no creates or deletes): per-operation counts match the server, schema sampled', async () => {
    const { result, summary, stats } = await run({ mode: 'burst', connections: 4, requests: 300, mix: { get_room: 70, list_rooms: 5 }, schemaSampleRate: 0.1 });
    expect(result.status, result.reason).toBe('passed');
    expect(summary.totals.responses).toBe(300);
    expect(summary.burst!.autocannonRequests).toBe(300);
    expect(summary.operations['get_room']!.responses).toBe(stats.requests['get_room']);
    expect(summary.operations['list_rooms']!.responses).toBe((stats.requests['list_rooms'] ?? 0) - countCleanupLists(summary));
    // 14 gets to 1 list in the cycle, so both are present in about that ratio.
    expect(summary.operations['list_rooms']!.responses).toBeGreaterThan(0);
    expect(summary.totals.schemaChecked).toBe(30);
    expect(summary.totals.schemaViolations).toBe(0);
    expect(summary.operations['create_room']).toBeUndefined();
  });

  it('fails the latency gate on slow-create and passes it on the clean server', async () => {
    const slos = ['create_room.p50 < 300ms'];
    // Closed loop: the gate is about the target's latency, and a burst cannot be made
    // `invalid` by a starved test machine falling behind an open-loop schedule.
    const slow = await run({ mode: 'burst', connections: 4, requests: 100, slos }, ['slow-create']);
    expect(slow.result.status, slow.result.reason).toBe('failed');
    expect(slow.result.slos[0]).toMatchObject({ status: 'failed' });
    const clean = await run({ mode: 'burst', connections: 4, requests: 100, slos });
    expect(clean.result.status, clean.result.reason).toBe('passed');
  });

  it('fails the availability gate on server-errors and passes it on the clean server', async () => {
    const slos = ['availability >= 99.9%', 'error_rate < 0.1%'];
    const faulty = await run({ mode: 'burst', connections: 4, requests: 400, slos }, ['server-errors']);
    expect(faulty.result.status, faulty.result.reason).toBe('failed');
    expect(faulty.result.slos.map((v) => v.status)).toEqual(['failed', 'failed']);
    const clean = await run({ mode: 'burst', connections: 4, requests: 400, slos });
    expect(clean.result.status, clean.result.reason).toBe('passed');
  });

  it('stops early when an abort_on_fail threshold is breached after its grace period', async () => {
    const { result, summary } = await run(
      { mode: 'soak', rate: 20, durationMs: 30_000, roomPoolSize: 1, slos: [{ threshold: 'create_room.p50 < 300ms', abort_on_fail: true, grace: '1s' }] },
      ['slow-create'],
    );
    expect(result.status, result.reason).toBe('failed');
    expect(result.reason).toMatch(/stopped early: create_room\.p50 < 300ms/);
    expect(summary.abortedBy).toBe('create_room.p50 < 300ms');
    expect(summary.durationMs).toBeLessThan(15_000);
  });

  it('emits window and progress events while it runs', async () => {
    const { events } = await run({ mode: 'soak', rate: 50, durationMs: 2500 });
    const windows = events.filter((e) => e.type === 'window');
    expect(windows.length).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.type === 'progress')).toBe(true);
  });

  it('ramps a burst up in connection steps before the main phase', async () => {
    const { result, summary } = await run({ mode: 'burst', connections: 8, rampMs: 1500, durationMs: 1000 });
    expect(result.status, result.reason).toBe('passed');
    expect(summary.burst!.phases).toEqual([
      { connections: 2, durationMs: 500 },
      { connections: 4, durationMs: 500 },
      { connections: 6, durationMs: 500 },
      { connections: 8, durationMs: 1000 },
    ]);
    expect(summary.burst!.autocannonRequests).toBe(summary.totals.responses);
  });

  it('rejects an unknown metric in a threshold before running', async () => {
    const profile = await loadBuiltinProfile();
    expect(() => createLoadStep({ mode: 'soak', profile, slos: ['p99 < 1s', 'latensy.p99 < 1s'] })).toThrow(ConfigError);
  });

  it('rejects a late-send fraction outside 0..1 before running', () => {
    expect(() => createLoadStep({ mode: 'soak', maxLateFraction: 2 })).toThrow(/between 0 and 1/);
    expect(() => createLoadStep({ mode: 'soak', maxLateFraction: -0.1 })).toThrow(ConfigError);
    expect(() => createLoadStep({ mode: 'soak', maxLateFraction: 1 })).not.toThrow();
  });
});

function countCleanupLists(summary: LoadSummary): number {
  return 'listRequests' in summary.cleanup ? summary.cleanup.listRequests : 0;
}

describe('load step validity', () => {
  it('marks a soak whose generator fell behind its schedule invalid, never passed', async () => {
    const server = await createReferenceServer({ port: 0 });
    servers.push(server);
    // A late threshold of 1 µs: practically every send is "late", as on an overloaded generator.
    const profile = await loadBuiltinProfile();
    const step = createLoadStep({
      mode: 'soak',
      rate: 50,
      durationMs: 1000,
      windowMs: 1000,
      roomPoolSize: 2,
      lateThresholdMs: 0.001,
      slos: ['p99 < 5s'],
      profile,
    });
    const result = await step.run({
      target: { baseUrl: server.url, credentials: { ...LOCAL_CREDENTIALS }, embedded: true, profile },
      signal: new AbortController().signal,
      emit: () => {},
      runDir: '/tmp',
    });
    expect(result.status).toBe('invalid');
    expect(result.reason).toMatch(/fell behind its schedule/);
  });
});
