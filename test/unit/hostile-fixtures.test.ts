import { createGunzip, gunzipSync } from 'node:zlib';
import { request, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyTransportError } from '../../src/http/transport-error.js';
import {
  buildGzipBomb,
  EXCEPT_TOKEN,
  HOSTILE_CREDENTIALS,
  HOSTILE_JOIN_URLS,
  startDrippingServer,
  startEchoingServer,
  startGzipBombServer,
  startHostileJoinUrlServer,
  startHugeBodyServer,
  startResettingServer,
  type HostileServer,
} from '../fixtures/hostile/index.js';

/**
 * Each hostile fixture does what it claims, shown over real sockets and
 * bounded: no test reads a hostile body whole, every read stops after its
 * first bytes or is aborted.
 */

const started: HostileServer[] = [];
async function start(server: Promise<HostileServer>): Promise<HostileServer> {
  const s = await server;
  started.push(s);
  return s;
}
afterEach(async () => {
  for (const s of started.splice(0)) await s.close();
});

async function tokenFor(server: HostileServer): Promise<{ status: number; text: string; token: string | undefined }> {
  const response = await request(`${server.url}/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: server.credentials.clientId, client_secret: server.credentials.clientSecret }),
  });
  const text = await response.body.text();
  const token = response.statusCode === 200 ? (JSON.parse(text) as { access_token: string }).access_token : undefined;
  return { status: response.statusCode, text, token };
}

/** The first `count` bytes of a body (at least), then the request is aborted. */
async function firstBytes(response: Dispatcher.ResponseData, count: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= count) break; // leaving the loop destroys the body and its connection
  }
  return Buffer.concat(chunks);
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!condition()) throw new Error(`gave up waiting for ${what}`);
}

describe('the echoing fixture', () => {
  it('answers the token endpoint with a real token and the request echoed: the secret plain, JSON-escaped, URL-encoded and base64', async () => {
    const server = await start(startEchoingServer());
    const { status, text, token } = await tokenFor(server);
    expect(status).toBe(200);
    expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    const secret = HOSTILE_CREDENTIALS.clientSecret;
    const parsed = JSON.parse(text) as { request: { body_fields: Record<string, string>; body_base64: string } };
    expect(parsed.request.body_fields['client_secret']).toBe(secret); // plain, once the JSON is parsed
    const forms = {
      json: JSON.stringify(secret).slice(1, -1),
      percent: encodeURIComponent(secret),
      form: new URLSearchParams({ s: secret }).toString().slice(2),
      base64: Buffer.from(secret).toString('base64'),
    };
    for (const form of Object.values(forms)) expect(text).toContain(form);
    expect(Buffer.from(parsed.request.body_base64, 'base64').toString('utf8')).toContain(JSON.stringify(secret)); // the raw body, base64
    // Every form differs from the plain secret and from each other: a redactor that knows one misses the rest.
    expect(new Set([secret, ...Object.values(forms)]).size).toBe(5);
  });

  it('with errorFormat text, dumps the request on errors as plain text: token and secret byte for byte', async () => {
    const server = await start(startEchoingServer({ errorFormat: 'text' }));
    const wrongSecret = `${HOSTILE_CREDENTIALS.clientSecret}-but-wrong`;
    const response = await request(`${server.url}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: HOSTILE_CREDENTIALS.clientId, client_secret: wrongSecret }).toString(),
    });
    const text = await response.body.text();
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(text).toContain(`client_secret = ${wrongSecret}`);
  });

  it('keeps the error envelope valid and puts the bearer token into its message and its request echo', async () => {
    const server = await start(startEchoingServer());
    const { token } = await tokenFor(server);
    const response = await request(`${server.url}/v1/rooms/rm_doesNotExist`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.body.json()) as {
      error: string;
      message: string;
      status: number;
      request: { headers: Record<string, string>; authorization_base64: string };
    };
    expect(response.statusCode).toBe(404);
    expect([body.error, body.status]).toEqual(['room_not_found', 404]);
    expect(body.message).toContain(`Bearer ${token}`);
    expect(body.request.headers['authorization']).toBe(`Bearer ${token}`);
    expect(Buffer.from(body.request.authorization_base64, 'base64').toString()).toBe(`Bearer ${token}`);
  });

  it('relays successful API answers unchanged, and with failEvery answers every n-th API request with an echoing 500', async () => {
    const server = await start(startEchoingServer({ failEvery: 3 }));
    const { token } = await tokenFor(server);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await request(`${server.url}/v1/rooms`, { headers: { authorization: `Bearer ${token}` } });
      const text = await response.body.text();
      statuses.push(response.statusCode);
      if (response.statusCode === 200) expect(Object.keys(JSON.parse(text) as object)).not.toContain('request');
      else expect(text).toContain(`Bearer ${token}`);
    }
    expect(statuses).toEqual([200, 200, 500, 200, 200, 500]);
  });
});

describe('the dripping fixture', () => {
  it('sends the head at once, then the body a byte at a time, and keeps going past the real body until the client leaves', async () => {
    const server = await start(startDrippingServer({ intervalMs: 10, on: EXCEPT_TOKEN }));
    const { token } = await tokenFor(server); // the token endpoint is left alone: a client gets this far
    const real = await (await request(`${server.reference.url}/v1/rooms`, { headers: { authorization: `Bearer ${token}` } })).body.text();
    const response = await request(`${server.url}/v1/rooms`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBeUndefined();
    // Read ten bytes past the real page.
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      if (Buffer.concat(chunks).length >= real.length + 10) break;
    }
    const text = Buffer.concat(chunks).toString();
    expect(chunks.length).toBeGreaterThanOrEqual((real.length + 10) / 2); // byte by byte (a chunk holds two when the reader lags)
    expect(text.slice(0, real.length)).toBe(real);
    expect(text.slice(real.length)).toMatch(/^ {10,}$/);
    await until(() => server.stats().openResponses === 0, 'the drip to stop after the client left');
    const sent = server.stats().hostileBodyBytes;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.stats().hostileBodyBytes).toBe(sent);
  });
});

