import { readFile } from 'node:fs/promises';
import { dereference } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseFaultFlags } from '../../src/cli/fault-flags.js';
import { FAULT_NAMES, type FaultName } from '../../src/reference/faults.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { http, type HttpResult, startTwoClientServer, type TwoClientServer } from '../helpers/reference-http.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

/**
 * The five faults that each break one declared response or one input rule of
 * one operation (for the contract gate's coverage checks), shown over real
 * HTTP: the broken answer with the fault, the documented one without it, and a
 * neighbouring behaviour that the fault leaves alone.
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const COVERAGE_FAULTS = [
  'delete-unknown-room-ok',
  'webhook-delete-unknown-ok',
  'recording-type-coerced',
  'list-cursor-unchecked',
  'join-token-no-auth',
] as const satisfies readonly FaultName[];

let conforms: (schema: string, result: HttpResult) => void;
let clean: TwoClientServer;
const faulted = new Map<FaultName, TwoClientServer>();

beforeAll(async () => {
  const raw = parseYaml(await readFile(`${REPO_ROOT}contracts/videoconnect.v1.openapi.yaml`, 'utf8')) as object;
  const doc = (await dereference(raw as never)) as unknown as { components: { schemas: Record<string, object> } };
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  conforms = (schema, result) => {
    const validate = ajv.compile(doc.components.schemas[schema] as object);
    expect(validate(result.body), `${schema}: ${ajv.errorsText(validate.errors)} in ${result.text}`).toBe(true);
  };
  clean = await startTwoClientServer();
  // One server per fault: each shows its own break and nothing else.
  for (const fault of COVERAGE_FAULTS) faulted.set(fault, await startTwoClientServer({ faults: [fault] }));
});
afterAll(async () => {
  await Promise.all([clean, ...faulted.values()].filter((s) => s !== undefined).map((s) => s.server.close()));
});

function serverWith(fault: FaultName): TwoClientServer {
  const server = faulted.get(fault);
  if (server === undefined) throw new Error(`no server with ${fault}`);
  return server;
}

/** The documented error envelope, `status` equal to the HTTP status. */
function expectEnvelope(result: HttpResult, status: number, error: string): void {
  expect(result.status, result.text).toBe(status);
  expect(result.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(result.body as object).sort()).toEqual(['error', 'message', 'status']);
  expect(result.body).toMatchObject({ error, status });
  conforms('Error', result);
}

async function createRoom(server: ReferenceServer, token: string, json: unknown = { name: 'Coverage' }): Promise<string> {
  const created = await http(server.url, 'POST', '/v1/rooms', { token, json });
  expect(created.status, created.text).toBe(201);
  return (created.body as { room_id: string }).room_id;
}

describe('the coverage faults are known faults', () => {
  it('are in FAULT_NAMES and accepted by --fault', () => {
    for (const fault of COVERAGE_FAULTS) expect(FAULT_NAMES).toContain(fault);
    expect(parseFaultFlags([...COVERAGE_FAULTS])).toEqual([...COVERAGE_FAULTS]);
  });
});

