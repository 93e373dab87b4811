import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { ArrivalSchedule } from '../../src/load/arrival-schedule.js';
import { OpenLoopScheduler, type PreparedRequest } from '../../src/load/open-loop.js';
import { MetricsRegistry } from '../../src/metrics/index.js';
import { closeServers, GET, listen, recordingObserver } from '../helpers/open-loop-fixtures.js';

afterEach(closeServers);

describe('arrival schedule', () => {
  it('spaces constant-rate arrivals exactly and counts them without drift', () => {
    const schedule = new ArrivalSchedule([{ durationMs: 10_000, fromRate: 1000, toRate: 1000 }]);
    let count = 0;
    let last = 0;
    for (let t = schedule.next(); t !== undefined; t = schedule.next()) {
      count++;
      last = t;
    }
    expect(count).toBe(10_000);
    expect(last).toBeCloseTo(9999, 6);
  });

  it('ramps linearly: a 0→100/s ramp over 2 s then 100/s for 1 s sends about 200 arrivals', () => {
    const schedule = new ArrivalSchedule([
      { durationMs: 2000, fromRate: 0, toRate: 100 },
      { durationMs: 1000, fromRate: 100, toRate: 100 },
    ]);
    const times: number[] = [];
    for (let t = schedule.next(); t !== undefined; t = schedule.next()) times.push(t);
    expect(schedule.expectedArrivals).toBe(200);
    expect(Math.abs(times.length - 200)).toBeLessThanOrEqual(2);
    // Half of the ramp's 100 arrivals fall in its last quarter-ish: arrivals accelerate.
    expect(times.filter((t) => t < 1000).length).toBeLessThan(times.filter((t) => t >= 1000 && t < 2000).length);
    expect(schedule.rateAt(1000)).toBe(50);
  });
});

describe('open-loop scheduler', () => {
  it('sends every scheduled request and measures each one', async () => {
    const origin = await listen((_req, res) => res.end('ok'));
    const registry = new MetricsRegistry();
    const observer = recordingObserver(registry);
    const scheduler = new OpenLoopScheduler({
      origin,
      connections: 4,
      schedule: new ArrivalSchedule([{ durationMs: 1000, fromRate: 300, toRate: 300 }]),
      maxInFlight: 1000,
      lateThresholdMs: 1000,
      requestTimeoutMs: 5000,
      nextRequest: () => GET,
      observer,
    });
    const outcome = await scheduler.run();
    expect(outcome).toMatchObject({ scheduled: 300, sent: 300, completed: 300, dropped: 0, inFlight: 0, interrupted: false });
    expect(observer.statuses.every((s) => s === 200)).toBe(true);
    expect(registry.summary('latency').count).toBe(300);
  });

  it('drops arrivals beyond the in-flight cap instead of waiting for the server', async () => {
    const origin = await listen((_req, res) => setTimeout(() => res.end('slow'), 400));
    const registry = new MetricsRegistry();
    const scheduler = new OpenLoopScheduler({
      origin,
      connections: 4,
      schedule: new ArrivalSchedule([{ durationMs: 500, fromRate: 100, toRate: 100 }]),
      maxInFlight: 10,
      lateThresholdMs: 1000,
      requestTimeoutMs: 5000,
      nextRequest: () => GET,
      observer: recordingObserver(registry),
    });
    const outcome = await scheduler.run();
    expect(outcome.scheduled).toBe(50);
    expect(outcome.dropped).toBeGreaterThan(20);
    expect(outcome.sent + outcome.dropped).toBe(50);
    expect(registry.counter('dropped_sends')).toBe(outcome.dropped);
  });

  it('stops on abort, drains in-flight requests and reports interrupted', async () => {
    const origin = await listen((_req, res) => setTimeout(() => res.end('ok'), 50));
    const controller = new AbortController();
    const scheduler = new OpenLoopScheduler({
      origin,
      connections: 8,
      schedule: new ArrivalSchedule([{ durationMs: 60_000, fromRate: 100, toRate: 100 }]),
      maxInFlight: 1000,
      lateThresholdMs: 1000,
      requestTimeoutMs: 5000,
      nextRequest: () => GET,
      observer: recordingObserver(new MetricsRegistry()),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 300);
    const outcome = await scheduler.run();
    expect(outcome.interrupted).toBe(true);
    expect(outcome.inFlight).toBe(0);
    expect(outcome.completed).toBe(outcome.sent);
    expect(outcome.scheduled).toBeLessThan(200);
  });
});
