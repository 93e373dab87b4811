import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { accessToken, http, startReferenceServer, startTwoClientServer, withReferenceServer } from '../helpers/reference-http.js';

const ROOM_ID = /^rm_[0-9A-Za-z]{10}$/;

describe('reference server: rooms', () => {
  let server: ReferenceServer;
  let token: string;
  let otherToken: string;
  beforeAll(async () => {
    ({ server, alice: token, bob: otherToken } = await startTwoClientServer());
  });
  afterAll(() => server.close());

  const create = (json: unknown, as = token) => http(server.url, 'POST', '/v1/rooms', { token: as, json });

  it('creates a room with the defaults, computed fields and a Location header', async () => {
    const result = await create({ name: 'Weekly Standup' });
    expect(result.status).toBe(201);
    const room = result.body;
    expect(room).toEqual({
      room_id: expect.stringMatching(ROOM_ID),
      name: 'Weekly Standup',
      status: 'waiting',
      max_participants: 10,
      is_private: false,
      recording: false,
      join_url: `${server.url}/join/${room.room_id}`,
      participant_count: 0,
      duration_seconds: 0,
      created_at: expect.any(String),
    });
    expect(new Date(room.created_at).toISOString()).toBe(room.created_at);
    expect(result.headers.get('location')).toBe(`/v1/rooms/${room.room_id}`);
  });

  it('keeps the given options', async () => {
    const result = await create({ name: 'Board', max_participants: 50, is_private: true, recording: true });
    expect(result.body).toMatchObject({ max_participants: 50, is_private: true, recording: true });
  });

  it('reads a room back, and 404s an unknown id with room_not_found', async () => {
    const { body: room } = await create({ name: 'Read me' });
    const got = await http(server.url, 'GET', `/v1/rooms/${room.room_id}`, { token });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(room);
    const missing = await http(server.url, 'GET', '/v1/rooms/rm_invalid', { token });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'room_not_found', message: 'No room with id rm_invalid exists.', status: 404 });
  });

  it('scopes rooms to the client that created them', async () => {
    const { body: room } = await create({ name: 'Alice only' });
    expect((await http(server.url, 'GET', `/v1/rooms/${room.room_id}`, { token: otherToken })).status).toBe(404);
    expect((await http(server.url, 'DELETE', `/v1/rooms/${room.room_id}`, { token: otherToken })).status).toBe(404);
    const bobs = await http(server.url, 'GET', '/v1/rooms?limit=100', { token: otherToken });
    expect(bobs.body.data.map((r: { room_id: string }) => r.room_id)).not.toContain(room.room_id);
  });

  it('closes a room idempotently; the closed room stays readable', async () => {
    const { body: room } = await create({ name: 'Close me' });
    const first = await http(server.url, 'DELETE', `/v1/rooms/${room.room_id}`, { token });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ message: `Room ${room.room_id} has been closed.` });
    const second = await http(server.url, 'DELETE', `/v1/rooms/${room.room_id}`, { token });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    const got = await http(server.url, 'GET', `/v1/rooms/${room.room_id}`, { token });
    expect(got.status).toBe(200);
    expect(got.body.status).toBe('closed');
    expect((await http(server.url, 'DELETE', '/v1/rooms/rm_0000000000', { token })).status).toBe(404);
  });

  it('follows the lifecycle waiting → active → closed and disconnects participants on close', async () => {
    const { body: room } = await create({ name: 'Lifecycle', max_participants: 2 });
    const joined = server.store.join(room.room_id, 'Ada');
    expect(joined.ok).toBe(true);
    const active = await http(server.url, 'GET', `/v1/rooms/${room.room_id}`, { token });
    expect(active.body).toMatchObject({ status: 'active', participant_count: 1 });
    expect(server.store.join(room.room_id, 'Bob').ok).toBe(true);
    expect(server.store.join(room.room_id, 'Eve')).toEqual({ ok: false, reason: 'room_full' });
    await http(server.url, 'DELETE', `/v1/rooms/${room.room_id}`, { token });
    const closed = await http(server.url, 'GET', `/v1/rooms/${room.room_id}`, { token });
    expect(closed.body).toMatchObject({ status: 'closed', participant_count: 0 });
  });

  it('pages through the list with an opaque cursor, oldest first, and filters by status', async () => {
    const fresh = await startReferenceServer();
    try {
      const t = await accessToken(fresh.url);
      const ids: string[] = [];
      for (let i = 0; i < 7; i += 1) {
        const { body } = await http(fresh.url, 'POST', '/v1/rooms', { token: t, json: { name: `room ${i}` } });
        ids.push(body.room_id);
      }
      await http(fresh.url, 'DELETE', `/v1/rooms/${ids[1]}`, { token: t });
      await http(fresh.url, 'DELETE', `/v1/rooms/${ids[4]}`, { token: t });

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor === null ? '?limit=3' : `?limit=3&cursor=${encodeURIComponent(cursor)}`;
        const page = await http(fresh.url, 'GET', `/v1/rooms${query}`, { token: t });
        expect(page.status).toBe(200);
        expect(page.body.data.length).toBeLessThanOrEqual(3);
        expect(page.body.has_more).toBe(page.body.next_cursor !== null);
        seen.push(...page.body.data.map((r: { room_id: string }) => r.room_id));
        cursor = page.body.next_cursor;
        pages += 1;
      } while (cursor !== null && pages < 10);
      expect(seen).toEqual(ids);
      expect(pages).toBe(3);

      const closed = await http(fresh.url, 'GET', '/v1/rooms?status=closed', { token: t });
      expect(closed.body.data.map((r: { room_id: string }) => r.room_id)).toEqual([ids[1], ids[4]]);
      expect(closed.body).toMatchObject({ has_more: false, next_cursor: null });
      const waiting = await http(fresh.url, 'GET', '/v1/rooms?status=waiting&limit=100', { token: t });
      expect(waiting.body.data).toHaveLength(5);
      const defaultPage = await http(fresh.url, 'GET', '/v1/rooms', { token: t });
      expect(defaultPage.body.data).toHaveLength(7);
    } finally {
      await fresh.close();
    }
  });

  it('rejects list parameters out of bounds and cursors it did not issue', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'status=open', 'cursor=bm90LWEtY3Vyc29y', 'cursor=%00', 'colour=blue']) {
      const result = await http(server.url, 'GET', `/v1/rooms?${query}`, { token });
      expect(result.status, query).toBe(400);
      expect(result.body, query).toMatchObject({ error: 'invalid_request', status: 400 });
    }
  });

  it('issues join tokens bound to the room; 404 for unknown rooms; 409 room_closed for closed ones', async () => {
    const { body: room } = await create({ name: 'Private', is_private: true });
    const issued = await http(server.url, 'POST', `/v1/rooms/${room.room_id}/join-tokens`, { token, json: { participant_name: 'Ada' } });
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({ token: expect.any(String), join_url: `${room.join_url}?token=${encodeURIComponent(issued.body.token)}`, expires_in: 3600 });
    const claims = decodeJwt(issued.body.token);
    expect(claims).toMatchObject({ aud: 'join', room_id: room.room_id, name: 'Ada' });

    const noBody = await http(server.url, 'POST', `/v1/rooms/${room.room_id}/join-tokens`, { token });
    expect(noBody.status).toBe(201);
    const badBody = await http(server.url, 'POST', `/v1/rooms/${room.room_id}/join-tokens`, { token, json: { participant_name: '' } });
    expect(badBody.status).toBe(400);
    expect((await http(server.url, 'POST', '/v1/rooms/rm_0000000000/join-tokens', { token, json: {} })).status).toBe(404);
    expect((await http(server.url, 'POST', `/v1/rooms/${room.room_id}/join-tokens`, { token: otherToken, json: {} })).status).toBe(404);

    await http(server.url, 'DELETE', `/v1/rooms/${room.room_id}`, { token });
    const closed = await http(server.url, 'POST', `/v1/rooms/${room.room_id}/join-tokens`, { token, json: {} });
    expect(closed.status).toBe(409);
    expect(closed.body).toMatchObject({ error: 'room_closed', status: 409 });
  });
});