describe('delete-unknown-room-ok: DELETE /v1/rooms/{room_id} of an unknown room', () => {
  it("answers 200 with a DeleteRoomResponse under the fault, and closes nothing (not even another client's room)", async () => {
    const { server, alice, bob } = serverWith('delete-unknown-room-ok');
    const unknown = await http(server.url, 'DELETE', '/v1/rooms/rm_0000000000', { token: alice });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ message: 'Room rm_0000000000 has been closed.' });
    expect(unknown.headers.get('ratelimit')).not.toBeNull();
    conforms('DeleteRoomResponse', unknown);

    const bobsRoom = await createRoom(server, bob);
    const foreign = await http(server.url, 'DELETE', `/v1/rooms/${bobsRoom}`, { token: alice });
    expect(foreign.status).toBe(200);
    expect(foreign.body).toEqual({ message: `Room ${bobsRoom} has been closed.` });
    expect((await http(server.url, 'GET', `/v1/rooms/${bobsRoom}`, { token: bob })).body.status).toBe('waiting');
  });

  it('answers 404 room_not_found without the fault', async () => {
    expectEnvelope(await http(clean.server.url, 'DELETE', '/v1/rooms/rm_0000000000', { token: clean.alice }), 404, 'room_not_found');
    const bobsRoom = await createRoom(clean.server, clean.bob);
    expectEnvelope(await http(clean.server.url, 'DELETE', `/v1/rooms/${bobsRoom}`, { token: clean.alice }), 404, 'room_not_found');
  });

  it('still closes an existing room (200), still 400s an over-long id and still 401s without a token, under the fault', async () => {
    const { server, alice } = serverWith('delete-unknown-room-ok');
    const roomId = await createRoom(server, alice);
    const deleted = await http(server.url, 'DELETE', `/v1/rooms/${roomId}`, { token: alice });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ message: `Room ${roomId} has been closed.` });
    expect((await http(server.url, 'GET', `/v1/rooms/${roomId}`, { token: alice })).body.status).toBe('closed');
    expectEnvelope(await http(server.url, 'DELETE', `/v1/rooms/${'x'.repeat(65)}`, { token: alice }), 400, 'invalid_request');
    expectEnvelope(await http(server.url, 'DELETE', '/v1/rooms/rm_0000000000'), 401, 'invalid_token');
    // The read side keeps its 404.
    expectEnvelope(await http(server.url, 'GET', '/v1/rooms/rm_0000000000', { token: alice }), 404, 'room_not_found');
  });
});

describe('webhook-delete-unknown-ok: DELETE /v1/webhooks/{webhook_id} of an unknown subscription', () => {
  const subscribe = (server: ReferenceServer, token: string) =>
    http(server.url, 'POST', '/v1/webhooks', { token, json: { url: 'http://127.0.0.1:9/hook', events: ['room.closed'] } });

  it('answers 200 with a MessageResponse under the fault, and removes nothing of another client', async () => {
    const { server, alice, bob } = serverWith('webhook-delete-unknown-ok');
    const unknown = await http(server.url, 'DELETE', '/v1/webhooks/wh_nope', { token: alice });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ message: 'Webhook subscription wh_nope has been deleted.' });
    conforms('MessageResponse', unknown);

    const bobs = await subscribe(server, bob);
    expect(bobs.status).toBe(201);
    const foreign = await http(server.url, 'DELETE', `/v1/webhooks/${bobs.body.webhook_id}`, { token: alice });
    expect(foreign.status).toBe(200);
    const bobsList = await http(server.url, 'GET', '/v1/webhooks', { token: bob });
    expect(bobsList.body.data.map((w: { webhook_id: string }) => w.webhook_id)).toEqual([bobs.body.webhook_id]);
  });

  it('answers 404 webhook_not_found without the fault', async () => {
    expectEnvelope(await http(clean.server.url, 'DELETE', '/v1/webhooks/wh_nope', { token: clean.alice }), 404, 'webhook_not_found');
  });

  it('still deletes an existing subscription with the same 200 body, and still 401s without a token, under the fault', async () => {
    const { server, alice } = serverWith('webhook-delete-unknown-ok');
    const created = await subscribe(server, alice);
    const id = created.body.webhook_id as string;
    const deleted = await http(server.url, 'DELETE', `/v1/webhooks/${id}`, { token: alice });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ message: `Webhook subscription ${id} has been deleted.` });
    expect((await http(server.url, 'GET', '/v1/webhooks', { token: alice })).body.data).toEqual([]);
    expectEnvelope(await http(server.url, 'DELETE', '/v1/webhooks/wh_nope'), 401, 'invalid_token');
  });
});

