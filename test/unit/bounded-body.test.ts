import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { InterruptedError } from '../../src/errors.js';
import { BodyReadError, bodyOrThrow, DEFAULT_MAX_BODY_BYTES, readBoundedBody, type BodyReadResult } from '../../src/http/bounded-body.js';
import { seededRandom } from '../../src/seeded-random.js';
import {
  EXCEPT_TOKEN,
  startDrippingServer,
  startGzipBombServer,
  startHugeBodyServer,
  startResettingServer,
  type HostileServer,
} from '../fixtures/hostile/index.js';
import { REPO_ROOT, runProcess } from '../helpers/run-cli.js';

/**
 * readBoundedBody against real sockets: the hostile fixtures (a proxy in
 * front of the reference server) and small node:http servers for the
 * encodings. Nothing reads a hostile body whole.
 */

const hostile: HostileServer[] = [];
const plain: Server[] = [];
afterEach(async () => {
  for (const s of hostile.splice(0)) await s.close();
  for (const s of plain.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});
async function start(server: Promise<HostileServer>): Promise<HostileServer> {
  const s = await server;
  hostile.push(s);
  return s;
}

/** A server that answers every request with `body` and `headers`. */
async function serve(body: Buffer, headers: Record<string, string>): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-length': String(body.length), ...headers }).end(body));
  plain.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function failure(result: BodyReadResult) {
  if (result.ok) throw new Error(`expected a failed read, got ${result.bytes.length} bytes`);
  return result.failure;
}

/** A JSON page of rooms with random ids: compresses like real API answers (a few to one), not like a bomb. */
function roomsJson(bytes: number): Buffer {
  const random = seededRandom(7);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const id = () => Array.from({ length: 20 }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  const rooms: string[] = [];
  let size = 20;
  while (size < bytes) {
    const room = JSON.stringify({
      room_id: `rm_${id()}`,
      name: `room ${id()}`,
      status: 'waiting',
      join_url: `http://127.0.0.1/join/${id()}`,
      participant_count: Math.floor(random() * 10),
    });
    rooms.push(room);
    size += room.length + 1;
  }
  return Buffer.from(`{"data":[${rooms.join(',')}]}`);
}

describe('reading a body within bounds', () => {
  it('reads an ordinary body whole', async () => {
    const body = roomsJson(50_000);
    const response = await request(await serve(body, { 'content-type': 'application/json' }));
    const result = await readBoundedBody(response, { operation: 'list_rooms', deadlineMs: 10_000 });
    expect(result.ok && result.bytes.equals(body)).toBe(true);
  });

  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('decodes Content-Encoding %s', async (encoding, compress) => {
    const body = roomsJson(100_000);
    const response = await request(await serve(compress(body), { 'content-encoding': encoding }));
    const result = await readBoundedBody(response);
    expect(result.ok && result.bytes.equals(body)).toBe(true);
    expect(result.ok && result.encodedBytes).toBeLessThan(body.length);
  });

  it('undoes stacked codings last to first', async () => {
    const body = roomsJson(20_000);
    const response = await request(await serve(brotliCompressSync(gzipSync(body)), { 'content-encoding': 'gzip, br' }));
    const result = await readBoundedBody(response);
    expect(result.ok && result.bytes.equals(body)).toBe(true);
    expect(result.ok && result.encodings).toEqual(['gzip', 'br']);
  });

  it('returns the bytes as sent when asked not to decode', async () => {
    const encoded = gzipSync(roomsJson(10_000));
    const result = await readBoundedBody(await request(await serve(encoded, { 'content-encoding': 'gzip' })), { decode: false });
    expect(result.ok && result.bytes.equals(encoded)).toBe(true);
  });

  it('refuses an unknown coding and a corrupt one as bad-encoding, naming the operation', async () => {
    const unknown = failure(await readBoundedBody(await request(await serve(Buffer.from('{}'), { 'content-encoding': 'zstd' })), { operation: 'get_room' }));
    expect(unknown).toMatchObject({ kind: 'bad-encoding', encoding: 'zstd' });
    expect(unknown.message).toBe('get_room: the response body uses Content-Encoding "zstd", which roomgate cannot decode (gzip, deflate, br)');
    const corrupt = failure(
      await readBoundedBody(await request(await serve(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' })), { operation: 'get_room' }),
    );
    expect(corrupt.kind).toBe('bad-encoding');
    expect(corrupt.message).toMatch(/^get_room: the response body is not valid gzip data: /);
  });

  it('throws a BodyReadError carrying the failure for callers that want an exception', async () => {
    const result = await readBoundedBody(await request(await serve(Buffer.alloc(2048, 0x20), {})), { maxBytes: 1024 });
    expect(() => bodyOrThrow(result)).toThrow(BodyReadError);
    expect(() => bodyOrThrow(result)).toThrow('the response body is 2 KiB (Content-Length), over the 1 KiB cap; it was not read');
  });
});

describe('reading bodies from hostile targets', () => {
  it('stops a gzip bomb at the cap: a few KB inflated, never gigabytes, and says it is a bomb', async () => {
    const server = await start(startGzipBombServer()); // 2 GiB once inflated
    const response = await request(`${server.url}/v1/rooms`);
    // Its 2 MB as sent are under the default 4 MiB cap: only inflating shows what it is.
    expect(Number(response.headers['content-length'])).toBeLessThan(DEFAULT_MAX_BODY_BYTES);
    const result = await readBoundedBody(response, { operation: 'list_rooms', deadlineMs: 30_000 });
    const bomb = failure(result);
    expect(bomb.kind).toBe('decompression-bomb');
    if (bomb.kind !== 'decompression-bomb') return;
    expect(bomb.limitBytes).toBe(DEFAULT_MAX_BODY_BYTES);
    // Inflating stopped within one zlib chunk of the cap, from a few KB of gzip.
    expect(bomb.decodedBytes).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES + 64 * 1024);
    expect(bomb.encodedBytes).toBeLessThan(64 * 1024);
    expect(result.ok ? 0 : result.partial.length).toBe(DEFAULT_MAX_BODY_BYTES);
    expect(bomb.message).toMatch(
      /^list_rooms: the response body is a decompression bomb: [\d.]+ KiB of gzip inflated past the 4 MiB cap \(over 100:1\); inflating stopped there$/,
    );
  });

  it('refuses a bomb whose compressed size alone is over the cap without inflating a byte', async () => {
    const server = await start(startGzipBombServer());
    const result = await readBoundedBody(await request(`${server.url}/v1/rooms`), { maxBytes: 1024 * 1024 });
    expect(failure(result)).toMatchObject({ kind: 'too-large', readBytes: 0, limitBytes: 1024 * 1024 });
  });

  it('calls a large body that merely compresses well too-large, not a bomb', async () => {
    const body = roomsJson(3 * 1024 * 1024);
    const result = await readBoundedBody(await request(await serve(gzipSync(body), { 'content-encoding': 'gzip' })), { maxBytes: 1024 * 1024 });
    expect(failure(result)).toMatchObject({ kind: 'too-large', limitBytes: 1024 * 1024, readBytes: 1024 * 1024 });
  });

  it('refuses a declared 200 MB body without reading it', async () => {
    const server = await start(startHugeBodyServer());
    const result = await readBoundedBody(await request(`${server.url}/v1/rooms`), { operation: 'list_rooms' });
    expect(failure(result)).toEqual({
      kind: 'too-large',
      limitBytes: DEFAULT_MAX_BODY_BYTES,
      readBytes: 0,
      declaredBytes: 200_000_000,
      message: 'list_rooms: the response body is 190.7 MiB (Content-Length), over the 4 MiB cap; it was not read',
    });
  });

  it('cuts an undeclared (chunked) 200 MB body at the cap', async () => {
    const server = await start(startHugeBodyServer({ declareLength: false }));
    const result = await readBoundedBody(await request(`${server.url}/v1/rooms`), { operation: 'list_rooms', maxBytes: 2 * 1024 * 1024 });
    expect(failure(result)).toMatchObject({ kind: 'too-large', limitBytes: 2 * 1024 * 1024, readBytes: 2 * 1024 * 1024 });
    expect(result.ok ? 0 : result.partial.length).toBe(2 * 1024 * 1024);
    expect(result.ok ? '' : result.partial.subarray(0, 9).toString()).toBe('{"data":[');
  });

  it('ends a dripping body at the deadline (total time: every byte would have reset an idle timeout)', async () => {
    const server = await start(startDrippingServer({ intervalMs: 50, on: EXCEPT_TOKEN }));
    const response = await request(`${server.url}/v1/rooms`);
    const result = await readBoundedBody(response, { operation: 'list_rooms', deadlineMs: 600 });
    const timeout = failure(result);
    expect(timeout).toMatchObject({ kind: 'timeout', deadlineMs: 600 });
    expect(timeout.kind === 'timeout' && timeout.readBytes).toBeGreaterThan(0); // bytes kept coming, the deadline still ended it
    expect(timeout.message).toMatch(/^list_rooms: the response body did not finish within 600 ms \(\d+ bytes read\); the target kept the response open$/);
    // The connection was closed: the fixture stopped dripping.
    for (let i = 0; i < 100 && server.stats().openResponses > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.stats().openResponses).toBe(0);
  });

  it('ends a dripping body at once when the signal aborts (SIGINT), long before its deadline', async () => {
    const server = await start(startDrippingServer({ intervalMs: 20 }));
    const response = await request(`${server.url}/v1/rooms`);
    const interrupt = new AbortController();
    const reading = readBoundedBody(response, { operation: 'list_rooms', deadlineMs: 10 * 60_000, signal: interrupt.signal });
    while (server.stats().hostileBodyBytes < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    interrupt.abort(new InterruptedError('interrupted by SIGINT'));
    const aborted = failure(await reading);
    expect(aborted.kind).toBe('aborted');
    expect(aborted.kind === 'aborted' && aborted.reason).toBeInstanceOf(InterruptedError);
    expect(aborted.message).toBe('list_rooms: the response body was not read to the end: the read was cancelled: interrupted by SIGINT');
  });

  it('counts an AbortSignal.timeout as a timeout, and an already aborted signal reads nothing', async () => {
    const server = await start(startDrippingServer({ intervalMs: 20 }));
    const late = failure(await readBoundedBody(await request(`${server.url}/v1/rooms`), { signal: AbortSignal.timeout(300) }));
    expect(late.kind).toBe('timeout');
    const gone = new AbortController();
    gone.abort(new InterruptedError('interrupted by SIGTERM'));
    const none = await readBoundedBody(await request(`${server.url}/v1/rooms`), { signal: gone.signal });
    expect(failure(none)).toMatchObject({ kind: 'aborted', readBytes: 0 });
  });

  it('reports a connection reset mid-body as connection, with what was read', async () => {
    const server = await start(startResettingServer({ at: 'mid-response' }));
    const result = await readBoundedBody(await request(`${server.url}/v1/rooms`), { operation: 'list_rooms', deadlineMs: 10_000 });
    const reset = failure(result);
    expect(reset.kind).toBe('connection');
    expect(reset.kind === 'connection' && reset.readBytes).toBeGreaterThan(0);
    expect(reset.message).toMatch(/^list_rooms: the response body was cut off after \d+ bytes: /);
  });
});

describe('memory while reading hostile bodies (peak RSS of a child process)', () => {
  const MEASURE = join(REPO_ROOT, 'test', 'fixtures', 'hostile', 'measure-body-read.ts');
  async function measure(url: string, mode: 'bounded' | 'unbounded'): Promise<{ growthBytes: number; outcome: Record<string, unknown> }> {
    const run = await runProcess(process.execPath, ['--import', 'tsx', MEASURE, url, mode], { timeoutMs: 90_000 });
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as { growthBytes: number; outcome: Record<string, unknown> };
  }
  const MB = 1024 * 1024;

  it('a 200 MB chunked body: the bounded read grows by a few MB; the unbounded control by 200 MB (the measurement sees it)', async () => {
    const server = await start(startHugeBodyServer({ declareLength: false }));
    const bounded = await measure(`${server.url}/v1/rooms`, 'bounded');
    expect(bounded.outcome).toMatchObject({ ok: false, kind: 'too-large', readBytes: DEFAULT_MAX_BODY_BYTES });
    expect(bounded.growthBytes).toBeLessThan(48 * MB);
    const unbounded = await measure(`${server.url}/v1/rooms`, 'unbounded');
    expect(unbounded.outcome).toMatchObject({ ok: true, bytes: 200_000_000 });
    expect(unbounded.growthBytes).toBeGreaterThan(150 * MB);
  });

  it('a gzip bomb: the bounded read of the 2 GiB bomb grows by a few MB; the unbounded control inflating a 256 MiB one by hundreds', async () => {
    const server = await start(startGzipBombServer());
    const bounded = await measure(`${server.url}/v1/rooms`, 'bounded');
    expect(bounded.outcome).toMatchObject({ ok: false, kind: 'decompression-bomb' });
    expect(bounded.growthBytes).toBeLessThan(48 * MB);
    const small = await start(startGzipBombServer({ inflatedBytes: 256 * MB }));
    const unbounded = await measure(`${small.url}/v1/rooms`, 'unbounded');
    expect(unbounded.outcome).toMatchObject({ ok: true });
    expect(unbounded.growthBytes).toBeGreaterThan(200 * MB);
  });
});