describe('reference server: room faults', () => {
  it('id-prefix issues ids without rm_', async () => {
    await withReferenceServer({ faults: ['id-prefix'] }, async (server, token) => {
      const { body } = await http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'x' } });
      expect(body.room_id).toMatch(/^[0-9A-Za-z]{10}$/);
      expect(body.room_id).not.toMatch(/^rm_/);
      expect((await http(server.url, 'GET', `/v1/rooms/${body.room_id}`, { token })).status).toBe(200);
    });
  });

  it('stale-count freezes participant_count at 0 and status at waiting', async () => {
    await withReferenceServer({ faults: ['stale-count'] }, async (server, token) => {
      const { body } = await http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'x' } });
      expect(server.store.join(body.room_id, 'Ada').ok).toBe(true);
      const got = await http(server.url, 'GET', `/v1/rooms/${body.room_id}`, { token });
      expect(got.body).toMatchObject({ participant_count: 0, status: 'waiting' });
    });
  });

  it('list-cursor-skips loses the first room of every page after the first', async () => {
    await withReferenceServer({ faults: ['list-cursor-skips'] }, async (server, token) => {
      const ids: string[] = [];
      for (const name of ['a', 'b', 'c', 'd']) ids.push((await http(server.url, 'POST', '/v1/rooms', { token, json: { name } })).body.room_id);
      const walked: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await http(server.url, 'GET', `/v1/rooms?limit=1${cursor === undefined ? '' : `&cursor=${cursor}`}`, { token });
        walked.push(...page.body.data.map((room: { room_id: string }) => room.room_id));
        cursor = page.body.next_cursor ?? undefined;
      } while (cursor !== undefined);
      // a, then c (b was skipped), then d is skipped and the listing ends
      expect(walked).toEqual([ids[0], ids[2]]);
      const whole = await http(server.url, 'GET', '/v1/rooms?limit=10', { token });
      expect(whole.body.data.map((room: { room_id: string }) => room.room_id)).toEqual(ids);
    });
  });

  it('slow-create holds a create for about 800 ms without blocking other requests', async () => {
    await withReferenceServer({ faults: ['slow-create'] }, async (server, token) => {
      const started = Date.now();
      let createAnswered = false;
      const creating = http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'slow' } }).then((result) => {
        createAnswered = true;
        return result;
      });
      // A GET issued meanwhile answers before the create does: the delay is awaited, not a busy loop.
      const list = await http(server.url, 'GET', '/v1/rooms', { token });
      expect(list.status).toBe(200);
      expect(createAnswered).toBe(false);
      const created = await creating;
      expect(created.status).toBe(201);
      expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    });
  });
});
