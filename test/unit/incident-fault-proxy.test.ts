import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { startFaultProxy, type FaultProxy } from '../../src/incident/fault-proxy.js';
import type { ProxyEvent } from '../../src/incident/proxy-events.js';

/**
 * The fault proxy between a real HTTP + WebSocket server and a real client,
 * all on loopback: untouched traffic arrives as sent, and each mode does to
 * the traffic what it claims, seen from both ends (the client's socket and
 * the target's own counters).
 */

interface Target {
  url: string;
  /** Requests the target has processed, per `METHOD path`. */
  seen: Map<string, number>;
  /** Headers of the last request the target processed, as raw pairs. */
  lastRawHeaders: string[];
  /** WebSocket messages the target received. */
  wsMessages: string[];
  wsConnections: number;
  /** Lets /stream send its second chunk. */
  releaseStream(): void;
  close(): Promise<void>;
}

async function startTarget(): Promise<Target> {
  const seen = new Map<string, number>();
  const wsMessages: string[] = [];
  let streamGate: () => void = () => {};
  const target: Target = {
    url: '',
    seen,
    lastRawHeaders: [],
    wsMessages,
    wsConnections: 0,
    releaseStream: () => streamGate(),
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${req.url}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    target.lastRawHeaders = req.rawHeaders;
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first\n');
      new Promise<void>((resolve) => (streamGate = resolve)).then(() => res.end('second\n'));
      return;
    }
    if (req.url === '/echo') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
      return;
    }
    req.resume();
    req.on('end', () => {
      const status = req.method === 'POST' ? 201 : 200;
      res.setHeader('x-target', 'yes');
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, n: seen.get(key) }));
    });
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (socket) => {
    target.wsConnections += 1;
    socket.on('message', (data) => {
      wsMessages.push(String(data));
      socket.send(String(data));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  target.close = async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return target;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
  reusedSocket: boolean;
}

type Outcome = { kind: 'reply'; reply: Reply } | { kind: 'error'; code: string };

function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: http.Agent | false; signal?: AbortSignal } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false, signal: options.signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('aborted', () => reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString(),
            reusedSocket: req.reusedSocket,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function outcomeOf(promise: Promise<Reply>): Promise<Outcome> {
  try {
    return { kind: 'reply', reply: await promise };
  } catch (error) {
    return { kind: 'error', code: (error as NodeJS.ErrnoException).code ?? (error as Error).name };
  }
}

/** True when `count` successes of `n` trials fit a share `p` (within 5 standard deviations: a false alarm is ~1 in 3.5 million). */
function withinBinomial(count: number, n: number, p: number): boolean {
  return Math.abs(count - n * p) <= 5 * Math.sqrt(n * p * (1 - p));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

function nextMessage(socket: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('message', (data) => resolve(String(data)));
    socket.once('close', () => reject(new Error('closed before a message')));
  });
}

function waitFor(events: ProxyEvent[], predicate: (event: ProxyEvent) => boolean): Promise<ProxyEvent> {
  return new Promise((resolve) => {
    const check = () => {
      const found = events.find(predicate);
      if (found !== undefined) resolve(found);
      else setTimeout(check, 5);
    };
    check();
  });
}

function disturbances(events: ProxyEvent[], action: string): ProxyEvent[] {
  return events.filter((e) => e.type === 'proxy-disturbed' && e.action === action);
}

let target: Target;
let proxy: FaultProxy;
let events: ProxyEvent[];

beforeEach(async () => {
  target = await startTarget();
  events = [];
  proxy = await startFaultProxy({ target: target.url, onEvent: (event) => events.push(event) });
});

afterEach(async () => {
  await proxy.close();
  await target.close();
});

describe('the fault proxy with no mode on', () => {
  it('passes requests and answers through as sent: methods, bodies, repeated headers; Host names the target', async () => {
    const direct = await send(`${target.url}/hello`);
    const proxied = await send(`${proxy.url}/hello`, { headers: { 'x-request-id': 'req-1', 'x-custom': 'kept' } });
    expect(proxied.status).toBe(direct.status);
    expect(proxied.body).toBe(JSON.stringify({ path: '/hello', n: 2 }));
    expect(proxied.headers['x-target']).toBe('yes');
    expect(proxied.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    const sentToTarget = target.lastRawHeaders;
    expect(sentToTarget).toEqual(expect.arrayContaining(['x-request-id', 'req-1', 'x-custom', 'kept']));
    expect(sentToTarget[sentToTarget.findIndex((h) => h.toLowerCase() === 'host') + 1]).toBe(new URL(target.url).host);

    const body = Buffer.alloc(256 * 1024, 'abc');
    const echoed = await send(`${proxy.url}/echo`, { method: 'POST', body });
    expect(echoed.body.length).toBe(body.length);
    expect(echoed.body).toBe(body.toString());
    expect(events).toEqual([]);
  });

  it('keeps the client connection alive across requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await send(`${proxy.url}/a`, { agent });
      const second = await send(`${proxy.url}/b`, { agent });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.reusedSocket).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('streams a response body chunk by chunk instead of buffering it', async () => {
    const firstChunk = await new Promise<string>((resolve, reject) => {
      const req = http.get(`${proxy.url}/stream`, { agent: false }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          // The target sends its second chunk only once the first has reached the client through the proxy.
          if (text === 'first\n') target.releaseStream();
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
    });
    expect(firstChunk).toBe('first\nsecond\n');
  });

  it('tunnels a WebSocket both ways', async () => {
    const socket = await openSocket(`${proxy.url.replace('http', 'ws')}/ws`);
    try {
      const echo = nextMessage(socket);
      socket.send('hello through the proxy');
      expect(await echo).toBe('hello through the proxy');
      expect(target.wsMessages).toEqual(['hello through the proxy']);
    } finally {
      socket.terminate();
    }
  });

  it('serves the target under its base path', async () => {
    await proxy.close();
    proxy = await startFaultProxy({ target: `${target.url}/base/` });
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/base$/);
    expect((await send(`${proxy.url}/x`)).body).toBe(JSON.stringify({ path: '/base/x', n: 1 }));
  });

  it('resets the client connection when the target cannot be reached, and says why', async () => {
    const gone = await startTarget();
    await gone.close();
    const orphan = await startFaultProxy({ target: gone.url, onEvent: (event) => events.push(event) });
    try {
      expect(await outcomeOf(send(`${orphan.url}/hello`, { headers: { 'x-request-id': 'lost-1' } }))).toEqual({ kind: 'error', code: 'ECONNRESET' });
      expect(events).toMatchObject([{ type: 'proxy-upstream-error', code: 'ECONNREFUSED', request: { method: 'GET', path: '/hello', requestId: 'lost-1' } }]);
    } finally {
      await orphan.close();
    }
  });
});

describe('the fault proxy modes', () => {
  it('latency: each chosen request waits the delay, many times the unproxied time', async () => {
    const direct: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const t0 = performance.now();
      await send(`${target.url}/hello`);
      direct.push(performance.now() - t0);
    }
    proxy.set({ type: 'latency', delayMs: 250, jitterMs: 0, share: 100 });
    const proxied: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const t0 = performance.now();
      expect((await send(`${proxy.url}/hello`, { headers: { 'x-request-id': `slow-${i}` } })).status).toBe(200);
      proxied.push(performance.now() - t0);
    }
    // A timer never fires early by more than its 1 ms rounding, so each proxied request took at least the delay.
    expect(Math.min(...proxied)).toBeGreaterThanOrEqual(249);
    expect(median(proxied) / median(direct)).toBeGreaterThan(3);
    const delayed = disturbances(events, 'delayed');
    expect(delayed).toHaveLength(10);
    expect(delayed.map((e) => (e.type === 'proxy-disturbed' && e.action === 'delayed' ? [e.delayMs, e.request.requestId] : []))).toEqual(
      Array.from({ length: 10 }, (_, i) => [250, `slow-${i}`]),
    );
  });

  it('latency with jitter and a share: about that share is delayed, each by delay ± jitter', async () => {
    proxy.set({ type: 'latency', delayMs: 60, jitterMs: 40, share: 40 });
    const n = 200;
    const replies = await Promise.all(Array.from({ length: n }, () => send(`${proxy.url}/hello`)));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const delays = disturbances(events, 'delayed').map((e) => (e.type === 'proxy-disturbed' && e.action === 'delayed' ? e.delayMs : -1));
    expect(withinBinomial(delays.length, n, 0.4)).toBe(true);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...delays)).toBeLessThanOrEqual(100);
    expect(new Set(delays).size).toBeGreaterThan(5);
  });

  it('reset: the client sees a connection reset and the target never sees the request', async () => {
    proxy.set({ type: 'reset', share: 100 });
    expect(await outcomeOf(send(`${proxy.url}/hello`, { headers: { 'x-request-id': 'r-1' } }))).toEqual({ kind: 'error', code: 'ECONNRESET' });
    expect(target.seen.get('GET /hello')).toBeUndefined();
    expect(disturbances(events, 'reset')).toMatchObject([{ request: { requestId: 'r-1', path: '/hello', upgrade: false } }]);
  });

  it('reset on a share: resets within binomial bounds, the rest answered, and the target saw exactly the answered ones', async () => {
    proxy.set({ type: 'reset', share: 30 });
    const n = 300;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    try {
      const outcomes = await Promise.all(Array.from({ length: n }, () => outcomeOf(send(`${proxy.url}/hello`, { agent }))));
      const resets = outcomes.filter((o) => o.kind === 'error');
      expect(resets.every((o) => o.kind === 'error' && o.code === 'ECONNRESET')).toBe(true);
      expect(withinBinomial(resets.length, n, 0.3)).toBe(true);
      expect(disturbances(events, 'reset')).toHaveLength(resets.length);
      expect(target.seen.get('GET /hello')).toBe(n - resets.length);
    } finally {
      agent.destroy();
    }
  });

  it('blackhole: requests hang until the client gives up or the mode ends, then what still waits goes through; tunnels stall and resume', async () => {
    const socket = await openSocket(`${proxy.url.replace('http', 'ws')}/ws`);
    try {
      proxy.set({ type: 'blackhole' });
      const stalledEcho = nextMessage(socket);
      socket.send('during the blackhole');

      const patient = outcomeOf(send(`${proxy.url}/patient`, { headers: { 'x-request-id': 'patient' } }));
      const impatient = await outcomeOf(send(`${proxy.url}/impatient`, { signal: AbortSignal.timeout(300), headers: { 'x-request-id': 'impatient' } }));
      expect(impatient).toEqual({ kind: 'error', code: 'ABORT_ERR' });
      await waitFor(events, (e) => e.type === 'proxy-disturbed' && e.action === 'released' && e.request.requestId === 'impatient');

      // Nothing has reached the target while the blackhole was on: not the requests, not the WebSocket message.
      expect(target.seen.get('GET /patient')).toBeUndefined();
      expect(target.seen.get('GET /impatient')).toBeUndefined();
      expect(target.wsMessages).toEqual([]);

      proxy.clear();
      const answered = await patient;
      expect(answered.kind === 'reply' && answered.reply.status).toBe(200);
      expect(await stalledEcho).toBe('during the blackhole');
      expect(target.seen.get('GET /impatient')).toBeUndefined();

      const released = disturbances(events, 'released').map((e) =>
        e.type === 'proxy-disturbed' && e.action === 'released' ? [e.request.requestId ?? e.request.path, e.outcome] : [],
      );
      expect(released).toEqual(
        expect.arrayContaining([
          ['impatient', 'client-gone'],
          ['patient', 'resumed'],
          ['/ws', 'resumed'],
        ]),
      );
      expect(disturbances(events, 'held')).toHaveLength(3);
    } finally {
      socket.terminate();
    }
  });

  it('blackhole: a connection held past the hold cap is reset', async () => {
    await proxy.close();
    proxy = await startFaultProxy({ target: target.url, holdCapMs: 200, onEvent: (event) => events.push(event) });
    proxy.set({ type: 'blackhole' });
    expect(await outcomeOf(send(`${proxy.url}/hello`))).toEqual({ kind: 'error', code: 'ECONNRESET' });
    expect(disturbances(events, 'released')).toMatchObject([{ outcome: 'cap-reset', request: { path: '/hello' } }]);
    expect(target.seen.size).toBe(0);
  });

  it('drop-response: the target processes the request, the client sees a reset', async () => {
    proxy.set({ type: 'drop-response', share: 100 });
    const dropped = await outcomeOf(
      send(`${proxy.url}/items`, { method: 'POST', body: '{}', headers: { 'x-request-id': 'create-1', 'idempotency-key': 'k-1' } }),
    );
    expect(dropped).toEqual({ kind: 'error', code: 'ECONNRESET' });
    expect(target.seen.get('POST /items')).toBe(1);
    expect(disturbances(events, 'response-dropped')).toMatchObject([{ status: 201, request: { method: 'POST', path: '/items', requestId: 'create-1' } }]);

    proxy.clear();
    const retried = await send(`${proxy.url}/items`, { method: 'POST', body: '{}', headers: { 'idempotency-key': 'k-1' } });
    expect(retried.status).toBe(201);
    expect(target.seen.get('POST /items')).toBe(2);
  });

  it('drop-response on a WebSocket handshake: the target accepts the connection, the client sees a failure', async () => {
    proxy.set({ type: 'drop-response', share: 100 });
    await expect(openSocket(`${proxy.url.replace('http', 'ws')}/ws`)).rejects.toThrow();
    await waitFor(events, (e) => e.type === 'proxy-disturbed' && e.action === 'response-dropped');
    expect(disturbances(events, 'response-dropped')).toMatchObject([{ status: 101, request: { path: '/ws', upgrade: true } }]);
  });

  it('error on a share: the proxy answers that share itself with the status, marked, and forwards the rest', async () => {
    proxy.set({ type: 'error', share: 25, status: 503 });
    const n = 300;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    try {
      const replies = await Promise.all(Array.from({ length: n }, () => send(`${proxy.url}/hello`, { agent })));
      const injected = replies.filter((r) => r.status === 503);
      expect(withinBinomial(injected.length, n, 0.25)).toBe(true);
      expect(injected.every((r) => r.headers['roomgate-fault'] === 'error')).toBe(true);
      expect(replies.filter((r) => r.status === 200)).toHaveLength(n - injected.length);
      expect(target.seen.get('GET /hello')).toBe(n - injected.length);
      expect(disturbances(events, 'error-answered')).toHaveLength(injected.length);
    } finally {
      agent.destroy();
    }
  });

  it('error on a WebSocket handshake: the client is refused with the status', async () => {
    proxy.set({ type: 'error', share: 100, status: 502 });
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${proxy.url.replace('http', 'ws')}/ws`);
      socket.once('unexpected-response', (req, res) => {
        resolve(res.statusCode ?? 0);
        // ws leaves a refused handshake to the caller to close.
        socket.once('error', () => {});
        req.destroy();
      });
      socket.once('open', () => reject(new Error('opened through an error mode')));
    });
    expect(status).toBe(502);
    expect(target.wsConnections).toBe(0);
  });

  it('reports every switch with its time and the mode before it', async () => {
    const before = Date.now();
    proxy.set({ type: 'reset', share: 10 });
    proxy.set({ type: 'blackhole' });
    proxy.clear();
    proxy.clear();
    expect(events.map((e) => (e.type === 'proxy-mode' ? [e.previous?.type ?? null, e.mode?.type ?? null] : e.type))).toEqual([
      [null, 'reset'],
      ['reset', 'blackhole'],
      ['blackhole', null],
    ]);
    expect(events.every((e) => e.at >= before && e.at <= Date.now())).toBe(true);
    expect(proxy.mode).toBeNull();
  });

  it('refuses an impossible mode', () => {
    expect(() => proxy.set({ type: 'error', share: 150, status: 503 })).toThrow(RangeError);
    expect(() => proxy.set({ type: 'error', share: 10, status: 200 })).toThrow(/500 to 599/);
    expect(() => proxy.set({ type: 'latency', delayMs: -1, jitterMs: 0, share: 100 })).toThrow(/delayMs/);
    expect(proxy.mode).toBeNull();
  });
});

describe('closing the fault proxy', () => {
  it('closes every connection it holds: blackholed requests, tunnels, idle keep-alive sockets', async () => {
    const agent = new http.Agent({ keepAlive: true });
    const socket = await openSocket(`${proxy.url.replace('http', 'ws')}/ws`);
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await send(`${proxy.url}/idle`, { agent });
    proxy.set({ type: 'blackhole' });
    const held = outcomeOf(send(`${proxy.url}/held`));
    await waitFor(events, (e) => e.type === 'proxy-disturbed' && e.action === 'held' && e.request.path === '/held');
    await proxy.close();
    expect(await held).toEqual({ kind: 'error', code: 'ECONNRESET' });
    await socketClosed;
    expect(disturbances(events, 'released').map((e) => (e.type === 'proxy-disturbed' && e.action === 'released' ? e.outcome : ''))).toEqual([
      'proxy-closed',
      'proxy-closed',
    ]);
    expect(await outcomeOf(send(`${proxy.url}/after`))).toEqual({ kind: 'error', code: 'ECONNREFUSED' });
    agent.destroy();
  });
});
