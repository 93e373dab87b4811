import { SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LIVEKIT_FAULTS, type LiveKitFault } from '../fixtures/apis/livekit/faults.js';
import {
  createLiveKitServer,
  LIVEKIT_DEFAULT_CREDENTIALS,
  type LiveKitCredential,
  type LiveKitServerOptions,
  ROOM_SERVICE_PATH,
} from '../fixtures/apis/livekit/server.js';
import { faultNames, parseFaults } from '../fixtures/apis/shared/fault-catalog.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { type Exchange, exchange, type RequestInit } from '../fixtures/apis/shared/http-exchange.js';
import { failingProbes, type Probe } from '../fixtures/apis/shared/probes.js';
import { SpecValidator } from '../fixtures/apis/shared/spec-validator.js';

// The LiveKit-like fixture's own proof: its RoomService, driven with plain HTTP in its own auth
// scheme (client-signed HS256 access tokens with video grants), answers as
// examples/livekit/openapi.yaml declares; each seeded fault breaks exactly the promise it names.

const [ALPHA, BETA] = LIVEKIT_DEFAULT_CREDENTIALS as [LiveKitCredential, LiveKitCredential];
const ALL_GRANTS = { roomCreate: true, roomList: true };
const servers: FixtureServer[] = [];
let spec: SpecValidator;

