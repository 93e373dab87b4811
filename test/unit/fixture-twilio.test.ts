import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { faultNames, parseFaults } from '../fixtures/apis/shared/fault-catalog.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { type Exchange, exchange, type RequestInit } from '../fixtures/apis/shared/http-exchange.js';
import { failingProbes, type Probe } from '../fixtures/apis/shared/probes.js';
import { SpecValidator } from '../fixtures/apis/shared/spec-validator.js';
import { TWILIO_FAULTS, type TwilioFault } from '../fixtures/apis/twilio/faults.js';
import { createTwilioServer, TWILIO_DEFAULT_CREDENTIALS, type TwilioCredential, type TwilioServerOptions } from '../fixtures/apis/twilio/server.js';

// The Twilio-like fixture's own proof: its documented lifecycle, driven with plain HTTP in its own
// auth scheme (HTTP Basic, form-encoded bodies), answers as examples/twilio/openapi.yaml (OpenAPI 3.0.1)
// declares; each seeded fault breaks exactly the promise it names.

const [ONE, TWO] = TWILIO_DEFAULT_CREDENTIALS as [TwilioCredential, TwilioCredential];
const servers: FixtureServer[] = [];
let spec: SpecValidator;

beforeAll(async () => {
  spec = await SpecValidator.load('examples/twilio/openapi.yaml');
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const basic = (sid: string, secret: string): string => `Basic ${Buffer.from(`${sid}:${secret}`).toString('base64')}`;

class TwilioClient {
  constructor(
    readonly origin: string,
    readonly authorization: string | undefined,
  ) {}

  as(credential: TwilioCredential): TwilioClient {
    return new TwilioClient(this.origin, basic(credential.sid, credential.secret));
  }

  /** `path` is a path on the fixture, or a whole URL the API handed out (next_page_url). */
  call(path: string, init: RequestInit = {}): Promise<Exchange> {
    const headers = { ...(this.authorization === undefined ? {} : { authorization: this.authorization }), ...init.headers };
    return exchange(path.startsWith('http') ? path : `${this.origin}${path}`, { ...init, headers });
  }

  async valid(path: string, init: RequestInit = {}): Promise<Exchange> {
    const answer = await this.call(path, init);
    expect(spec.problems(answer), `${init.method ?? 'GET'} ${path}`).toEqual([]);
    return answer;
  }

  create(params: Record<string, string | string[]> = {}): Promise<Exchange> {
    return this.call('/v1/Rooms', { method: 'POST', body: form(params) });
  }
}

function form(params: Record<string, string | string[]>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const item of Array.isArray(value) ? value : [value]) body.append(key, item);
  return body;
}

async function start(options: TwilioServerOptions = {}): Promise<TwilioClient> {
  const server = await createTwilioServer(options);
  servers.push(server);
  return new TwilioClient(server.url, undefined).as(ONE);
}

let counter = 0;
const uniqueName = (): string => `room-${process.pid}-${++counter}`;
const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);
const UNKNOWN_SID = `RM${'0'.repeat(32)}`;

