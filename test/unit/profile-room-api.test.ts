import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltinProfile, loadProfile } from '../../src/profile/load-profile.js';
import { createProfileClient, type ProfileClient } from '../../src/profile/profile-client.js';
import { RoomApi } from '../../src/profile/room-api.js';
import type { TargetProfile } from '../../src/profile/types.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import { VideoConnectClient } from '../../src/target/client.js';
import { startReferenceServer } from '../helpers/reference-http.js';
import {
  DAILY_KEY,
  LIVEKIT_KEY,
  LIVEKIT_SECRET,
  TWILIO_SID,
  TWILIO_TOKEN,
  dailyServer,
  json,
  liveKitServer,
  startLoopback,
  twilioServer,
  writeVendorFiles,
  type Loopback,
} from './profile-vendor-shapes.js';

const ROOM = {
  room_id: 'rm_8xKp2mNqLz',
  name: 'r1',
  status: 'active',
  max_participants: 4,
  is_private: true,
  recording: false,
  join_url: 'http://127.0.0.1:1/join/rm_8xKp2mNqLz',
  participant_count: 2,
  duration_seconds: 5,
  created_at: '2026-01-01T00:00:00.000Z',
};

/** Answers every VideoConnect operation with a fixed, valid body and records what was sent. */
function videoConnectRecorder(): Promise<Loopback> {
  return startLoopback(({ method, url }, res) => {
    if (url.pathname === '/v1/auth/token') return json(res, 200, { access_token: 'a.b.c', token_type: 'Bearer', expires_in: 3600 });
    if (url.pathname === '/v1/rooms' && method === 'GET') return json(res, 200, { data: [ROOM], next_cursor: null, has_more: false });
    if (url.pathname === '/v1/rooms') return json(res, 201, ROOM);
    if (url.pathname.endsWith('/join-tokens')) return json(res, 201, { token: 'jt', join_url: `${ROOM.join_url}?token=jt`, expires_in: 600 });
    if (url.pathname === '/v1/webhooks')
      return json(res, 201, { webhook_id: 'wh_1', url: 'http://127.0.0.1:9/sink', events: [], secret: 'whsec_AAAA', created_at: ROOM.created_at });
    if (method === 'DELETE') return json(res, 200, { message: 'Room rm_8xKp2mNqLz has been closed.' });
    return json(res, 200, ROOM);
  });
}