beforeAll(async () => {
  spec = await SpecValidator.load('examples/livekit/openapi.yaml');
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface TokenOptions {
  video?: Record<string, unknown>;
  secret?: string;
  issuer?: string;
  expiresIn?: string;
}

/** What a server SDK does: an HS256 JWT, `iss` the API key, signed with its secret. */
async function accessToken(credential: LiveKitCredential, options: TokenOptions = {}): Promise<string> {
  return new SignJWT({ video: options.video ?? ALL_GRANTS, sub: 'roomgate-test' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(options.issuer ?? credential.apiKey)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(options.expiresIn ?? '10m')
    .sign(new TextEncoder().encode(options.secret ?? credential.apiSecret));
}

class RoomService {
  constructor(
    readonly origin: string,
    readonly credential: LiveKitCredential,
  ) {}

  as(credential: LiveKitCredential): RoomService {
    return new RoomService(this.origin, credential);
  }

  async call(method: string, body: unknown, token: TokenOptions | string | null = {}, init: RequestInit = {}): Promise<Exchange> {
    const bearer = token === null ? undefined : typeof token === 'string' ? token : `Bearer ${await accessToken(this.credential, token)}`;
    return exchange(`${this.origin}${ROOM_SERVICE_PATH}/${method}`, {
      method: 'POST',
      body,
      ...init,
      headers: { ...(bearer === undefined ? {} : { authorization: bearer }), ...init.headers },
    });
  }

  async valid(method: string, body: unknown, token: TokenOptions | string | null = {}, init: RequestInit = {}): Promise<Exchange> {
    const answer = await this.call(method, body, token, init);
    expect(spec.problems(answer), `${method} ${JSON.stringify(body)}`).toEqual([]);
    return answer;
  }

  async find(name: string): Promise<Record<string, unknown> | undefined> {
    const answer = await this.call('ListRooms', { names: [name] });
    return (field(answer.json, 'rooms') as Record<string, unknown>[] | undefined)?.[0];
  }
}

async function start(options: LiveKitServerOptions = {}): Promise<RoomService> {
  const server = await createLiveKitServer(options);
  servers.push(server);
  return new RoomService(server.url, ALPHA);
}

let counter = 0;
const uniqueName = (): string => `room-${process.pid}-${++counter}`;
const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);

describe('livekit fixture: the clean server keeps its documented promises', () => {
  it('creates, lists, re-creates, lists participants of and deletes a room; a deleted room is gone', async () => {
    const api = await start();
    const name = uniqueName();
    const created = await api.valid('CreateRoom', { name, empty_timeout: 600, maxParticipants: 10, metadata: '{"topic":"standup"}' });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      name,
      empty_timeout: 600,
      departure_timeout: 20,
      max_participants: 10,
      metadata: '{"topic":"standup"}',
      num_participants: 0,
    });
    expect(field(created.json, 'sid')).toMatch(/^RM_/);
    expect(field(created.json, 'creation_time')).toMatch(/^\d+$/); // int64 → a JSON string

    expect((await api.valid('ListRooms', { names: [name] })).json).toEqual({ rooms: [created.json] });
    expect((await api.valid('ListRooms', {})).json).toEqual({ rooms: [created.json] });
    expect((await api.valid('ListRooms', { names: ['no-such-room'] })).json).toEqual({ rooms: [] });
    // CreateRoom of an existing name answers the room that exists.
    expect((await api.valid('CreateRoom', { name, max_participants: 3 })).json).toEqual(created.json);

    const participants = await api.valid('ListParticipants', { room: name }, { video: { roomAdmin: true, room: name } });
    expect(participants.json).toEqual({ participants: [] });

    expect((await api.valid('DeleteRoom', { room: name })).json).toEqual({});
    expect((await api.valid('ListRooms', { names: [name] })).json).toEqual({ rooms: [] });
    const again = await api.valid('DeleteRoom', { room: name });
    expect([again.status, field(again.json, 'code')]).toEqual([404, 'not_found']);
  });

  it('authenticates like livekit-server: grants per method in Twirp JSON, bad tokens in plain text from the key middleware', async () => {
    const api = await start();
    const noToken = await api.valid('ListRooms', {}, null);
    expect([noToken.status, noToken.json]).toEqual([401, { code: 'unauthenticated', msg: 'permissions denied' }]);
    const listOnly = await api.valid('CreateRoom', { name: uniqueName() }, { video: { roomList: true } });
    expect([listOnly.status, field(listOnly.json, 'code')]).toEqual([401, 'unauthenticated']);
    const createOnly = await api.valid('ListRooms', {}, { video: { roomCreate: true } });
    expect(createOnly.status).toBe(401);
    const otherRoomAdmin = await api.valid('ListParticipants', { room: 'a' }, { video: { roomAdmin: true, room: 'b' } });
    expect(otherRoomAdmin.status).toBe(401);

    for (const [token, text] of [
      [{ secret: 'not-the-secret-of-this-key-at-all' }, /^invalid authorization token: /],
      [{ issuer: 'APIunknownKey00' }, /^invalid API key$/],
      [{ expiresIn: '-1m' }, /^invalid authorization token: /],
      ['Bearer not-a-jwt', /^invalid authorization token$/],
      [`Basic ${Buffer.from(`${ALPHA.apiKey}:${ALPHA.apiSecret}`).toString('base64')}`, /^invalid authorization header/],
    ] as const) {
      const answer = await api.valid('ListRooms', {}, token);
      expect([answer.status, answer.headers['content-type']], JSON.stringify(token)).toEqual([401, 'text/plain; charset=utf-8']);
      expect(answer.text).toMatch(text);
    }
    // Without a header, the token may come as ?access_token= (the middleware reads the form value).
    const viaQuery = await exchange(`${api.origin}${ROOM_SERVICE_PATH}/ListRooms?access_token=${await accessToken(ALPHA)}`, { method: 'POST', body: {} });
    expect(viaQuery.status).toBe(200);
  });

  it('answers Twirp errors for routes and bodies: bad_route, malformed, invalid_argument', async () => {
    const api = await start();
    const get = await exchange(`${api.origin}${ROOM_SERVICE_PATH}/ListRooms`, { headers: { authorization: `Bearer ${await accessToken(ALPHA)}` } });
    expect([get.status, field(get.json, 'code')]).toEqual([404, 'bad_route']);
    const unknownMethod = await api.call('MakeCoffee', {});
    expect([unknownMethod.status, field(unknownMethod.json, 'code')]).toEqual([404, 'bad_route']);
    const textBody = await api.valid('ListRooms', undefined, {}, { headers: { 'content-type': 'text/plain' } });
    expect([textBody.status, field(textBody.json, 'code')]).toEqual([404, 'bad_route']);
    const { request } = await import('undici');
    const broken = await request(`${api.origin}${ROOM_SERVICE_PATH}/ListRooms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await accessToken(ALPHA)}`, 'content-type': 'application/json' },
      body: '{"names":',
    });
    expect([broken.statusCode, ((await broken.body.json()) as { code: string }).code]).toEqual([400, 'malformed']);
    for (const body of [
      { name: uniqueName(), max_participants: -1 },
      { name: uniqueName(), max_participants: 4_294_967_296 },
      { name: uniqueName(), empty_timeout: 'soon' },
      { name: 42 },
      { names: 'a' },
    ]) {
      const answer = await api.valid(body.name === undefined ? 'ListRooms' : 'CreateRoom', body);
      expect([answer.status, field(answer.json, 'code')], JSON.stringify(body)).toEqual([400, 'malformed']);
    }
    for (const body of [{ name: '' }, { name: 'x'.repeat(257) }, { name: uniqueName(), metadata: 'm'.repeat(64_001) }]) {
      const answer = await api.valid('CreateRoom', body);
      expect([answer.status, field(answer.json, 'code')]).toEqual([400, 'invalid_argument']);
    }
    const outside = await exchange(`${api.origin}/rooms`);
    expect([outside.status, outside.text]).toEqual([404, '404 page not found\n']);
  });

  it("keeps each project's rooms to itself", async () => {
    const api = await start();
    const name = uniqueName();
    await api.valid('CreateRoom', { name });
    const beta = api.as(BETA);
    expect((await beta.valid('ListRooms', {})).json).toEqual({ rooms: [] });
    expect((await beta.valid('DeleteRoom', { room: name })).status).toBe(404);
    expect(await api.find(name)).toMatchObject({ name });
  });
});

