import { describe, expect, it } from 'vitest';
import { listChecks } from '../../src/contract/check-catalog.js';
import { pass } from '../../src/contract/check.js';
import { ownedResources, readOnlyWrites, resourceItem } from '../../src/contract/check-preconditions.js';
import { foreignValue, IDENTITY_CHECKS, isOtherItemOperation, refusalProblem } from '../../src/contract/checks/identity-checks.js';
import { runRegisteredCheck } from '../../src/contract/gate-context.js';
import type { Exchange } from '../../src/contract/http/exchange.js';
import type { OpenApiDocument } from '../../src/spec/openapi-types.js';
import { documentedRefusals, isUpdate, itemOperations, readOnlyProperties } from '../../src/spec/resource-operations.js';
import { operationFor } from '../../src/spec/spec-facts.js';
import { SpecIndex } from '../../src/spec/spec-index.js';
import type { GateFacts } from '../../src/contract/check-preconditions.js';
import { gateFactsFor, gateFactsForProfile } from '../helpers/gate-facts.js';

const bundled = () => gateFactsFor();
const variant = () => gateFactsFor('test/fixtures/variant-spec/openapi.yaml');
const daily = () => gateFactsForProfile('examples/daily/profile.yaml');

const ops = (spec: SpecIndex, ids: readonly string[]) => ids.map((id) => spec.byId(id));
const idsOf = (list: readonly { op: { operationId: string } }[]) => list.map((i) => i.op.operationId);

/**
 * The bundled contract with what a team's own API adds: an update that
 * accepts a readOnly field in its schema, a sub-resource read by the room's
 * id, and one that needs a second id (the gate holds no value for it).
 */
async function extended(): Promise<GateFacts> {
  const facts = await bundled();
  const document = structuredClone(facts.spec.document) as OpenApiDocument;
  const room = document.paths?.['/v1/rooms/{room_id}'];
  const get = room?.get;
  if (room === undefined || get === undefined) throw new Error('the bundled contract changed');
  const roomSchema = get.responses?.['200']?.content?.['application/json']?.schema;
  room.patch = {
    operationId: 'updateRoom',
    requestBody: {
      content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' }, locked: { type: 'boolean', readOnly: true } } } } },
    },
    responses: { '200': { description: 'Updated.', content: { 'application/json': { schema: roomSchema ?? {} } } }, '403': { description: 'Not yours.' } },
  };
  document.paths = {
    ...document.paths,
    '/v1/rooms/{room_id}/recordings': {
      get: {
        operationId: 'listRecordings',
        responses: { '200': { description: 'Recordings.' }, '404': get.responses?.['404'] ?? { description: 'No room.' } },
      },
    },
    '/v1/rooms/{room_id}/participants/{participant_id}': { delete: { operationId: 'kickParticipant', responses: { '200': { description: 'Gone.' } } } },
  };
  return { ...facts, spec: new SpecIndex(document) };
}

describe("which operations take one resource's id (read from the document)", () => {
  it('finds the room and webhook operations of the bundled contract under their collections, not the collections themselves', async () => {
    const facts = await bundled();
    const { spec } = facts;
    const resources = ownedResources(facts);
    expect(resources.map((r) => r.noun)).toEqual(['room', 'webhook subscription']);
    const [rooms, webhooks] = resources;
    expect(idsOf(rooms!.items)).toEqual(['getRoom', 'deleteRoom', 'createJoinToken']);
    expect(rooms!.items.map((i) => i.param)).toEqual(['room_id', 'room_id', 'room_id']);
    expect(idsOf(webhooks!.items)).toEqual(['deleteWebhook']);
    expect(rooms!.get?.op.operationId).toBe('getRoom');
    expect(rooms!.list?.operationId).toBe('listRooms');
    expect(webhooks!.get).toBeUndefined();
    // The profile maps no list of subscriptions (roles are the profile's), so none is walked.
    expect(webhooks!.list).toBeUndefined();
    expect(resourceItem(facts, 'createJoinToken')?.resource.noun).toBe('room');
  });

  it("takes what a team's document adds: an update and a sub-resource get their own check; an operation needing a second id does not", async () => {
    const facts = await extended();
    const { spec } = facts;
    const rooms = ownedResources(facts)[0]!;
    expect(idsOf(rooms.items)).toEqual(['getRoom', 'deleteRoom', 'updateRoom', 'createJoinToken', 'listRecordings']);
    const update = rooms.items.find((i) => i.op.operationId === 'updateRoom')!;
    expect(isUpdate(update, rooms.create)).toBe(true);
    expect(rooms.items.filter((i) => isUpdate(i, rooms.create)).map((i) => i.op.operationId)).toEqual(['updateRoom']);
    expect(
      ops(spec, ['updateRoom', 'listRecordings', 'getRoom', 'deleteRoom', 'createJoinToken', 'kickParticipant', 'listRooms']).map((op) =>
        isOtherItemOperation(op!, facts),
      ),
    ).toEqual([true, true, false, false, false, false, false]);
    const listed = listChecks(facts)
      .map((r) => r.id)
      .filter((id) => id.startsWith('identity.other-client-refused.'));
    expect(listed).toEqual(['identity.other-client-refused.updateRoom', 'identity.other-client-refused.listRecordings']);
    expect(documentedRefusals(spec.byId('updateRoom')!)).toEqual([403]);
    expect(documentedRefusals(spec.byId('listRecordings')!)).toEqual([404]);
    expect(documentedRefusals(spec.byId('kickParticipant')!)).toEqual([]);
  });

  it("finds Daily's update of a room by name (POST on the item path) and its item operations by the `{name}` parameter", async () => {
    const facts = await daily();
    const { spec } = facts;
    const rooms = ownedResources(facts).find((r) => r.noun === 'room')!;
    expect(rooms.create.template).toBe('/v1/rooms');
    expect(rooms.items.every((i) => i.param === 'name')).toBe(true);
    const updates = rooms.items.filter((i) => isUpdate(i, rooms.create)).map((i) => `${i.op.method} ${i.op.template}`);
    expect(updates).toEqual(['post /v1/rooms/{name}']);
  });
});