describe('the built-in VideoConnect profile', () => {
  it('builds the same requests VideoConnectClient sends (method, path, headers, body), request by request', async () => {
    const profile = await loadBuiltinProfile();
    const viaClient = await videoConnectRecorder();
    const viaProfile = await videoConnectRecorder();
    try {
      const client = new VideoConnectClient({ baseUrl: viaClient.url, credentials: LOCAL_CREDENTIALS });
      await client.createRoom({ name: 'r1', max_participants: 4, is_private: true }, { idempotencyKey: '"k1"' });
      await client.createRoom({ name: 'r2' });
      await client.getRoom('rm_8xKp2mNqLz');
      await client.listRooms({ status: 'active', limit: 5, cursor: 'c1' });
      await client.listRooms();
      await client.deleteRoom('rm_8xKp2mNqLz');
      await client.createJoinToken('rm_8xKp2mNqLz', { participant_name: 'p1' });
      await client.createJoinToken('rm_8xKp2mNqLz');
      await client.createWebhook({ url: 'http://127.0.0.1:9/sink', events: ['room.created', 'participant.joined', 'participant.left', 'room.closed'] });
      await client.deleteWebhook('wh_1');

      const generic = createProfileClient(profile, {
        baseUrl: viaProfile.url,
        clientId: LOCAL_CREDENTIALS.clientId,
        clientSecret: LOCAL_CREDENTIALS.clientSecret,
        env: {},
      });
      await generic.createRoom({ name: 'r1', maxParticipants: 4, private: true, idempotencyKey: '"k1"' });
      await generic.createRoom({ name: 'r2' });
      await generic.getRoom('rm_8xKp2mNqLz');
      await generic.listPage({ status: 'active', limit: 5, cursor: 'c1' });
      await generic.listPage();
      await generic.closeRoom('rm_8xKp2mNqLz');
      await generic.joinToken('rm_8xKp2mNqLz', { name: 'p1' });
      await generic.joinToken('rm_8xKp2mNqLz');
      await generic.subscribeWebhooks('http://127.0.0.1:9/sink');
      await generic.unsubscribeWebhooks('wh_1');

      // Both servers listen on their own port: the Host header is one difference allowed. The other is the
      // X-Request-Id the profile's transport puts on every request (a fresh UUID each, so the run's timeline
      // and the target's logs can be joined); VideoConnectClient predates it.
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
      for (const r of viaProfile.requests) expect(r.headers['x-request-id']).toMatch(uuid);
      const normalized = (l: Loopback) =>
        l.requests.map((r) => ({
          ...r,
          headers: { ...Object.fromEntries(Object.entries(r.headers).filter(([name]) => name !== 'x-request-id')), host: 'target' },
        }));
      expect(normalized(viaProfile)).toEqual(normalized(viaClient));
      expect(viaClient.requests).toHaveLength(11);
    } finally {
      await viaClient.close();
      await viaProfile.close();
    }
  });

  it('reads the same fields as VideoConnectClient from the reference server, and a closed room stays readable', async () => {
    const profile = await loadBuiltinProfile();
    const server = await startReferenceServer();
    try {
      const generic = createProfileClient(profile, {
        baseUrl: server.url,
        clientId: LOCAL_CREDENTIALS.clientId,
        clientSecret: LOCAL_CREDENTIALS.clientSecret,
        env: {},
      });
      const typed = new VideoConnectClient({ baseUrl: server.url, credentials: LOCAL_CREDENTIALS });
      const { room, location } = await generic.createRoom({ name: 'rg-read-1', maxParticipants: 3 });
      const truth = await typed.getRoom(room.id);
      expect(location).toBe(`/v1/rooms/${truth.room_id}`);
      expect(room).toMatchObject({
        id: truth.room_id,
        name: truth.name,
        state: truth.status,
        status: truth.status,
        joinUrl: truth.join_url,
        participantCount: truth.participant_count,
      });
      expect((await generic.getRoom(room.id))?.raw).toEqual(truth);

      await generic.createRoom({ name: 'rg-read-2' });
      await typed.createRoom({ name: 'other-3' });
      // Pages of one, followed by the cursor the profile points at.
      const ids: string[] = [];
      let page = await generic.listPage({ limit: 1 });
      for (;;) {
        ids.push(...page.rooms.map((r) => r.id));
        if (page.next === undefined) break;
        page = await generic.listPage(page.next);
      }
      expect(ids).toEqual((await typed.listRooms({ limit: 100 })).data.map((r) => r.room_id));
      expect((await generic.listRunRooms('rg-read-')).map((r) => r.name).sort()).toEqual(['rg-read-1', 'rg-read-2']);

      await generic.closeRoom(room.id);
      await generic.closeRoom(room.id); // repeat: idempotent
      expect(await generic.getRoom(room.id)).toMatchObject({ id: room.id, state: 'closed' });
      expect(await generic.getRoom('rm_0000000000')).toBeUndefined();
      expect(generic.auth.issued()).toContain(LOCAL_CREDENTIALS.clientSecret);
    } finally {
      await server.close();
    }
  });
});