describe('twilio fixture: the clean server keeps its documented promises', () => {
  it('creates, fetches (by Sid and UniqueName), lists and completes a room; completed rooms stay readable by Sid', async () => {
    const api = await start();
    const name = uniqueName();
    const params = { UniqueName: name, Type: 'group', MaxParticipants: '7', VideoCodecs: ['VP8', 'H264'], EmptyRoomTimeout: '10', AudioOnly: 'false' };
    expect(
      spec.requestProblems('POST', '/v1/Rooms', 'application/x-www-form-urlencoded', { ...params, MaxParticipants: 7, EmptyRoomTimeout: 10, AudioOnly: false }),
    ).toEqual([]);
    const created = await api.valid('/v1/Rooms', { method: 'POST', body: form(params) });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      unique_name: name,
      status: 'in-progress',
      type: 'group',
      max_participants: 7,
      video_codecs: ['VP8', 'H264'],
      empty_room_timeout: 10,
      account_sid: ONE.accountSid,
      end_time: null,
    });
    const sid = String(field(created.json, 'sid'));
    expect(sid).toMatch(/^RM[0-9a-f]{32}$/);
    expect(field(created.json, 'url')).toBe(`${api.origin}/v1/Rooms/${sid}`);

    expect((await api.valid(`/v1/Rooms/${sid}`)).json).toEqual(created.json);
    expect((await api.valid(`/v1/Rooms/${name}`)).json).toEqual(created.json);
    const listed = await api.valid('/v1/Rooms');
    expect(field(listed.json, 'rooms')).toEqual([created.json]);

    const completed = await api.valid(`/v1/Rooms/${sid}`, { method: 'POST', body: form({ Status: 'completed' }) });
    expect(completed.status).toBe(202);
    expect(completed.json).toMatchObject({ sid, status: 'completed' });
    expect(field(completed.json, 'end_time')).toEqual(expect.any(String));
    expect(field(completed.json, 'duration')).toEqual(expect.any(Number));
    const after = await api.valid(`/v1/Rooms/${sid}`);
    expect(field(after.json, 'status')).toBe('completed');
    // The UniqueName addresses only in-progress rooms; a second completion is refused.
    expect((await api.valid(`/v1/Rooms/${name}`)).status).toBe(404);
    const again = await api.valid(`/v1/Rooms/${sid}`, { method: 'POST', body: form({ Status: 'completed' }) });
    expect([again.status, field(again.json, 'code')]).toEqual([400, 53118]);
    expect((await api.valid('/v1/Rooms')).json).toMatchObject({ rooms: [] });
    expect(field((await api.valid('/v1/Rooms?Status=completed')).json, 'rooms')).toEqual([after.json]);
    // The name is free again once the room is completed.
    expect((await api.valid('/v1/Rooms', { method: 'POST', body: form({ UniqueName: name }) })).status).toBe(201);
  });

  it('authenticates with HTTP Basic: an Account SID + Auth Token or an API key; each account sees only its rooms', async () => {
    const api = await start();
    const anonymous = await new TwilioClient(api.origin, undefined).valid('/v1/Rooms');
    expect([anonymous.status, field(anonymous.json, 'code'), anonymous.headers['www-authenticate']]).toEqual([401, 20003, 'Basic realm="Twilio API"']);
    expect((await new TwilioClient(api.origin, basic(ONE.sid, 'wrong')).valid('/v1/Rooms')).status).toBe(401);
    expect((await new TwilioClient(api.origin, `Bearer ${ONE.secret}`).valid('/v1/Rooms')).status).toBe(401);
    const created = await api.valid('/v1/Rooms', { method: 'POST', body: form({ UniqueName: uniqueName() }) });
    const sid = String(field(created.json, 'sid'));
    const other = api.as(TWO);
    expect((await other.valid('/v1/Rooms')).json).toMatchObject({ rooms: [] });
    const foreign = await other.valid(`/v1/Rooms/${sid}`);
    expect([foreign.status, field(foreign.json, 'code')]).toEqual([404, 20404]);
    const mine = await other.valid('/v1/Rooms', { method: 'POST', body: form({}) });
    expect(field(mine.json, 'account_sid')).toBe(TWO.accountSid);
    // Without a UniqueName, the room's unique_name is its Sid.
    expect(field(mine.json, 'unique_name')).toBe(field(mine.json, 'sid'));
  });

  it('refuses invalid parameters with 400 and the documented Twilio codes', async () => {
    const api = await start();
    const cases: [Record<string, string | string[]>, number][] = [
      [{ Type: 'huge' }, 53108],
      [{ MaxParticipants: '51' }, 53103],
      [{ MaxParticipants: '0' }, 53103],
      [{ Type: 'peer-to-peer', MaxParticipants: '11' }, 53103],
      [{ MaxParticipants: 'ten' }, 20001],
      [{ UniqueName: 'x'.repeat(129) }, 53101],
      [{ UniqueName: 'a/b' }, 53100],
      [{ StatusCallback: 'not a url' }, 11100],
      [{ VideoCodecs: ['VP8', 'AV1'] }, 20001],
      [{ EmptyRoomTimeout: '61' }, 53103],
      [{ AudioOnly: 'maybe' }, 20001],
    ];
    for (const [params, code] of cases) {
      const answer = await api.valid('/v1/Rooms', { method: 'POST', body: form(params) });
      expect([answer.status, field(answer.json, 'code')], JSON.stringify(params)).toEqual([400, code]);
    }
    const name = uniqueName();
    await api.valid('/v1/Rooms', { method: 'POST', body: form({ UniqueName: name }) });
    const duplicate = await api.valid('/v1/Rooms', { method: 'POST', body: form({ UniqueName: name }) });
    expect([duplicate.status, field(duplicate.json, 'code')]).toEqual([400, 53113]);
    for (const query of ['PageSize=0', 'PageSize=1001', 'Status=sleeping', 'DateCreatedAfter=yesterday'])
      expect((await api.valid(`/v1/Rooms?${query}`)).status, query).toBe(400);
    const badToken = await api.valid('/v1/Rooms?PageToken=nonsense');
    expect([badToken.status, field(badToken.json, 'code')]).toEqual([400, 21481]);
    const sid = String(field((await api.create()).json, 'sid'));
    expect((await api.valid(`/v1/Rooms/${sid}`, { method: 'POST', body: form({}) })).status).toBe(400);
    expect((await api.valid(`/v1/Rooms/${sid}`, { method: 'POST', body: form({ Status: 'failed' }) })).status).toBe(400);
    // Twilio reads form parameters only: a JSON body carries none, so the room gets every default.
    const fromJson = await api.valid('/v1/Rooms', { method: 'POST', body: { MaxParticipants: 500 } });
    expect([fromJson.status, field(fromJson.json, 'max_participants')]).toEqual([201, 50]);
  });

  it('pages newest first: next_page_url walks every room once, previous_page_url walks back', async () => {
    const api = await start();
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const name = uniqueName();
      names.unshift(name);
      await api.valid('/v1/Rooms', { method: 'POST', body: form({ UniqueName: name }) });
    }
    expect(await walkPages(api, 2)).toEqual(names);
    const first = await api.valid('/v1/Rooms?PageSize=2');
    expect(field(first.json, 'meta')).toMatchObject({
      page: 0,
      page_size: 2,
      key: 'rooms',
      previous_page_url: null,
      first_page_url: `${api.origin}/v1/Rooms?PageSize=2&Page=0`,
    });
    const second = await api.valid(String(field(field(first.json, 'meta'), 'next_page_url')));
    expect(field(field(second.json, 'meta'), 'page')).toBe(1);
    const back = await api.valid(String(field(field(second.json, 'meta'), 'previous_page_url')));
    expect(field(back.json, 'rooms')).toEqual(field(first.json, 'rooms'));
    const filtered = await api.valid(`/v1/Rooms?UniqueName=${names[2]}`);
    expect((field(filtered.json, 'rooms') as unknown[]).length).toBe(1);
  });

  it('answers 429 code 20429 with Retry-After once the account quota is spent', async () => {
    const api = await start({ rateLimit: { quota: 2, windowSeconds: 60 } });
    await api.valid('/v1/Rooms');
    await api.valid('/v1/Rooms');
    const limited = await api.valid('/v1/Rooms');
    expect([limited.status, field(limited.json, 'code')]).toEqual([429, 20429]);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await api.as(TWO).valid('/v1/Rooms')).status).toBe(200);
  });
});