describe('recording-type-coerced: POST /v1/rooms with a non-boolean recording', () => {
  it('answers 201 with a schema-valid room holding Boolean(recording) under the fault', async () => {
    const { server, alice } = serverWith('recording-type-coerced');
    const cases: [unknown, boolean][] = [
      ['yes', true],
      ['false', true],
      [1, true],
      [0, false],
      ['', false],
      [null, false],
      [{}, true],
      [[], true],
    ];
    for (const [recording, stored] of cases) {
      const created = await http(server.url, 'POST', '/v1/rooms', { token: alice, json: { name: 'Coerced', recording } });
      expect(created.status, `recording ${JSON.stringify(recording)}: ${created.text}`).toBe(201);
      expect(created.body.recording).toBe(stored);
      conforms('Room', created);
      expect((await http(server.url, 'GET', `/v1/rooms/${created.body.room_id}`, { token: alice })).body.recording).toBe(stored);
    }
  });

  it('fingerprints the coerced body: the same key with "yes" and then true replays the room', async () => {
    const { server, alice } = serverWith('recording-type-coerced');
    const headers = { 'idempotency-key': '"coerced-1"' };
    const first = await http(server.url, 'POST', '/v1/rooms', { token: alice, headers, json: { name: 'Keyed', recording: 'yes' } });
    expect(first.status).toBe(201);
    const again = await http(server.url, 'POST', '/v1/rooms', { token: alice, headers, json: { name: 'Keyed', recording: true } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.room_id).toBe(first.body.room_id);
    const other = await http(server.url, 'POST', '/v1/rooms', { token: alice, headers, json: { name: 'Keyed', recording: 0 } });
    expectEnvelope(other, 422, 'idempotency_key_reused');
  });

  it('answers 400 invalid_request without the fault', async () => {
    for (const recording of ['yes', 1, null]) {
      const refused = await http(clean.server.url, 'POST', '/v1/rooms', { token: clean.alice, json: { name: 'Strict', recording } });
      expectEnvelope(refused, 400, 'invalid_request');
      expect(refused.body.message).toContain('recording');
    }
  });

  it('still refuses every other field of the wrong type (400) under the fault', async () => {
    const { server, alice } = serverWith('recording-type-coerced');
    for (const json of [
      { name: 'Strict', is_private: 'yes' },
      { name: 'Strict', max_participants: '5' },
      { name: 42 },
      { name: 'Strict', recording: true, unknown_field: 1 },
      { recording: 'yes' },
    ]) {
      expectEnvelope(await http(server.url, 'POST', '/v1/rooms', { token: alice, json }), 400, 'invalid_request');
    }
    // A real boolean and the default still work as before.
    const plain = await http(server.url, 'POST', '/v1/rooms', { token: alice, json: { name: 'Default' } });
    expect(plain.status).toBe(201);
    expect(plain.body.recording).toBe(false);
  });
});

describe('list-cursor-unchecked: GET /v1/rooms with a cursor over maxLength 64', () => {
  const longCursor = 'A'.repeat(65);

  it('answers 200 with the first page under the fault', async () => {
    const { server, alice } = serverWith('list-cursor-unchecked');
    for (let i = 0; i < 3; i++) await createRoom(server, alice);
    const first = await http(server.url, 'GET', '/v1/rooms?limit=2', { token: alice });
    for (const cursor of [longCursor, 'z'.repeat(300)]) {
      const page = await http(server.url, 'GET', `/v1/rooms?limit=2&cursor=${cursor}`, { token: alice });
      expect(page.status, page.text).toBe(200);
      conforms('RoomPage', page);
      expect(page.body).toEqual(first.body);
      expect(page.body.has_more).toBe(true);
    }
  });

  it('answers 400 invalid_request without the fault', async () => {
    expectEnvelope(await http(clean.server.url, 'GET', `/v1/rooms?cursor=${longCursor}`, { token: clean.alice }), 400, 'invalid_request');
  });

  it('still refuses shorter bad cursors (400) and still pages with a real one, under the fault', async () => {
    const { server, alice } = serverWith('list-cursor-unchecked');
    await createRoom(server, alice);
    await createRoom(server, alice);
    for (const cursor of ['bogus', 'A'.repeat(64), '']) {
      expectEnvelope(await http(server.url, 'GET', `/v1/rooms?cursor=${cursor}`, { token: alice }), 400, 'invalid_request');
    }
    const first = await http(server.url, 'GET', '/v1/rooms?limit=1', { token: alice });
    const second = await http(server.url, 'GET', `/v1/rooms?limit=1&cursor=${first.body.next_cursor}`, { token: alice });
    expect(second.status).toBe(200);
    expect(second.body.data[0].room_id).not.toBe(first.body.data[0].room_id);
    expectEnvelope(await http(server.url, 'GET', '/v1/rooms?limit=0', { token: alice }), 400, 'invalid_request');
  });
});

describe('join-token-no-auth: POST /v1/rooms/{room_id}/join-tokens without a valid token', () => {
  it('answers 404 room_not_found (no WWW-Authenticate) under the fault', async () => {
    const { server, alice } = serverWith('join-token-no-auth');
    const roomId = await createRoom(server, alice, { name: 'Private', is_private: true });
    const headerSets: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-jwt' }, { authorization: 'Basic abc' }];
    for (const headers of headerSets) {
      const refused = await http(server.url, 'POST', `/v1/rooms/${roomId}/join-tokens`, { headers, json: { participant_name: 'Eve' } });
      expectEnvelope(refused, 404, 'room_not_found');
      expect(refused.body.message).toBe(`No room with id ${roomId} exists.`);
      expect(refused.headers.get('www-authenticate')).toBeNull();
    }
    expectEnvelope(await http(server.url, 'POST', `/v1/rooms/${roomId}/join-tokens`), 404, 'room_not_found');
  });

  it('answers 401 invalid_token without the fault', async () => {
    const roomId = await createRoom(clean.server, clean.alice);
    const refused = await http(clean.server.url, 'POST', `/v1/rooms/${roomId}/join-tokens`, { json: {} });
    expectEnvelope(refused, 401, 'invalid_token');
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('still 401s every other operation without a token, and issues join tokens with one, under the fault', async () => {
    const { server, alice, bob } = serverWith('join-token-no-auth');
    const roomId = await createRoom(server, alice);
    // A first GET with a token puts it in the verified cache, so the no-token GET below is the fastify route's answer.
    expect((await http(server.url, 'GET', `/v1/rooms/${roomId}`, { token: alice })).status).toBe(200);
    for (const [method, path] of [
      ['GET', `/v1/rooms/${roomId}`],
      ['DELETE', `/v1/rooms/${roomId}`],
      ['GET', '/v1/rooms'],
      ['POST', '/v1/rooms'],
      ['GET', '/v1/webhooks'],
    ] as const) {
      expectEnvelope(await http(server.url, method, path, method === 'POST' ? { json: { name: 'x' } } : {}), 401, 'invalid_token');
    }
    const issued = await http(server.url, 'POST', `/v1/rooms/${roomId}/join-tokens`, { token: alice, json: { participant_name: 'Ada' } });
    expect(issued.status).toBe(201);
    conforms('JoinToken', issued);
    expect(issued.headers.get('ratelimit')).not.toBeNull();
    // Another client's room is still a 404 for a valid caller, a closed room still a 409.
    expectEnvelope(await http(server.url, 'POST', `/v1/rooms/${roomId}/join-tokens`, { token: bob }), 404, 'room_not_found');
    await http(server.url, 'DELETE', `/v1/rooms/${roomId}`, { token: alice });
    expectEnvelope(await http(server.url, 'POST', `/v1/rooms/${roomId}/join-tokens`, { token: alice }), 409, 'room_closed');
  });
});
