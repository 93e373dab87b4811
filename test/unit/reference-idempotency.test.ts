import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, IdempotencyStore, parseIdempotencyKey } from '../../src/reference/idempotency/idempotency-store.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { http, startTwoClientServer, withReferenceServer } from '../helpers/reference-http.js';

describe('reference server: Idempotency-Key on POST /v1/rooms', () => {
  let server: ReferenceServer;
  let token: string;
  let otherToken: string;
  beforeAll(async () => {
    ({ server, alice: token, bob: otherToken } = await startTwoClientServer());
  });
  afterAll(() => server.close());

  const create = (key: string, json: unknown, as = token) => http(server.url, 'POST', '/v1/rooms', { token: as, json, headers: { 'idempotency-key': key } });

  it('replays the stored response for the same key and body: one room, same status, body and Location', async () => {
    const before = server.store.size;
    const first = await create('"key-same-body"', { name: 'Once', max_participants: 4 });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // Same body with keys in another order and whitespace: the same request.
    const replay = await http(server.url, 'POST', '/v1/rooms', {
      token,
      raw: '{ "max_participants": 4,  "name": "Once" }',
      headers: { 'content-type': 'application/json', 'idempotency-key': '"key-same-body"' },
    });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('location')).toBe(first.headers.get('location'));
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(server.store.size).toBe(before + 1);
  });

  it('accepts the key as an unquoted token too', async () => {
    const first = await create('plain-token-key', { name: 'Plain' });
    const replay = await create('plain-token-key', { name: 'Plain' });
    expect(replay.body.room_id).toBe(first.body.room_id);
  });

  it('answers 422 idempotency_key_reused for the same key with another body', async () => {
    await create('"key-other-body"', { name: 'First' });
    const reused = await create('"key-other-body"', { name: 'Second' });
    expect(reused.status).toBe(422);
    expect(reused.body).toEqual({ error: 'idempotency_key_reused', message: expect.any(String), status: 422 });
  });

  it('scopes keys per client', async () => {
    const mine = await create('"shared-key"', { name: 'Mine' });
    const theirs = await create('"shared-key"', { name: 'Mine' }, otherToken);
    expect(theirs.status).toBe(201);
    expect(theirs.body.room_id).not.toBe(mine.body.room_id);
  });

  it('creates a new room for each request without a key', async () => {
    const a = await http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'No key' } });
    const b = await http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'No key' } });
    expect(a.body.room_id).not.toBe(b.body.room_id);
  });

  it('rejects a malformed key with 400', async () => {
    for (const key of ['""', `"${'k'.repeat(256)}"`, 'has space']) {
      const result = await create(key, { name: 'x' });
      expect(result.status, key).toBe(400);
      expect(result.body.message).toContain('Idempotency-Key');
    }
  });
});

describe('reference server: concurrent duplicates and the idempotency fault', () => {
  it('answers 409 idempotency_key_in_use while the first request is in flight (slow-create)', async () => {
    await withReferenceServer({ faults: ['slow-create'] }, async (server, token) => {
      const send = () => http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'Race' }, headers: { 'idempotency-key': '"race"' } });
      const first = send();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const duplicate = await send();
      expect(duplicate.status).toBe(409);
      expect(duplicate.body).toEqual({ error: 'idempotency_key_in_use', message: expect.any(String), status: 409 });
      expect(duplicate.headers.get('retry-after')).toBe('1');
      const original = await first;
      expect(original.status).toBe(201);
      const after = await send();
      expect(after.status).toBe(201);
      expect(after.body.room_id).toBe(original.body.room_id);
      expect(server.store.size).toBe(1);
    });
  });

  it('idempotency fault: the key is ignored and every retry creates a room', async () => {
    await withReferenceServer({ faults: ['idempotency'] }, async (server, token) => {
      const send = () => http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'Dup' }, headers: { 'idempotency-key': '"k"' } });
      const a = await send();
      const b = await send();
      expect(b.status).toBe(201);
      expect(b.body.room_id).not.toBe(a.body.room_id);
      expect(server.store.size).toBe(2);
    });
  });
});

describe('IdempotencyStore', () => {
  const response = { status: 201, body: { ok: true }, headers: {} };

  it('forgets keys after their expiry', () => {
    let now = 0;
    const store = new IdempotencyStore({ ttlMs: 1000, now: () => now });
    const claim = store.claim('c', 'k', 'f1');
    if (claim.kind !== 'proceed') throw new Error('expected proceed');
    claim.complete(response);
    expect(store.claim('c', 'k', 'f1').kind).toBe('replay');
    expect(store.claim('c', 'k', 'f2').kind).toBe('reused');
    now = 1001;
    expect(store.claim('c', 'k', 'f2').kind).toBe('proceed');
  });

  it('stays within its bound by evicting the oldest keys', () => {
    const store = new IdempotencyStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) store.claim('c', key, 'f');
    expect(store.size).toBeLessThanOrEqual(3);
    expect(store.claim('c', 'e', 'f').kind).toBe('in-flight');
    expect(store.claim('c', 'a', 'f').kind).toBe('proceed');
  });

  it('lets a failed attempt be retried with the same key', () => {
    const store = new IdempotencyStore();
    const claim = store.claim('c', 'k', 'f');
    if (claim.kind !== 'proceed') throw new Error('expected proceed');
    claim.abandon();
    expect(store.claim('c', 'k', 'f').kind).toBe('proceed');
  });

  it('fingerprints JSON independent of key order', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] })).toBe(canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });

  it('parses the header as a Structured Field String or a bare token', () => {
    expect(parseIdempotencyKey('"abc"')).toBe('abc');
    expect(parseIdempotencyKey('abc')).toBe('abc');
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('""')).toBeNull();
    expect(parseIdempotencyKey('a b')).toBeNull();
  });
});
