import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessTokens } from '../../src/reference/auth/access-tokens.js';
import { ApiGate } from '../../src/reference/auth/api-gate.js';
import type { ReferenceContext } from '../../src/reference/context.js';
import { FaultSet, type FaultName } from '../../src/reference/faults.js';
import { ServerStats } from '../../src/reference/http/server-stats.js';
import { RateLimiter } from '../../src/reference/rate-limit/rate-limiter.js';
import { createGetRoomHotPath } from '../../src/reference/rooms/get-room-hot-path.js';
import { createJoinTokenService } from '../../src/reference/rooms/join-tokens.js';
import { RoomStore } from '../../src/reference/rooms/room-store.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { accessToken, http, type HttpResult, startReferenceServer, startTwoClientServer } from '../helpers/reference-http.js';

/**
 * GET /v1/rooms/{room_id} is answered by a node:http hot path in front of
 * fastify. Two things must hold: it takes the requests it is meant to take
 * (else the throughput it exists for is not there), and whatever it takes it
 * answers exactly as the fastify route does (else the contract has two
 * implementations that can drift).
 */

describe('GET room hot path: which requests it takes', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  it('takes a plain GET with a cached live token and declines everything it cannot answer like fastify', async () => {
    const store = new RoomStore();
    const ctx: ReferenceContext = {
      store,
      faults: new FaultSet(),
      options: {},
      publicUrl: () => 'http://127.0.0.1:1',
      joinTokens: createJoinTokenService(),
    };
    const tokens = new AccessTokens({ ttlSeconds: 3600, acceptExpired: false });
    const stats = new ServerStats();
    const hotPath = createGetRoomHotPath({ ctx, tokens, gate: new ApiGate(ctx, new RateLimiter({ quota: 100, windowSeconds: 60 })), stats });
    // What the hot path declines would go to fastify; here it answers 599 so the test can see it.
    server = createServer((request, response) => {
      if (!hotPath(request, response)) response.writeHead(599).end('declined');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const room = store.create('alice', { name: 'r', maxParticipants: 4, isPrivate: false, recording: false });
    const token = await tokens.issue('alice');
    // Before its first verification a token is unknown to the cache: fastify verifies it.
    expect((await http(url, 'GET', `/v1/rooms/${room.id}`, { token })).status).toBe(599);
    expect((await tokens.verify(token)).ok).toBe(true);

    const taken = await http(url, 'GET', `/v1/rooms/${room.id}`, { token });
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ room_id: room.id, name: 'r', status: 'waiting', max_participants: 4, join_url: `http://127.0.0.1:1/join/${room.id}` });
    expect(taken.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(taken.headers.get('ratelimit')).toBe('"default";r=99;t=' + /t=(\d+)/.exec(taken.headers.get('ratelimit') ?? '')?.[1]);
    expect((await http(url, 'GET', `/v1/rooms/${room.id}/`, { token })).status).toBe(200);
    expect((await http(url, 'GET', '/v1/rooms/rm_missing', { token })).status).toBe(404);

    const declined: [string, string, string | undefined][] = [
      ['HEAD', `/v1/rooms/${room.id}`, token],
      ['DELETE', `/v1/rooms/${room.id}`, token],
      ['GET', `/v1/rooms/${room.id}?x=1`, token],
      ['GET', `/v1/rooms/${room.id}//`, token],
      ['GET', `/v1/rooms/${encodeURIComponent('rm_a b')}`, token],
      ['GET', `/v1/rooms/${'r'.repeat(65)}`, token],
      ['GET', `/v1/rooms/${room.id}/join-tokens`, token],
      ['GET', `/v1/rooms/${room.id}`, undefined],
      ['GET', `/v1/rooms/${room.id}`, `${token}x`],
    ];
    for (const [method, path, bearer] of declined) {
      const result = await http(url, method, path, bearer === undefined ? {} : { token: bearer });
      expect({ method, path, status: result.status }).toEqual({ method, path, status: 599 });
    }
    // Only the taken requests were counted; fastify counts the others itself.
    expect(stats.snapshot(store.size).requests['get_room']).toBe(3);
    expect(stats.snapshot(store.size).responsesByStatus).toEqual({ '200': 2, '404': 1 });
  });
});

/** A response with what legitimately differs between two servers (ids, ports, times) masked. */
function normalized(result: HttpResult, server: ReferenceServer, roomIds: string[]): unknown {
  const headers: Record<string, string> = {};
  result.headers.forEach((value, name) => {
    if (name === 'date' || name === 'keep-alive' || name === 'connection') return;
    // The window's reset (t=, Retry-After) depends on when in the second each server was asked.
    headers[name] = name === 'ratelimit' ? value.replace(/;t=\d+$/, ';t=T') : name === 'retry-after' ? 'T' : value;
  });
  let text = result.text
    .replace(/retry after \d+ s/, 'retry after T s')
    .replaceAll(server.url, '<url>')
    .replace(/"created_at":"[^"]+"/, '"created_at":"<time>"');
  roomIds.forEach((id, index) => (text = text.replaceAll(id, `<room ${index}>`)));
  if (headers['content-length'] !== undefined) headers['content-length'] = 'N';
  return { status: result.status, headers, text };
}