async function walkPages(api: TwilioClient, pageSize: number): Promise<string[]> {
  const names: string[] = [];
  let next: string | null = `/v1/Rooms?PageSize=${pageSize}`;
  for (let page = 0; page < 20 && next !== null; page++) {
    const answer: Exchange = await api.call(next);
    names.push(...(field(answer.json, 'rooms') as Record<string, unknown>[]).map((room) => String(room['unique_name'])));
    const link = field(field(answer.json, 'meta'), 'next_page_url');
    next = typeof link === 'string' ? link : null;
  }
  return names;
}

const PROBES: Record<TwilioFault, Probe<TwilioClient>> = {
  'complete-keeps-in-progress': async (api) => {
    const sid = String(field((await api.create()).json, 'sid'));
    const answer = await api.call(`/v1/Rooms/${sid}`, { method: 'POST', body: form({ Status: 'completed' }) });
    const status = field((await api.call(`/v1/Rooms/${sid}`)).json, 'status');
    return answer.status === 202 && status === 'completed' ? undefined : `complete ${answer.status}, then fetch says ${String(status)}`;
  },
  'max-participants-as-string': async (api) => {
    const created = await api.create({ MaxParticipants: '9' });
    const problems = spec.problems(created);
    return problems.length === 0 ? undefined : problems.join('; ');
  },
  'accepts-max-participants-over-limit': async (api) => {
    const statuses = [];
    for (const max of ['51', '0', '1000']) statuses.push((await api.create({ MaxParticipants: max })).status);
    return statuses.every((status) => status === 400) ? undefined : `MaxParticipants 51, 0, 1000 answered ${statuses.join(', ')}`;
  },
  'list-skips-at-page-boundary': async (api) => {
    const fresh = api.as(TWO); // an account the other probes leave empty
    for (let i = 0; i < 5; i++) await fresh.create({ UniqueName: uniqueName() });
    const all = (field((await fresh.call('/v1/Rooms')).json, 'rooms') as Record<string, unknown>[]).map((room) => String(room['unique_name']));
    const walked = await walkPages(fresh, 2);
    return JSON.stringify(walked) === JSON.stringify(all) ? undefined : `pages of 2 gave ${walked.length} rooms, one page ${all.length}`;
  },
  'cross-account-access': async (api) => {
    const sid = String(field((await api.create()).json, 'sid'));
    const other = api.as(TWO);
    const read = (await other.call(`/v1/Rooms/${sid}`)).status;
    const closed = (await other.call(`/v1/Rooms/${sid}`, { method: 'POST', body: form({ Status: 'completed' }) })).status;
    const status = field((await api.call(`/v1/Rooms/${sid}`)).json, 'status');
    return read === 404 && closed === 404 && status === 'in-progress'
      ? undefined
      : `another account: fetch ${read}, complete ${closed}; owner then sees ${String(status)}`;
  },
  'unknown-room-500': async (api) => {
    const answer = await api.call(`/v1/Rooms/${UNKNOWN_SID}`);
    return answer.status === 404 && field(answer.json, 'code') === 20404 ? undefined : `unknown Sid answered ${answer.status}`;
  },
  'accepts-wrong-secret': async (api) => {
    const answer = await new TwilioClient(api.origin, basic(ONE.sid, 'not-the-token')).call('/v1/Rooms');
    return answer.status === 401 ? undefined : `a wrong Auth Token answered ${answer.status}`;
  },
  'create-500-on-empty-room-timeout': async (api) => {
    const answer = await api.create({ EmptyRoomTimeout: '15' });
    return answer.status === 201 ? undefined : `EmptyRoomTimeout=15 answered ${answer.status}`;
  },
};

describe('twilio fixture: seeded faults', () => {
  it('has at least five faults, each with a probe', () => {
    expect(faultNames(TWILIO_FAULTS).length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(PROBES).sort()).toEqual(faultNames(TWILIO_FAULTS).sort());
  });

  it('the clean server passes every probe', async () => {
    expect(await failingProbes(PROBES, await start())).toEqual({});
  });

  it.each(faultNames(TWILIO_FAULTS))('fault %s fails its own probe and no other', async (fault) => {
    const failing = await failingProbes(PROBES, await start({ faults: [fault] }));
    expect(Object.keys(failing)).toEqual([fault]);
  });

  it('refuses an unknown fault name', () => {
    expect(() => parseFaults(TWILIO_FAULTS, ['no-such-fault'])).toThrow(/unknown fault "no-such-fault"/);
  });
});