describe('readOnly properties (read from the document)', () => {
  it('are the ones the bundled contract marks on the Room and on webhook subscriptions, request or response side', async () => {
    const facts = await bundled();
    const { spec } = facts;
    expect([...readOnlyProperties(spec, operationFor(spec, 'createRoom')!).keys()].sort()).toEqual([
      'created_at',
      'duration_seconds',
      'join_url',
      'participant_count',
      'room_id',
      'status',
    ]);
    expect([...readOnlyProperties(spec, operationFor(spec, 'createWebhook')!).keys()].sort()).toEqual(['created_at', 'secret', 'webhook_id']);
    // The status enum comes with the property (a $ref with readOnly beside it, dereferenced).
    expect(readOnlyProperties(spec, operationFor(spec, 'createRoom')!).get('status')?.['enum']).toEqual(['waiting', 'active', 'closed']);
    expect(readOnlyWrites(facts).map((w) => w.op.operationId)).toEqual(['createRoom', 'createWebhook']);
  });

  it("include an update's own readOnly request properties, and Daily's", async () => {
    const writes = readOnlyWrites(await extended());
    expect(writes.map((w) => w.op.operationId)).toEqual(['createRoom', 'updateRoom', 'createWebhook']);
    expect([...writes[1]!.properties.keys()]).toContain('locked');
    const dailyWrites = readOnlyWrites(await daily());
    expect(dailyWrites.map((w) => `${w.op.method} ${w.op.template}`)).toContain('post /v1/rooms');
    expect([...dailyWrites[0]!.properties.keys()].sort()).toEqual(['api_created', 'created_at', 'id', 'url']);
  });

  it('a document that marks none skips the check with that reason', async () => {
    const facts = await variant();
    const { spec } = facts;
    expect(readOnlyWrites(facts)).toEqual([]);
    expect(listChecks(facts).find((r) => r.id === IDENTITY_CHECKS.readOnlyIgnored.id)?.notApplicable).toBe(
      'no create or update of the OpenAPI document marks a property readOnly',
    );
  });
});

describe('values a server would not choose for a readOnly property', () => {
  it("differ visibly from the server's own and keep to the schema where they can", () => {
    expect(foreignValue({ type: 'string', enum: ['waiting', 'active', 'closed'] }, 'waiting')).toBe('closed');
    expect(foreignValue({ type: 'string', enum: ['waiting', 'active', 'closed'] }, 'closed')).toBe('active');
    expect(foreignValue({ type: 'integer', minimum: 0, maximum: 50 }, 0)).toBe(50);
    expect(foreignValue({ type: 'integer', minimum: 0 }, 0)).toBe(99);
    expect(foreignValue({ type: 'integer', minimum: 0 }, 99)).toBe(100);
    expect(foreignValue({ type: 'boolean' }, true)).toBe(false);
    expect(foreignValue({ type: 'string', format: 'uri' }, 'http://127.0.0.1:4010/join/rm_1')).toBe('https://roomgate.invalid/not-this-server');
    expect(foreignValue({ type: 'string', format: 'date-time' }, '2026-01-01T00:00:00.000Z')).toBe('2001-02-03T04:05:06.000Z');
    expect(foreignValue({ type: 'string', pattern: '^whsec_' }, 'whsec_abc=')).toBe('whsec_0000');
    // The id itself: another resource of the same client, the most visible foreign value.
    expect(foreignValue({ type: 'string', pattern: '^rm_[0-9A-Za-z]{10}$' }, 'rm_AAAAAAAAAA', 'rm_BBBBBBBBBB')).toBe('rm_BBBBBBBBBB');
    expect(foreignValue({ type: 'string', pattern: '^rm_[0-9A-Za-z]{10}$' }, 'rm_AAAAAAAAAA')).toBe('rm_0000000000');
  });
});