describe('GET room hot path: answers exactly as the fastify route does', () => {
  const faultSets: FaultName[][] = [[], ['envelope'], ['no-ratelimit-headers'], ['stale-count'], ['id-prefix'], ['auth-bypass']];

  it.each(faultSets.map((faults) => [faults.join(',') || 'no faults', faults] as const))('%s', async (_label, faults) => {
    const options = { faults, rateLimit: { quota: 12, windowSeconds: 60 } };
    const started = [await startTwoClientServer(options), await startTwoClientServer({ ...options, hotPath: false })];
    const servers = started.map(({ server }) => server);
    try {
      const transcripts: unknown[][] = [];
      for (const { server, alice, bob } of started) {
        // A name that needs every kind of JSON escaping (quote, backslash, control character, lone surrogate):
        // the two serializers must still write the same bytes.
        const own = await http(server.url, 'POST', '/v1/rooms', { token: alice, json: { name: 'équipe <1> "q" \\ \u0001 \ud800' } });
        const others = await http(server.url, 'POST', '/v1/rooms', { token: bob, json: { name: 'bob' } });
        const ids = [String(own.body.room_id), String(others.body.room_id)];
        const requests: [string, string][] = [
          ['GET', `/v1/rooms/${ids[0]}`],
          ['GET', `/v1/rooms/${ids[0]}/`],
          ['GET', `/v1/rooms/${ids[0]}?verbose=1`],
          ['HEAD', `/v1/rooms/${ids[0]}`],
          ['GET', `/v1/rooms/${ids[1]}`],
          ['GET', '/v1/rooms/rm_doesnotexist'],
          ['GET', `/v1/rooms/${'r'.repeat(65)}`],
        ];
        const transcript: unknown[] = [];
        for (const [method, path] of requests) transcript.push(normalized(await http(server.url, method, path, { token: alice }), server, ids));
        // A closed room stays readable.
        await http(server.url, 'DELETE', `/v1/rooms/${ids[0]}`, { token: alice });
        transcript.push(normalized(await http(server.url, 'GET', `/v1/rooms/${ids[0]}`, { token: alice }), server, ids));
        // Past the quota of 12 (1 create + 8 GETs + 1 delete so far): 429 with Retry-After.
        for (let i = 0; i < 3; i += 1) transcript.push(normalized(await http(server.url, 'GET', `/v1/rooms/${ids[0]}`, { token: alice }), server, ids));
        transcript.push(server.stats());
        transcripts.push(transcript);
      }
      const [hot, cold] = transcripts;
      expect(hot).toEqual(cold);
      // The transcript covers the answers that matter, not only agreement.
      const statuses = (hot ?? []).slice(0, -1).map((entry) => (entry as { status: number }).status);
      expect(statuses).toEqual([200, 200, 200, 200, 404, 404, 400, 200, 200, 200, 429]);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it('with the server-errors fault: the injected 500 is the same envelope with the rate-limit headers', async () => {
    const servers = [await startReferenceServer({ faults: ['server-errors'] }), await startReferenceServer({ faults: ['server-errors'], hotPath: false })];
    try {
      const failures: unknown[] = [];
      for (const server of servers) {
        const token = await accessToken(server.url);
        let created: HttpResult;
        do created = await http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'r' } });
        while (created.status === 500);
        const id = String(created.body.room_id);
        let failure: HttpResult | undefined;
        // 5 % fail: 400 tries miss one with probability 0.95^400 ≈ 1e-9.
        for (let i = 0; i < 400 && failure === undefined; i += 1) {
          const result = await http(server.url, 'GET', `/v1/rooms/${id}`, { token });
          if (result.status === 500) failure = result;
        }
        expect(failure).toBeDefined();
        if (failure !== undefined) failures.push(normalized(failure, server, [id]));
      }
      const [hot, cold] = failures.map((failure) => {
        const { headers, ...rest } = failure as { headers: Record<string, string> };
        // The remaining count depends on how many tries it took.
        return { ...rest, headers: { ...headers, ratelimit: headers['ratelimit']?.replace(/r=\d+/, 'r=R') } };
      });
      expect(hot).toEqual(cold);
      expect(hot).toMatchObject({
        status: 500,
        text: JSON.stringify({ error: 'internal_error', message: 'Injected failure (server-errors fault); it is safe to retry.', status: 500 }),
      });
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });
});