describe('the resetting fixture', () => {
  it('resets a connection right after accepting it', async () => {
    const server = await start(startResettingServer({ at: 'on-accept' }));
    const error = await request(`${server.url}/v1/rooms`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(classifyTransportError(error)).toBe('reset');
    expect(server.stats().requests).toBe(0);
  });

  it('resets mid-response: the head and half the body arrive, then the connection is reset', async () => {
    const server = await start(startResettingServer({ at: 'mid-response' }));
    const response = await request(`${server.url}/v1/rooms`);
    expect(response.statusCode).toBe(401); // the reference's answer to an unauthenticated list
    const declared = Number(response.headers['content-length']);
    const chunks: Buffer[] = [];
    const error = await (async () => {
      for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(chunk);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(classifyTransportError(error)).toBe('reset');
    const received = Buffer.concat(chunks).length;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(declared);
  });
});

describe('the gzip bomb fixture', () => {
  it('is a valid gzip member of about a megabyte per GiB: a small one inflates to exactly the JSON it claims', () => {
    const small = buildGzipBomb(8 * 1024 * 1024);
    const inflated = gunzipSync(small.body); // checks the CRC and the length trailer
    expect(inflated.length).toBe(small.inflatedBytes);
    expect(JSON.parse(inflated.toString())).toEqual({ data: [], next_cursor: null });
    const big = buildGzipBomb();
    expect(big.inflatedBytes).toBeGreaterThanOrEqual(2 * 1024 ** 3);
    expect(big.body.length).toBeLessThan(2.2 * 1024 ** 2);
  });

  it('serves the bomb with Content-Encoding: gzip; its first MiB inflates to a JSON page of spaces (only that MiB is inflated)', async () => {
    const server = await start(startGzipBombServer());
    const response = await request(`${server.url}/v1/rooms`);
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(Number(response.headers['content-length'])).toBeLessThan(2.2 * 1024 ** 2);
    const gunzip = createGunzip();
    (response.body as NodeJS.ReadableStream).pipe(gunzip);
    const inflated: Buffer[] = [];
    let size = 0;
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      inflated.push(chunk);
      size += chunk.length;
      if (size >= 1024 * 1024) break;
    }
    response.body.destroy();
    const head = Buffer.concat(inflated);
    expect(head.subarray(0, 9).toString()).toBe('{"data":[');
    expect(head.subarray(9).every((byte) => byte === 0x20)).toBe(true);
    expect(server.stats().hostile).toBe(1);
  });
});

describe('the huge-body fixture', () => {
  it('declares 200 MB, streams valid JSON, and stops writing when the client leaves (it never holds the body)', async () => {
    const server = await start(startHugeBodyServer());
    const response = await request(`${server.url}/v1/rooms`);
    expect(Number(response.headers['content-length'])).toBe(200_000_000);
    const head = await firstBytes(response, 256 * 1024);
    expect(head.subarray(0, 30).toString()).toBe('{"data":[{"room_id":"rm_HugeBo');
    await until(() => server.stats().openResponses === 0, 'the huge body to stop after the client left');
    // Socket buffers take a few MB at most; the fixture stopped far short of 200 MB.
    expect(server.stats().hostileBodyBytes).toBeLessThan(50_000_000);
  });

  it('is one valid JSON document of exactly the requested length, chunked when asked', async () => {
    const server = await start(startHugeBodyServer({ bytes: 1_000_000, declareLength: false }));
    const response = await request(`${server.url}/v1/rooms`);
    expect(response.headers['content-length']).toBeUndefined();
    const text = await response.body.text();
    expect(Buffer.byteLength(text)).toBe(1_000_000);
    const page = JSON.parse(text) as { data: { room_id: string }[]; next_cursor: null };
    expect(page.data.length).toBeGreaterThan(1000);
    expect(page.next_cursor).toBeNull();
  });
});

describe('the hostile join-URL fixture', () => {
  it('hands out file:, javascript: and data: join URLs in created rooms, room pages and join tokens; the rest is the reference’s', async () => {
    const server = await start(startHostileJoinUrlServer({ kind: ['file', 'javascript', 'data'] }));
    const { token } = await tokenFor(server);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const rooms: { room_id: string; join_url: string; status: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await request(`${server.url}/v1/rooms`, { method: 'POST', headers, body: JSON.stringify({ name: `hostile ${i}` }) });
      expect(response.statusCode).toBe(201);
      rooms.push((await response.body.json()) as (typeof rooms)[number]);
    }
    expect(rooms.map((r) => r.join_url)).toEqual([HOSTILE_JOIN_URLS.file, HOSTILE_JOIN_URLS.javascript, HOSTILE_JOIN_URLS.data]);
    expect(rooms.every((r) => /^rm_/.test(r.room_id) && r.status === 'waiting')).toBe(true);
    const page = (await (await request(`${server.url}/v1/rooms`, { headers })).body.json()) as { data: { room_id: string; join_url: string }[] };
    expect(new Map(page.data.map((r) => [r.room_id, r.join_url]))).toEqual(new Map(rooms.map((r) => [r.room_id, r.join_url])));
    const joinToken = await request(`${server.url}/v1/rooms/${rooms[0]!.room_id}/join-tokens`, { method: 'POST', headers, body: '{}' });
    expect(joinToken.statusCode).toBe(201);
    expect(((await joinToken.body.json()) as { join_url: string }).join_url).toBe(HOSTILE_JOIN_URLS.file);
  });
});
