import { afterEach, describe, expect, it } from 'vitest';
import { ArrivalSchedule } from '../../src/load/arrival-schedule.js';
import { OpenLoopScheduler, type OpenLoopObserver, type PreparedRequest } from '../../src/load/open-loop.js';
import type { TransportErrorKind } from '../../src/http/transport-error.js';
import { closeServers, GET, listen } from '../helpers/open-loop-fixtures.js';

afterEach(closeServers);

/** Everything the scheduler reported, in order. */
function journal() {
  const entries: { what: 'response' | 'failure' | 'send'; status?: number; kind?: TransportErrorKind; retrying?: boolean; bytes?: number }[] = [];
  const observer: OpenLoopObserver = {
    response: (_req, status, _c, _s, body) => void entries.push({ what: 'response', status, ...(body === undefined ? {} : { bytes: body.length }) }),
    failure: (_req, kind, _c, retrying) => void entries.push({ what: 'failure', kind, retrying }),
    late: () => undefined,
    dropped: () => undefined,
  };
  return { entries, observer };
}

function once(origin: string, request: PreparedRequest, options: { requestTimeoutMs?: number; maxBodyBytes?: number; observer: OpenLoopObserver }) {
  return new OpenLoopScheduler({
    origin,
    connections: 1,
    schedule: new ArrivalSchedule([{ durationMs: 100, fromRate: 10, toRate: 10 }]),
    maxInFlight: 10,
    lateThresholdMs: 1000,
    requestTimeoutMs: options.requestTimeoutMs ?? 5000,
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    nextRequest: () => request,
    observer: options.observer,
  });
}

describe('open-loop exchanges are bounded', () => {
  it('cuts a body past the cap and reports the answer as malformed, kept or not', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let written = 0;
    const origin = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // 50 MB, streamed with backpressure; stops when the client goes away.
      const pump = () => {
        while (written < 50 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    for (const wantBody of [true, false]) {
      const { entries, observer } = journal();
      const outcome = await once(origin, { ...GET, wantBody }, { maxBodyBytes: 256 * 1024, observer }).run();
      expect(entries).toEqual([{ what: 'failure', kind: 'malformed', retrying: false }]);
      expect(outcome.completed).toBe(1);
    }
    expect(written).toBeLessThan(50 * 1024 * 1024);
  });

  it('ends a response that drips within every per-chunk timeout at the whole-request deadline', async () => {
    const timers = new Set<NodeJS.Timeout>();
    const origin = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 100);
      timers.add(timer);
    });
    const { entries, observer } = journal();
    await once(origin, GET, { requestTimeoutMs: 800, observer }).run();
    for (const timer of timers) clearInterval(timer);
    expect(entries).toEqual([{ what: 'failure', kind: 'timeout', retrying: false }]);
  });

  it('sends a request whose answer was lost again, with the same headers, while it has retries left', async () => {
    const seen: string[] = [];
    const origin = await listen((req, res) => {
      seen.push(String(req.headers['idempotency-key']));
      // The first attempt is processed, then its connection is reset before any answer: a lost response.
      if (seen.length === 1) return void req.socket.destroy();
      res.end('{}');
    });
    const { entries, observer } = journal();
    const outcome = await once(origin, { ...GET, method: 'POST', headers: { 'idempotency-key': 'k-1' }, body: '{}', retriesLeft: 2 }, { observer }).run();
    expect(entries.map((e) => (e.what === 'failure' ? `${e.kind}${e.retrying === true ? ' (retrying)' : ''}` : String(e.status)))).toEqual([
      'reset (retrying)',
      '200',
    ]);
    expect(seen).toEqual(['k-1', 'k-1']);
    expect(outcome).toMatchObject({ sent: 1, retries: 1, completed: 1, inFlight: 0 });
  });

  it('does not repeat a request without retries', async () => {
    let requests = 0;
    const origin = await listen((req) => {
      requests += 1;
      req.socket.destroy();
    });
    const { entries, observer } = journal();
    await once(origin, GET, { observer }).run();
    expect(entries).toEqual([{ what: 'failure', kind: 'reset', retrying: false }]);
    expect(requests).toBe(1);
  });
});

describe('work deferred during an open-loop run', () => {
  it('runs right after a send, never between a send falling due and its departure', async () => {
    const origin = await listen((_req, res) => res.end('ok'));
    const order: string[] = [];
    const { observer } = journal();
    const scheduler = new OpenLoopScheduler({
      origin,
      connections: 2,
      schedule: new ArrivalSchedule([{ durationMs: 1000, fromRate: 20, toRate: 20 }]),
      maxInFlight: 100,
      lateThresholdMs: 1000,
      requestTimeoutMs: 5000,
      nextRequest: () => {
        order.push('send');
        return GET;
      },
      observer,
    });
    const running = scheduler.run();
    // Three pieces of work handed over at arbitrary moments, as the window and progress timers do.
    for (const at of [120, 375, 610]) setTimeout(() => scheduler.defer(() => order.push('work')), at);
    await running;
    expect(order.filter((o) => o === 'work')).toHaveLength(3);
    order.forEach((entry, i) => {
      if (entry === 'work') expect(order[i - 1]).toBe('send');
    });
  });
});
