import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DAILY_FAULTS, type DailyFault } from '../fixtures/apis/daily/faults.js';
import { createDailyServer, DAILY_DEFAULT_CREDENTIALS, type DailyServerOptions } from '../fixtures/apis/daily/server.js';
import { faultNames, parseFaults } from '../fixtures/apis/shared/fault-catalog.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { type Exchange, exchange, type RequestInit } from '../fixtures/apis/shared/http-exchange.js';
import { failingProbes, type Probe } from '../fixtures/apis/shared/probes.js';
import { SpecValidator } from '../fixtures/apis/shared/spec-validator.js';

// The Daily-like fixture's own proof: its documented lifecycle, driven with plain HTTP in its own
// auth scheme (a static bearer key), answers as examples/daily/openapi.yaml declares; each seeded
// fault breaks exactly the promise it names and nothing the other probes look at.

const [ACME, GLOBEX] = DAILY_DEFAULT_CREDENTIALS as [(typeof DAILY_DEFAULT_CREDENTIALS)[number], (typeof DAILY_DEFAULT_CREDENTIALS)[number]];
const servers: FixtureServer[] = [];
let spec: SpecValidator;

beforeAll(async () => {
  spec = await SpecValidator.load('examples/daily/openapi.yaml');
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A client of one fixture server in one domain's key. */
class DailyClient {
  constructor(
    readonly origin: string,
    readonly apiKey: string | undefined,
  ) {}

  as(apiKey: string): DailyClient {
    return new DailyClient(this.origin, apiKey);
  }

  call(path: string, init: RequestInit = {}): Promise<Exchange> {
    const headers = { ...(this.apiKey === undefined ? {} : { authorization: `Bearer ${this.apiKey}` }), ...init.headers };
    return exchange(`${this.origin}/v1${path}`, { ...init, headers });
  }

  /** A call whose answer must keep every promise of the document. */
  async valid(path: string, init: RequestInit = {}): Promise<Exchange> {
    const answer = await this.call(path, init);
    expect(spec.problems(answer), `${init.method ?? 'GET'} ${path}`).toEqual([]);
    return answer;
  }
}

async function start(options: DailyServerOptions = {}): Promise<DailyClient> {
  const server = await createDailyServer(options);
  servers.push(server);
  return new DailyClient(server.url, ACME.apiKey);
}

let counter = 0;
const uniqueName = (): string => `room-${process.pid}-${++counter}`;
const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);

describe('daily fixture: the clean server keeps its documented promises', () => {
  it('creates, reads, lists, updates, issues a meeting token for and deletes a room, every answer as the document declares', async () => {
    const api = await start();
    const name = uniqueName();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const created = await api.valid('/rooms', {
      method: 'POST',
      body: { name, privacy: 'private', properties: { exp, max_participants: 4, enable_chat: true } },
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ name, privacy: 'private', api_created: true, config: { exp, max_participants: 4, enable_chat: true } });
    expect(field(created.json, 'url')).toBe(`${api.origin}/${ACME.domain}/${name}`);

    const read = await api.valid(`/rooms/${name}`);
    expect(read.json).toEqual(created.json);
    const listed = await api.valid('/rooms');
    expect(field(listed.json, 'total_count')).toBe(1);
    expect(field(listed.json, 'data')).toEqual([created.json]);

    const updated = await api.valid(`/rooms/${name}`, { method: 'POST', body: { privacy: 'public', properties: { max_participants: 200 } } });
    // 200 is the default, so it leaves `config` (Daily lists only what differs from the defaults).
    expect(updated.json).toMatchObject({ privacy: 'public', config: { exp, enable_chat: true } });
    expect(field(field(updated.json, 'config'), 'max_participants')).toBeUndefined();

    const token = await api.valid('/meeting-tokens', { method: 'POST', body: { properties: { room_name: name, user_name: 'ada', exp } } });
    expect(field(token.json, 'token')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const deleted = await api.valid(`/rooms/${name}`, { method: 'DELETE' });
    expect(deleted.json).toEqual({ deleted: true, name });
    expect((await api.valid(`/rooms/${name}`)).status).toBe(404);
    expect((await api.valid(`/rooms/${name}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers authentication as Daily documents: no header 400 authorization-header-error, a bad key 401 authentication-error', async () => {
    const api = await start();
    const missing = await new DailyClient(api.origin, undefined).valid('/rooms');
    expect([missing.status, field(missing.json, 'error')]).toEqual([400, 'authorization-header-error']);
    const wrong = await api.as('not-a-key').valid('/rooms');
    expect([wrong.status, field(wrong.json, 'error')]).toEqual([401, 'authentication-error']);
    const basic = await api.valid('/rooms', { headers: { authorization: `Basic ${Buffer.from(`x:${ACME.apiKey}`).toString('base64')}` } });
    expect(basic.status).toBe(400);
  });

  it('refuses invalid input with 400 in the declared {error, info} shape', async () => {
    const api = await start();
    const cases: RequestInit['body'][] = [
      { properties: { max_participants: 0 } },
      { properties: { max_participants: 201 } },
      { properties: { max_participants: 'ten' } },
      { name: 'has spaces' },
      { name: 'x'.repeat(129) },
      { privacy: 'secret' },
      { properties: { no_such_property: true } },
      { colour: 'blue' },
    ];
    for (const body of cases) {
      const answer = await api.valid('/rooms', { method: 'POST', body });
      expect([answer.status, field(answer.json, 'error')], JSON.stringify(body)).toEqual([400, 'invalid-request-error']);
    }
    // An empty body with a JSON content type is "no parameters" (a room with a random name), not malformed JSON.
    const empty = await api.valid('/rooms', { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(200);
    const name = uniqueName();
    await api.valid('/rooms', { method: 'POST', body: { name } });
    const duplicate = await api.valid('/rooms', { method: 'POST', body: { name } });
    expect([duplicate.status, field(duplicate.json, 'error')]).toEqual([400, 'invalid-request-error']);
    expect((await api.valid('/rooms?limit=0')).status).toBe(400);
    expect((await api.valid('/rooms?limit=101')).status).toBe(400);
  });

  it('answers malformed JSON with 400 json-parsing-error', async () => {
    const api = await start();
    const { request } = await import('undici');
    const response = await request(`${api.origin}/v1/rooms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACME.apiKey}`, 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(response.statusCode).toBe(400);
    expect(await response.body.json()).toMatchObject({ error: 'json-parsing-error' });
  });

  it('pages newest first: starting_after walks every room once, ending_before walks back', async () => {
    const api = await start();
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const name = uniqueName();
      names.unshift(name);
      await api.valid('/rooms', { method: 'POST', body: { name } });
    }
    const walked = await walkPages(api, 2);
    expect(walked).toEqual(names);
    const firstPage = await api.valid('/rooms?limit=2');
    const secondPage = await api.valid(`/rooms?limit=2&starting_after=${idAt(firstPage, 1)}`);
    const back = await api.valid(`/rooms?limit=2&ending_before=${idAt(secondPage, 0)}`);
    expect(field(back.json, 'data')).toEqual(field(firstPage.json, 'data'));
    expect(field(secondPage.json, 'total_count')).toBe(5);
  });

  it('counts X-RateLimit-Remaining down to 0, then answers 429 rate-limit-error with Retry-After', async () => {
    const api = await start({ rateLimit: { quota: 3, windowSeconds: 60 } });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) remaining.push((await api.valid('/rooms')).headers['x-ratelimit-remaining'] ?? '');
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await api.valid('/rooms');
    expect([limited.status, field(limited.json, 'error')]).toEqual([429, 'rate-limit-error']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The quota is per API key: the other domain still has its own.
    expect((await api.as(GLOBEX.apiKey).valid('/rooms')).status).toBe(200);
  });

  it('serves the room url as a join page; an unknown room is refused visibly with 404', async () => {
    const api = await start();
    const name = uniqueName();
    const created = await api.valid('/rooms', { method: 'POST', body: { name } });
    const page = await exchange(String(field(created.json, 'url')));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain(`"signalPath":"/${ACME.domain}/${name}/signal"`);
    const unknown = await exchange(`${api.origin}/${ACME.domain}/no-such-room`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('data-reason="room_not_found"');
    const privateRoom = await api.valid('/rooms', { method: 'POST', body: { name: uniqueName(), privacy: 'private' } });
    const refused = await exchange(String(field(privateRoom.json, 'url')));
    expect([refused.status, refused.text.includes('data-reason="token_required"')]).toEqual([403, true]);
    const token = await api.valid('/meeting-tokens', { method: 'POST', body: { properties: { room_name: field(privateRoom.json, 'name') as string } } });
    const admitted = await exchange(`${String(field(privateRoom.json, 'url'))}?t=${String(field(token.json, 'token'))}`);
    expect(admitted.status).toBe(200);
  });
});

async function walkPages(api: DailyClient, limit: number): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 20; page++) {
    const answer = await api.call(`/rooms?limit=${limit}${cursor === undefined ? '' : `&starting_after=${cursor}`}`);
    const data = field(answer.json, 'data') as Record<string, unknown>[];
    names.push(...data.map((room) => String(room['name'])));
    if (data.length < limit) break;
    cursor = String(data[data.length - 1]?.['id']);
  }
  return names;
}

function idAt(answer: Exchange, index: number): string {
  return String((field(answer.json, 'data') as Record<string, unknown>[])[index]?.['id']);
}

/** One probe per fault: each checks the promise that fault breaks, and only that. */
const PROBES: Record<DailyFault, Probe<DailyClient>> = {
  'get-drops-max-participants': async (api) => {
    const name = uniqueName();
    const created = await api.call('/rooms', { method: 'POST', body: { name, properties: { max_participants: 7 } } });
    const read = await api.call(`/rooms/${name}`);
    const [made, got] = [field(field(created.json, 'config'), 'max_participants'), field(field(read.json, 'config'), 'max_participants')];
    return made === 7 && got === 7 ? undefined : `create said max_participants ${String(made)}, get says ${String(got)}`;
  },
  'delete-keeps-room': async (api) => {
    const name = uniqueName();
    await api.call('/rooms', { method: 'POST', body: { name } });
    const deleted = await api.call(`/rooms/${name}`, { method: 'DELETE' });
    const after = await api.call(`/rooms/${name}`);
    return deleted.status === 200 && after.status === 404 ? undefined : `delete ${deleted.status}, then get ${after.status}`;
  },
  'list-skips-at-page-boundary': async (api) => {
    const fresh = api.as(GLOBEX.apiKey); // a domain the other probes leave empty
    for (let i = 0; i < 5; i++) await fresh.call('/rooms', { method: 'POST', body: { name: uniqueName() } });
    const all = ((field((await fresh.call('/rooms')).json, 'data') as Record<string, unknown>[]) ?? []).map((room) => String(room['name']));
    const walked = await walkPages(fresh, 2);
    return JSON.stringify(walked) === JSON.stringify(all) ? undefined : `pages of 2 gave ${walked.length} rooms, one page ${all.length}`;
  },
  'accepts-out-of-range-max-participants': async (api) => {
    const statuses = [];
    for (const max of [0, 201, -5])
      statuses.push((await api.call('/rooms', { method: 'POST', body: { name: uniqueName(), properties: { max_participants: max } } })).status);
    return statuses.every((status) => status === 400) ? undefined : `max_participants 0, 201, -5 answered ${statuses.join(', ')}`;
  },
  'ratelimit-remaining-static': async (api) => {
    const first = Number((await api.call('/rooms?limit=1')).headers['x-ratelimit-remaining']);
    const second = Number((await api.call('/rooms?limit=1')).headers['x-ratelimit-remaining']);
    return second === first - 1 ? undefined : `X-RateLimit-Remaining went ${first} → ${second}`;
  },
  'cross-domain-access': async (api) => {
    const name = uniqueName();
    await api.call('/rooms', { method: 'POST', body: { name } });
    const other = api.as(GLOBEX.apiKey);
    const [read, removed] = [(await other.call(`/rooms/${name}`)).status, (await other.call(`/rooms/${name}`, { method: 'DELETE' })).status];
    const still = (await api.call(`/rooms/${name}`)).status;
    return read === 404 && removed === 404 && still === 200 ? undefined : `another domain's key: get ${read}, delete ${removed}; owner then gets ${still}`;
  },
  'join-refused': async (api) => {
    const created = await api.call('/rooms', { method: 'POST', body: { name: uniqueName() } });
    const signal = `${String(field(created.json, 'url')).replace(/^http/, 'ws')}/signal`;
    const opened = await new Promise<string>((resolve) => {
      const socket = new WebSocket(signal);
      socket.on('open', () => {
        socket.close();
        resolve('open');
      });
      socket.on('error', (error) => resolve(error.message));
    });
    return opened === 'open' ? undefined : `the signaling WebSocket of a live room did not open: ${opened}`;
  },
  'error-body-shape': async (api) => {
    const answer = await api.call('/rooms/no-such-room');
    const problems = spec.problems(answer);
    return answer.status === 404 && problems.length === 0 ? undefined : `404 body ${answer.text}: ${problems.join('; ')}`;
  },
};

describe('daily fixture: seeded faults', () => {
  it('has at least five faults, each with a probe', () => {
    expect(faultNames(DAILY_FAULTS).length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(PROBES).sort()).toEqual(faultNames(DAILY_FAULTS).sort());
  });

  it('the clean server passes every probe', async () => {
    expect(await failingProbes(PROBES, await start())).toEqual({});
  });

  it.each(faultNames(DAILY_FAULTS))('fault %s fails its own probe and no other', async (fault) => {
    const failing = await failingProbes(PROBES, await start({ faults: [fault] }));
    expect(Object.keys(failing)).toEqual([fault]);
  });

  it('refuses an unknown fault name', () => {
    expect(() => parseFaults(DAILY_FAULTS, ['no-such-fault'])).toThrow(/unknown fault "no-such-fault"/);
  });
});