/** An exchange as the gate records one, for judging answers without a server. */
function answered(status: number, json: unknown): Exchange {
  const bodyText = JSON.stringify(json);
  return {
    request: { method: 'GET', url: 'http://127.0.0.1/v1/rooms/rm_x', headers: {} },
    curl: 'curl',
    status,
    headers: { 'content-type': 'application/json' },
    bodyText,
    json,
    isJson: true,
    invalidUtf8: false,
    failure: undefined,
    durationMs: 1,
  };
}

describe('judging the refusal', () => {
  it("wants the status the document gives another client's item, with its error code where the document pins one", async () => {
    const facts = await bundled();
    const { spec } = facts;
    const getRoom = operationFor(spec, 'getRoom')!;
    expect(refusalProblem(spec, getRoom, answered(404, { error: 'room_not_found', message: 'no', status: 404 }))).toBeUndefined();
    expect(refusalProblem(spec, getRoom, answered(404, { error: 'not_found', message: 'no', status: 404 }))).toBe(
      'answered 404 with error "not_found", not room_not_found',
    );
    expect(refusalProblem(spec, getRoom, answered(200, { room_id: 'rm_x' }))).toMatch(/^answered 200 .*, not 404 room_not_found$/);
    // 403 is not what this document declares for another client's room.
    expect(refusalProblem(spec, getRoom, answered(403, { error: 'forbidden', message: 'no', status: 403 }))).toMatch(/not 404 room_not_found$/);
    // deleteWebhook's 404 pins no code: the status is judged alone.
    expect(refusalProblem(spec, operationFor(spec, 'deleteWebhook')!, answered(404, { error: 'anything', message: 'no', status: 404 }))).toBeUndefined();
  });

  it('takes 403 or 404 (OWASP API1) for an operation that declares neither, and says so', async () => {
    const facts = await extended();
    const { spec } = facts;
    const kick = spec.byId('kickParticipant')!;
    expect(refusalProblem(spec, kick, answered(403, { error: 'forbidden' }))).toBeUndefined();
    expect(refusalProblem(spec, kick, answered(200, {}))).toContain('403 or 404 (the document declares neither; OWASP API1)');
  });
});

describe('preconditions of the identity checks', () => {
  it('without a second client the cross-client checks skip saying how to supply one; the readOnly check still runs', async () => {
    const facts = await bundled();
    const { spec } = facts;
    const withoutSecond = { ...facts, given: { secondClient: false } };
    for (const check of [
      IDENTITY_CHECKS.cannotRead,
      IDENTITY_CHECKS.cannotClose,
      IDENTITY_CHECKS.cannotMintJoinTokens,
      IDENTITY_CHECKS.cannotDeleteWebhook,
      IDENTITY_CHECKS.listsNeverShowOthers,
    ]) {
      const result = await runRegisteredCheck(withoutSecond, check, async () => pass(1));
      expect(result.status, check.id).toBe('skipped');
      const reason = result.status === 'skipped' ? result.reason : '';
      expect(reason).toContain('--second-client-id and --second-client-secret');
      expect(reason).toContain('ROOMGATE_SECOND_CLIENT_ID and ROOMGATE_SECOND_CLIENT_SECRET');
    }
    expect((await runRegisteredCheck(withoutSecond, IDENTITY_CHECKS.readOnlyIgnored, async () => pass(1))).status).toBe('passed');
  });

  it('every identity check applies to the bundled contract; a document without join tokens or webhooks skips those with the reason', async () => {
    const rows = listChecks(await bundled()).filter((r) => r.id.startsWith('identity.'));
    expect(rows.map((r) => r.id)).toEqual([
      'identity.other-client-cannot-read',
      'identity.other-client-cannot-mint-join-tokens',
      'identity.other-client-cannot-close',
      'identity.other-client-cannot-delete-webhook',
      'identity.lists-never-show-other-clients-rooms',
      'identity.read-only-fields-ignored',
    ]);
    expect(rows.filter((r) => r.notApplicable !== undefined)).toEqual([]);
    const variantRows = new Map(listChecks(await variant()).map((r) => [r.id, r.notApplicable]));
    expect(variantRows.get('identity.other-client-cannot-read')).toBeUndefined();
    expect(variantRows.get('identity.other-client-cannot-close')).toBeUndefined();
    expect(variantRows.get('identity.other-client-cannot-mint-join-tokens')).toContain('createJoinToken');
    expect(variantRows.get('identity.other-client-cannot-delete-webhook')).toContain('createWebhook');
  });
});