describe('profiles shaped like real vendors drive their APIs through the same client', () => {
  let dir: string;
  const load = (name: string): Promise<TargetProfile> => loadProfile(join(dir, `${name}.profile.yaml`));
  beforeAll(() => {
    dir = writeVendorFiles();
  });

  describe('Daily-like: rooms by name, static bearer key, url, starting_after=<last id>, delete = gone', () => {
    let server: Loopback;
    let client: ProfileClient;
    beforeAll(async () => {
      server = await startLoopback(dailyServer());
      client = createProfileClient(await load('daily'), { baseUrl: server.url, env: { DAILY_API_KEY: DAILY_KEY } });
    });
    afterAll(() => server.close());

    it('builds its requests: bearer key, JSON body with nested properties and an epoch exp, the name in the path', async () => {
      const api = new RoomApi(await load('daily'), { render: { now: () => Date.UTC(2026, 0, 1) } });
      const create = api.create({ name: 'rg-d-0', maxParticipants: 4 });
      expect(create).toMatchObject({ operationId: 'CreateRoom', method: 'POST', path: '/v1/rooms', contentType: 'application/json' });
      expect(JSON.parse(create.body!)).toEqual({ name: 'rg-d-0', properties: { max_participants: 4, exp: Date.UTC(2026, 0, 1, 1) / 1000 } });
      expect(api.get('rg-d-0')).toMatchObject({ method: 'GET', path: '/v1/rooms/rg-d-0' });
      expect(api.get('rg-d-0')).not.toHaveProperty('body');
      expect(api.close('rg-d-0')).toMatchObject({ method: 'DELETE', path: '/v1/rooms/rg-d-0' });
      expect(api.list({ limit: 2 }).path).toBe('/v1/rooms?limit=2');
      expect(await client.auth.headers()).toEqual({ authorization: `Bearer ${DAILY_KEY}` });
    });

    it('creates, reads, pages through every room, deletes ({deleted: true}) and then finds the room gone', async () => {
      const names = ['rg-d-1', 'rg-d-2', 'rg-d-3', 'rg-d-4', 'rg-d-5'];
      for (const name of names) {
        const { room } = await client.createRoom({ name, maxParticipants: 4 });
        expect(room).toMatchObject({ id: name, name, joinUrl: `https://acme.daily.co/${name}` });
        expect(room.state).toBeUndefined();
      }
      expect((await client.getRoom('rg-d-3'))?.id).toBe('rg-d-3');
      // Pages of two, each starting after the last item's uuid (not its name, which is the id).
      const first = await client.listPage({ limit: 2 });
      expect(first.rooms.map((r) => r.id)).toEqual(['rg-d-5', 'rg-d-4']);
      expect(first.next?.path).toBe(`/v1/rooms?limit=2&starting_after=${(first.rooms[1]!.raw as { id: string }).id}`);
      const walk: string[] = [];
      let page: typeof first | undefined = first;
      while (page !== undefined) {
        walk.push(...page.rooms.map((r) => r.id));
        page = page.next === undefined ? undefined : await client.listPage(page.next);
      }
      expect(walk).toEqual([...names].reverse());
      expect((await client.listRunRooms('rg-d-')).map((r) => r.id).sort()).toEqual(names);

      const deleted = await client.closeRoom('rg-d-1');
      expect(deleted.json).toEqual({ deleted: true, name: 'rg-d-1' });
      expect(await client.getRoom('rg-d-1')).toBeUndefined();
      // repeat: not-found — a second delete answers 404, which the client reports.
      await expect(client.closeRoom('rg-d-1')).rejects.toThrow(/DeleteRoom answered 404/);
    });
  });

  describe('Twilio-Video-v1-like: form bodies, HTTP Basic, close by POST Status=completed, next_page_url paging', () => {
    let server: Loopback;
    let client: ProfileClient;
    beforeAll(async () => {
      server = await startLoopback(twilioServer());
      client = createProfileClient(await load('twilio'), { baseUrl: server.url, env: { TWILIO_ACCOUNT_SID: TWILIO_SID, TWILIO_AUTH_TOKEN: TWILIO_TOKEN } });
    });
    afterAll(() => server.close());

    it("builds form-encoded requests with the vendor's field names, and the status filter in its own values", async () => {
      const api = new RoomApi(await load('twilio'));
      const create = api.create({ name: 'rg-t-0', maxParticipants: 4 });
      expect(create).toMatchObject({
        method: 'POST',
        path: '/v1/Rooms',
        contentType: 'application/x-www-form-urlencoded',
        body: 'UniqueName=rg-t-0&MaxParticipants=4&Type=group',
      });
      expect(api.close('RM1')).toMatchObject({
        method: 'POST',
        path: '/v1/Rooms/RM1',
        body: 'Status=completed',
        contentType: 'application/x-www-form-urlencoded',
      });
      expect(api.list({ status: 'active', limit: 2 }).path).toBe('/v1/Rooms?Status=in-progress&PageSize=2');
      // Twilio has no "waiting": the filter is left out rather than sent with a made-up value.
      expect(api.list({ status: 'waiting', limit: 2 }).path).toBe('/v1/Rooms?PageSize=2');
      expect(await client.auth.headers()).toEqual({ authorization: `Basic ${Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64')}` });
    });

    it('creates rooms in-progress (active), pages by next_page_url on the target, completes them and they stay readable as closed', async () => {
      const created: string[] = [];
      for (let i = 1; i <= 5; i++) {
        const { room } = await client.createRoom({ name: `rg-t-${i}`, maxParticipants: 4 });
        expect(room).toMatchObject({ name: `rg-t-${i}`, state: 'active', status: 'in-progress' });
        expect(room.id).toMatch(/^RM[0-9a-f]{32}$/);
        created.push(room.id);
      }
      const first = await client.listPage({ limit: 2 });
      expect(first.rooms).toHaveLength(2);
      // The API names its own host; the client asks the target for that path and query.
      expect(first.next?.path).toBe('/v1/Rooms?PageSize=2&Page=1&PageToken=PA1');
      expect((await client.listRunRooms('rg-t-')).map((r) => r.id).sort()).toEqual([...created].sort());

      const closed = await client.closeRoom(created[0]!);
      expect(closed.status).toBe(200);
      expect(await client.getRoom(created[0]!)).toMatchObject({ state: 'closed', status: 'completed' });
      // Only in-progress rooms when asked for active ones: the filter went to the server.
      expect((await client.listRunRooms('rg-t-', { states: ['active'] })).map((r) => r.id).sort()).toEqual(created.slice(1).sort());
      // repeat: error — completing a completed room is refused.
      await expect(client.closeRoom(created[0]!)).rejects.toThrow(/UpdateRoom answered 400/);
      const listed = server.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/Rooms?'));
      expect(listed.some((r) => r.path.includes('Status=in-progress'))).toBe(true);
    });
  });

  describe('LiveKit-RoomService-like: Twirp POSTs, a client-signed HS256 JWT with grants, get = ListRooms {names:[id]}', () => {
    let server: Loopback;
    let client: ProfileClient;
    beforeAll(async () => {
      server = await startLoopback(liveKitServer());
      client = createProfileClient(await load('livekit'), { baseUrl: server.url, env: { LIVEKIT_API_KEY: LIVEKIT_KEY, LIVEKIT_API_SECRET: LIVEKIT_SECRET } });
    });
    afterAll(() => server.close());

    it('names operations by METHOD /path and builds every request as a JSON POST', async () => {
      const api = new RoomApi(await load('livekit'));
      expect(api.create({ name: 'rg-l-0' })).toMatchObject({
        operationId: 'POST /twirp/livekit.RoomService/CreateRoom',
        method: 'POST',
        body: '{"name":"rg-l-0","empty_timeout":300}',
      });
      expect(api.get('rg-l-0')).toMatchObject({ path: '/twirp/livekit.RoomService/ListRooms', body: '{"names":["rg-l-0"]}' });
      expect(api.list()).toMatchObject({ path: '/twirp/livekit.RoomService/ListRooms', body: '{}' });
      expect(api.close('rg-l-0')).toMatchObject({ path: '/twirp/livekit.RoomService/DeleteRoom', body: '{"room":"rg-l-0"}' });
      expect(api.has('joinUrl')).toBe(false);
      expect(api.has('status')).toBe(false);
    });

    it('creates, reads through the filtered list, finds no join URL and no status, deletes and the room is gone', async () => {
      const { room } = await client.createRoom({ name: 'rg-l-1', maxParticipants: 6 });
      expect(room).toMatchObject({ id: 'rg-l-1', name: 'rg-l-1', participantCount: 0 });
      expect(room.joinUrl).toBeUndefined();
      expect(room.state).toBeUndefined();
      await client.createRoom({ name: 'rg-l-2' });
      expect((await client.getRoom('rg-l-2'))?.raw).toMatchObject({ name: 'rg-l-2', empty_timeout: 300 });
      expect((await client.listRunRooms('rg-l-')).map((r) => r.id).sort()).toEqual(['rg-l-1', 'rg-l-2']);
      expect((await client.closeRoom('rg-l-1')).json).toEqual({});
      // Gone: ListRooms {names:[id]} answers 200 with no room at /rooms/0.
      expect(await client.getRoom('rg-l-1')).toBeUndefined();
      await expect(client.closeRoom('rg-l-1')).rejects.toThrow(/DeleteRoom answered 404/);
      expect(client.auth.issued().some((t) => t.split('.').length === 3)).toBe(true);
    });
  });
});