const PROBES: Record<LiveKitFault, Probe<RoomService>> = {
  'delete-keeps-room': async (api) => {
    const name = uniqueName();
    await api.call('CreateRoom', { name });
    const deleted = await api.call('DeleteRoom', { room: name });
    const after = await api.find(name);
    return deleted.status === 200 && after === undefined
      ? undefined
      : `DeleteRoom ${deleted.status}, then ListRooms still finds ${String(field(after, 'name'))}`;
  },
  'creation-time-as-number': async (api) => {
    const problems = spec.problems(await api.call('CreateRoom', { name: uniqueName() }));
    return problems.length === 0 ? undefined : problems.join('; ');
  },
  'accepts-negative-max-participants': async (api) => {
    const answer = await api.call('CreateRoom', { name: uniqueName(), max_participants: -1 });
    return answer.status === 400 ? undefined : `max_participants -1 answered ${answer.status}`;
  },
  'skips-signature-check': async (api) => {
    const answer = await api.call('ListRooms', {}, { secret: 'a-secret-that-is-not-the-keys-secret' });
    return answer.status === 401 ? undefined : `a token signed with the wrong secret answered ${answer.status}`;
  },
  'list-drops-max-participants': async (api) => {
    const name = uniqueName();
    const created = field((await api.call('CreateRoom', { name, max_participants: 7 })).json, 'max_participants');
    const listed = field(await api.find(name), 'max_participants');
    return created === 7 && listed === 7 ? undefined : `create said max_participants ${String(created)}, ListRooms says ${String(listed)}`;
  },
  'delete-unknown-ok': async (api) => {
    const answer = await api.call('DeleteRoom', { room: `never-${uniqueName()}` });
    return answer.status === 404 ? undefined : `DeleteRoom of an unknown room answered ${answer.status}`;
  },
  'error-not-twirp': async (api) => {
    const answer = await api.call('CreateRoom', { name: '' });
    const problems = spec.problems(answer);
    return answer.status === 400 && problems.length === 0 ? undefined : `${answer.status} ${answer.text}: ${problems.join('; ')}`;
  },
  'cross-project-visible': async (api) => {
    const name = uniqueName();
    await api.call('CreateRoom', { name });
    const beta = api.as(BETA);
    const seen = await beta.find(name);
    const deleted = (await beta.call('DeleteRoom', { room: name })).status;
    const still = await api.find(name);
    return seen === undefined && deleted === 404 && still !== undefined
      ? undefined
      : `another project's key: ListRooms ${seen === undefined ? 'empty' : 'finds it'}, DeleteRoom ${deleted}`;
  },
  'create-500-with-metadata': async (api) => {
    const answer = await api.call('CreateRoom', { name: uniqueName(), metadata: 'hello' });
    return answer.status === 200 ? undefined : `metadata "hello" answered ${answer.status}`;
  },
};

describe('livekit fixture: seeded faults', () => {
  it('has at least five faults, each with a probe', () => {
    expect(faultNames(LIVEKIT_FAULTS).length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(PROBES).sort()).toEqual(faultNames(LIVEKIT_FAULTS).sort());
  });

  it('the clean server passes every probe', async () => {
    expect(await failingProbes(PROBES, await start())).toEqual({});
  });

  it.each(faultNames(LIVEKIT_FAULTS))('fault %s fails its own probe and no other', async (fault) => {
    const failing = await failingProbes(PROBES, await start({ faults: [fault] }));
    expect(Object.keys(failing)).toEqual([fault]);
  });

  it('refuses an unknown fault name', () => {
    expect(() => parseFaults(LIVEKIT_FAULTS, ['no-such-fault'])).toThrow(/unknown fault "no-such-fault"/);
  });
});
