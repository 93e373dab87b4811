import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { LoadOperations } from '../../src/load/load-operations.js';
import { parseLoadSlos } from '../../src/load/load-slos.js';
import { bindLoad, resolveLoad } from '../../src/load/resolve-load.js';
import { loadBuiltinProfile, loadProfile, parseProfile } from '../../src/profile/load-profile.js';

// A foreign API: meetings, camelCase operationIds, no `metric:` names.
const SPEC = `openapi: 3.1.0
info: { title: Acme meetings, version: 1.0.0 }
paths:
  /v1/meetings:
    post:
      operationId: createMeeting
      responses: { '201': { description: Created. } }
    get:
      operationId: listMeetings
      responses: { '200': { description: A page. } }
  /v1/meetings/{meetingId}:
    parameters: [{ name: meetingId, in: path, required: true, schema: { type: string } }]
    get:
      operationId: getMeeting
      responses: { '200': { description: The meeting. } }
    delete:
      operationId: endMeeting
      responses: { '204': { description: Ended. } }
`;

const PROFILE = `profile: 1
name: Acme
spec: ./acme.yaml
auth: { kind: bearer }
rooms:
  create: { operation: createMeeting, body: { title: "{{name}}" } }
  get: { operation: getMeeting }
  list: { operation: listMeetings, items: /items }
  close: { operation: endMeeting, answers: [204] }
fields: { id: /meetingId, name: /title }
`;

async function acme(text = PROFILE) {
  const dir = await mkdtemp(join(tmpdir(), 'roomgate-load-ops-'));
  await writeFile(join(dir, 'acme.yaml'), SPEC);
  return parseProfile(text, join(dir, 'acme.profile.yaml'));
}

describe('load operation names follow the target profile', () => {
  it("names a foreign API's operations by its own operationIds, in mix and SLOs", async () => {
    const ops = LoadOperations.of(await acme());
    expect(ops.names()).toEqual(['createMeeting', 'getMeeting', 'listMeetings', 'endMeeting']);
    const slos = parseLoadSlos(['getMeeting.p99 < 200ms', 'get.p99 < 200ms', 'close.p50 < 1s', 'delete.p50 < 1s'], 'soak', ops);
    // Role aliases read the same series as the operation's own name.
    expect(slos.map((s) => s.operation)).toEqual(['getMeeting', 'getMeeting', 'endMeeting', 'endMeeting']);
    expect(slos[1]!.expression).toBe('get.p99 < 200ms');
    expect([...ops.resolveMix({ createMeeting: 20, getMeeting: 70, list: 5, delete: 5 }, 'load.mix')]).toEqual([
      ['create', 20],
      ['get', 70],
      ['list', 5],
      ['close', 5],
    ]);
  });

  it("keeps VideoConnect's create_room… names (the built-in profile's metric:), with its operationIds and the roles as aliases", async () => {
    const ops = LoadOperations.of(await loadBuiltinProfile());
    expect(ops.names()).toEqual(['create_room', 'get_room', 'list_rooms', 'delete_room']);
    const slos = parseLoadSlos(['create_room.p50 < 300ms', 'createRoom.p99 < 1s', 'create.p99 < 1s', 'deleteRoom.p99 < 1s'], 'burst', ops);
    expect(slos.map((s) => s.operation)).toEqual(['create_room', 'create_room', 'create_room', 'delete_room']);
  });

  it('gives two roles played by one operation (LiveKit ListRooms) a name each', async () => {
    const ops = LoadOperations.of(await loadProfile('examples/livekit/profile.yaml'));
    expect(ops.names()).toEqual(['CreateRoom', 'ListRooms_get', 'ListRooms_list', 'DeleteRoom']);
    // The shared operationId is no alias: it would be ambiguous.
    expect(ops.roleOf('ListRooms')).toBeUndefined();
    expect(() => parseLoadSlos(['ListRooms.p99 < 1s'], 'soak', ops)).toThrow(/unknown metric or operation "ListRooms"/);
    expect(parseLoadSlos(['ListRooms_get.p99 < 1s'], 'soak', ops)[0]!.operation).toBe('ListRooms_get');
  });

  it('refuses, before anything runs, a mix or an SLO naming an operation the profile does not have', async () => {
    const profile = await acme();
    expect(() => bindLoad(resolveLoad({ mode: 'soak', mix: { createRoom: 20 } }), profile)).toThrow(/unknown operation "createRoom" in the mix/);
    expect(() => bindLoad(resolveLoad({ mode: 'soak', mix: { createMeting: 20 } }), profile)).toThrow(/\(did you mean "createMeeting"\?\)/);
    expect(() => bindLoad(resolveLoad({ mode: 'soak', slos: ['create_room.p99 < 1s'] }), profile)).toThrow(ConfigError);
    expect(bindLoad(resolveLoad({ mode: 'soak', slos: ['createMeeting.p99 < 1s'] }), profile).slos[0]!.operation).toBe('createMeeting');
  });

  it('leaves list out of the default mix of a profile without a list role, and refuses it in an explicit mix', async () => {
    const profile = await acme(PROFILE.replace('  list: { operation: listMeetings, items: /items }\n', ''));
    const bound = bindLoad(resolveLoad({ mode: 'soak' }), profile);
    expect([...bound.weights.keys()]).toEqual(['create', 'get', 'close']);
    expect(() => bindLoad(resolveLoad({ mode: 'soak', mix: { list: 5, get: 5 } }), profile)).toThrow(/maps no rooms.list operation/);
  });

  it('uses a metric: name the profile gives, and refuses two roles with one', async () => {
    const named = LoadOperations.of(await acme(PROFILE.replace('get: { operation: getMeeting }', 'get: { operation: getMeeting, metric: read_meeting }')));
    expect(named.nameOf('getMeeting')).toBe('read_meeting');
    expect(named.nameOf('get')).toBe('read_meeting');
    const clash = PROFILE.replace('get: { operation: getMeeting }', 'get: { operation: getMeeting, metric: same }').replace(
      'create: { operation: createMeeting,',
      'create: { operation: createMeeting, metric: same,',
    );
    await expect(acme(clash).then(LoadOperations.of)).rejects.toThrow(/rooms\.\w+\.metric "same" is also another role's metric name/);
  });
});
