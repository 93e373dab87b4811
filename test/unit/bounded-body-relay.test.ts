import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { InterruptedError } from '../../src/errors.js';
import { startBoundedRelay, type BoundedRelay } from '../../src/http/bounded-relay.js';
import {
  EXCEPT_TOKEN,
  startDrippingServer,
  startEchoingServer,
  startGzipBombServer,
  startHugeBodyServer,
  type HostileServer,
} from '../fixtures/hostile/index.js';

/**
 * The bounded relay in front of hostile targets: what a client it fronts
 * (the Pact verifier) receives is always a bounded, prompt answer.
 */

const hostile: HostileServer[] = [];
const relays: BoundedRelay[] = [];
afterEach(async () => {
  for (const r of relays.splice(0)) await r.close();
  for (const s of hostile.splice(0)) await s.close();
});
async function front(
  server: Promise<HostileServer>,
  options: { requestTimeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ server: HostileServer; relay: BoundedRelay }> {
  const s = await server;
  hostile.push(s);
  const relay = await startBoundedRelay({
    target: s.url,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  relays.push(relay);
  return { server: s, relay };
}

async function token(relay: BoundedRelay, server: HostileServer): Promise<string> {
  const response = await request(`${relay.url}/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: server.credentials.clientId, client_secret: server.credentials.clientSecret }),
  });
  return ((await response.body.json()) as { access_token: string }).access_token;
}

describe('the bounded relay', () => {
  it('passes an ordinary exchange through unchanged: status, headers, body', async () => {
    const { server, relay } = await front(startEchoingServer()); // relays 2xx answers untouched
    const access = await token(relay, server);
    const created = await request(`${relay.url}/v1/rooms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access}`, 'content-type': 'application/json' },
      body: '{"name":"via relay"}',
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['location']).toMatch(/^\/v1\/rooms\/rm_/);
    const room = (await created.body.json()) as { room_id: string; name: string };
    expect(room.name).toBe('via relay');
    expect(server.reference.store.get(room.room_id)).toBeDefined();
    expect(relay.failures()).toEqual([]);
  });

  it('replaces a gzip bomb by a 502 that names the request and says it is a bomb', async () => {
    const { relay } = await front(startGzipBombServer({ on: EXCEPT_TOKEN }));
    const response = await request(`${relay.url}/v1/rooms`);
    expect(response.statusCode).toBe(502);
    expect(response.headers['x-roomgate-relay-failure']).toBe('decompression-bomb');
    const body = (await response.body.json()) as { message: string };
    expect(body.message).toMatch(/^GET \/v1\/rooms: the response body is a decompression bomb/);
    expect(relay.failures().map((f) => [f.request, f.failure.kind])).toEqual([['GET /v1/rooms', 'decompression-bomb']]);
  });

  it('replaces a 200 MB body by a 502 too-large', async () => {
    const { relay } = await front(startHugeBodyServer({ declareLength: false }));
    const response = await request(`${relay.url}/v1/rooms`);
    expect([response.statusCode, response.headers['x-roomgate-relay-failure']]).toEqual([502, 'too-large']);
    await response.body.dump();
  });

  it('answers 504 when a dripping body outlasts the exchange deadline', async () => {
    const { relay } = await front(startDrippingServer({ intervalMs: 50 }), { requestTimeoutMs: 500 });
    const response = await request(`${relay.url}/v1/rooms`);
    expect([response.statusCode, response.headers['x-roomgate-relay-failure']]).toEqual([504, 'timeout']);
    await response.body.dump();
  });

  it('ends exchanges in flight at once when its signal aborts', async () => {
    const interrupt = new AbortController();
    const { server, relay } = await front(startDrippingServer({ intervalMs: 20 }), { requestTimeoutMs: 10 * 60_000, signal: interrupt.signal });
    const pending = request(`${relay.url}/v1/rooms`);
    while (server.stats().hostileBodyBytes < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    interrupt.abort(new InterruptedError('interrupted by SIGINT'));
    const response = await pending;
    expect([response.statusCode, response.headers['x-roomgate-relay-failure']]).toEqual([502, 'aborted']);
    await response.body.dump();
  });
});
