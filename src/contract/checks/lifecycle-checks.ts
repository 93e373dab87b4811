import { ensured, evidenceOf, expectStatus, fail, pass, skip, UnexpectedResponse } from '../check.js';
import { cite, defineCheck, INFO } from '../check-definition.js';
import { closedStatusFilter, documented, needs, pagination, roomIdPattern } from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';
import { errorCodes, idPattern, operationFor, paginationOf, propertiesOf, responseSchema, type Pagination } from '../../spec/spec-facts.js';

/** Fields that may change between two reads of one room without a state change. */
const VOLATILE_FIELDS = new Set(['duration_seconds', 'participant_count', 'status']);

export const LIFECYCLE_CHECKS = {
  create: defineCheck({
    id: 'lifecycle.create-201-location',
    group: 'lifecycle',
    enforces: 'POST creates a room: 201, Location of the new room, the requested fields echoed, status waiting',
    cites: [cite.openapi('{createRoom}/responses/201/headers/Location'), cite.openapi(INFO, '`waiting` (nobody has joined yet)')],
    requires: [needs('createRoom')],
  }),
  roomIdPrefix: defineCheck({
    id: 'lifecycle.room-id-prefix',
    group: 'lifecycle',
    enforces: 'room ids match the pattern the document gives room_id (rm_ + base62 in VideoConnect)',
    cites: [cite.openapi('{createRoom}/responses/201/content/application~1json/schema/properties/room_id/pattern')],
    requires: [roomIdPattern],
  }),
  getMatchesCreate: defineCheck({
    id: 'lifecycle.get-matches-create',
    group: 'lifecycle',
    enforces: 'GET of a new room returns the representation POST returned',
    cites: [cite.openapi('{getRoom}/responses/200'), cite.openapi('{createRoom}/responses/201')],
    requires: [needs('createRoom', 'getRoom')],
  }),
  listContainsRoom: defineCheck({
    id: 'lifecycle.list-contains-room',
    group: 'lifecycle',
    enforces: 'the caller\'s list contains the room it created, each room on one page',
    cites: [cite.openapi('{listRooms}/responses/200')],
    requires: [needs('createRoom', 'listRooms'), pagination],
  }),
  pagination: defineCheck({
    id: 'lifecycle.pagination',
    group: 'lifecycle',
    enforces:
      'pages join up: a page of one has a next cursor, and walking one room at a time gives exactly the rooms of a larger page, none lost or repeated at a boundary',
    cites: [cite.openapi('{listRooms}/parameters'), cite.openapi('{listRooms}/responses/200/content/application~1json/schema')],
    requires: [needs('createRoom', 'listRooms'), pagination],
  }),
  deleteCloses: defineCheck({
    id: 'lifecycle.delete-closes-room',
    group: 'lifecycle',
    enforces: 'DELETE answers 200 and the room then reads as closed (closed rooms stay readable)',
    cites: [cite.openapi('{deleteRoom}/description', 'sets the status to `closed`'), cite.openapi(INFO, 'Closed rooms stay readable')],
    requires: [needs('createRoom', 'deleteRoom', 'getRoom')],
  }),
  secondDelete: defineCheck({
    id: 'lifecycle.second-delete-documented',
    group: 'lifecycle',
    enforces: 'deleting a closed room answers a status the document declares, never 5xx',
    cites: [cite.openapi('{deleteRoom}/responses')],
    requires: [needs('createRoom', 'deleteRoom')],
  }),
  unknownRoom: defineCheck({
    id: 'lifecycle.unknown-room-404',
    group: 'lifecycle',
    enforces: 'a room id that does not exist is 404 with the error code the document gives that 404',
    cites: [cite.openapi('{getRoom}/responses/404')],
    requires: [needs('createRoom', 'getRoom'), documented('getRoom', 404)],
  }),
  statusFilter: defineCheck({
    id: 'lifecycle.status-filter',
    group: 'lifecycle',
    enforces: 'status=closed lists only closed rooms',
    cites: [cite.openapi('{listRooms}/parameters')],
    requires: [closedStatusFilter],
  }),
};

/** One page of the caller's rooms under the document's pagination names: the room ids on it and its next cursor. */
async function listRoomsPage(ctx: GateContext, pages: Pagination, limit: number, cursor?: string) {
  const query = new URLSearchParams({ [pages.limitParam]: String(limit), ...(cursor === undefined ? {} : { [pages.cursorParam]: cursor }) });
  const exchange = await ctx.http.send({ method: 'GET', path: `/v1/rooms?${query}` });
  expectStatus(exchange, 200, `GET /v1/rooms?${query}`);
  const body = exchange.json as Record<string, unknown>;
  const items = body[pages.itemsField];
  const ids = (Array.isArray(items) ? items : []).map((room) => (room as { room_id?: unknown }).room_id);
  return { exchange, body, ids, isList: Array.isArray(items), next: body[pages.nextField] };
}

/**
 * The stateful life of one room: create → get (same representation) → list
 * contains it → delete → get shows closed → second delete answers as
 * documented. Each step is its own check so a failure names the broken promise.
 */
export async function runLifecycleChecks(ctx: GateContext): Promise<void> {
  const createOp = operationFor(ctx.spec, 'createRoom');
  const statuses = (createOp === undefined ? [] : (propertiesOf(responseSchema(ctx.spec, createOp, 201)).properties['status']?.['enum'] ?? [])) as unknown[];
  const listPages = paginationOf(ctx.spec, operationFor(ctx.spec, 'listRooms'));
  const pattern = idPattern(ctx.spec, createOp);
  const name = ctx.uniqueName('lifecycle');
  let created: Exchange | undefined;
  let roomId: string | undefined;

  await ctx.check(LIFECYCLE_CHECKS.create, async () => {
    const result = await ctx.createRoom({ name, maxParticipants: 4 });
    created = result.exchange;
    roomId = result.roomId;
    const location = created.headers['location'];
    const expectedPath = `/v1/rooms/${roomId}`;
    if (location === undefined || new URL(location, ctx.http.baseUrl).pathname !== expectedPath) {
      return fail(`Location is ${location ?? 'missing'}, expected ${expectedPath}`, [
        evidenceOf(created, `201 with Location: ${expectedPath}`),
      ]);
    }
    const body = created.json as Record<string, unknown>;
    // A new room has nobody in it: `waiting`, where the document's status enum has that value.
    const waiting = statuses.includes('waiting');
    if (body['name'] !== name || body['max_participants'] !== 4 || (waiting && body['status'] !== 'waiting')) {
      return fail(`the created room does not echo the request (name, max_participants)${waiting ? ' or is not waiting' : ''}`, [
        evidenceOf(created, `a ${waiting ? 'waiting ' : ''}room named ${name} with max_participants 4`),
      ]);
    }
    return pass(1);
  });
  if (roomId === undefined || created === undefined) return;
  const id = roomId;
  const createdBody = created.json as Record<string, unknown>;

  await ctx.check(LIFECYCLE_CHECKS.roomIdPrefix, async () => {
    const idRule = ensured(pattern, 'the room_id pattern');
    return new RegExp(idRule, 'u').test(id)
      ? pass(1)
      : fail(`room_id "${id}" does not match ${idRule}`, [evidenceOf(created as Exchange, `room_id matching ${idRule} (the document's pattern)`)]);
  });

  await ctx.check(LIFECYCLE_CHECKS.getMatchesCreate, async () => {
    const exchange = await ctx.http.send({ method: 'GET', path: `/v1/rooms/${encodeURIComponent(id)}` });
    expectStatus(exchange, 200, `GET /v1/rooms/${id}`);
    const got = exchange.json as Record<string, unknown>;
    const differing = Object.keys({ ...createdBody, ...got }).filter(
      (key) => !VOLATILE_FIELDS.has(key) && JSON.stringify(createdBody[key]) !== JSON.stringify(got[key]),
    );
    return differing.length === 0
      ? pass(1)
      : fail(`GET differs from the created room in ${differing.join(', ')}`, [
          evidenceOf(exchange, `the representation returned by POST: ${JSON.stringify(createdBody)}`),
        ]);
  });

  await ctx.check(LIFECYCLE_CHECKS.listContainsRoom, async () => {
    const pages = ensured(listPages, 'listRooms pagination');
    let cursor: string | undefined;
    const seen = new Set<unknown>();
    const size = Math.min(100, pages.maxLimit ?? 100);
    for (let page = 0; page < 50; page += 1) {
      const { exchange, body, ids, next } = await listRoomsPage(ctx, pages, size, cursor);
      for (const roomId of ids) {
        if (roomId !== undefined && seen.has(roomId)) {
          return fail(`room ${String(roomId)} appears on two pages`, [evidenceOf(exchange, 'each room on exactly one page')]);
        }
        if (roomId !== undefined) seen.add(roomId);
      }
      if (seen.has(id)) return pass(page + 1);
      if ((pages.hasMoreField !== undefined && body[pages.hasMoreField] !== true) || typeof next !== 'string' || next === '') {
        return fail(`room ${id} is missing from the listing (${seen.size} rooms over ${page + 1} pages)`, [
          evidenceOf(exchange, `the listing contains ${id}`),
        ]);
      }
      cursor = next;
    }
    return skip(`the listing has more than 50 pages of ${size} rooms; ${id} was not among them`);
  });

  await ctx.check(LIFECYCLE_CHECKS.pagination, async () => {
    const pages = ensured(listPages, 'listRooms pagination');
    const { limitParam, itemsField, nextField, hasMoreField } = pages;
    // Two more rooms guarantee at least three (the lifecycle room is one), so a page of one has two pages after it.
    await ctx.createRoom({ label: 'page' });
    await ctx.createRoom({ label: 'page' });
    const span = Math.min(3, pages.maxLimit ?? 3);
    const listPage = (limit: number, cursor?: string) => listRoomsPage(ctx, pages, limit, cursor);
    const whole = await listPage(span);
    const first = await listPage(1);
    const cursor = first.next;
    if (!first.isList || first.ids.length !== 1 || (hasMoreField !== undefined && first.body[hasMoreField] !== true) || typeof cursor !== 'string') {
      return fail(`${limitParam}=1 over at least three rooms must give one room${hasMoreField === undefined ? '' : `, ${hasMoreField} true`} and a ${nextField}`, [
        evidenceOf(first.exchange, `${itemsField} of length 1${hasMoreField === undefined ? '' : `, ${hasMoreField}: true`}, ${nextField}: string`),
      ]);
    }
    // Pages must join up: walking one room at a time gives exactly the rooms of one larger page, in its order.
    // An off-by-one cursor loses (or repeats) a room at every page boundary, which a page-after-page check alone misses.
    const walked = [...first.ids];
    let step = first;
    while (walked.length < span && typeof step.next === 'string' && step.next !== '') {
      step = await listPage(1, step.next);
      if (step.ids.length !== 1) break;
      walked.push(step.ids[0]);
    }
    if (JSON.stringify(walked) === JSON.stringify(whole.ids)) return pass(2 + walked.length);
    // Somebody else's writes to this client's rooms can shift a listing between reads: judge only a listing that held still.
    const again = await listPage(span);
    if (JSON.stringify(again.ids) !== JSON.stringify(whole.ids)) {
      return skip(`the listing changed while it was walked (does something else create rooms with the same client?); rerun the gate when nothing else writes rooms`);
    }
    return fail(`walking ${limitParam}=1 with ${nextField} gave ${JSON.stringify(walked)}, but one page of ${span} holds ${JSON.stringify(whole.ids)}: pages lose or repeat rooms at their boundaries`, [
      evidenceOf(whole.exchange, `the rooms one page at a time: ${JSON.stringify(whole.ids)}`),
      evidenceOf(step.exchange, `the next room of the ${span}-room page after the previous ${nextField}`),
    ]);
  });

  await ctx.check(LIFECYCLE_CHECKS.deleteCloses, async () => {
    const exchange = await ctx.http.send({ method: 'DELETE', path: `/v1/rooms/${encodeURIComponent(id)}` });
    // The body's wording is the schema's business (schema.deleteRoom); the exact message text is not a promise.
    expectStatus(exchange, 200, `DELETE /v1/rooms/${id}`);
    const after = await ctx.http.send({ method: 'GET', path: `/v1/rooms/${encodeURIComponent(id)}` });
    expectStatus(after, 200, 'GET of a closed room (closed rooms stay readable)');
    const status = (after.json as { status?: unknown }).status;
    return status === 'closed'
      ? pass(2)
      : fail(`after DELETE the room's status is ${JSON.stringify(status)}`, [evidenceOf(after, 'status: closed')]);
  });

  await ctx.check(LIFECYCLE_CHECKS.secondDelete, async () => {
    const exchange = await ctx.http.send({ method: 'DELETE', path: `/v1/rooms/${encodeURIComponent(id)}` });
    const op = ctx.spec.find('DELETE', `/v1/rooms/${id}`);
    const documented = op !== undefined && exchange.status !== undefined && ctx.spec.responseFor(op, exchange.status) !== undefined;
    if (!documented || exchange.status === undefined || exchange.status >= 500) {
      throw new UnexpectedResponse(
        `a second DELETE answered ${exchange.status ?? 'nothing'}, which the document does not declare`,
        exchange,
        'a documented answer (the document says closing a closed room answers 200)',
      );
    }
    return pass(1);
  });

  await ctx.check(LIFECYCLE_CHECKS.unknownRoom, async () => {
    // An id of the target's own format (a real id with its tail changed), so a format check cannot answer 400 first.
    const unknown = `${id.slice(0, -4)}${id.endsWith('0000') ? '1111' : '0000'}`;
    const exchange = await ctx.http.send({ method: 'GET', path: `/v1/rooms/${encodeURIComponent(unknown)}` });
    expectStatus(exchange, 404, 'GET of a room that does not exist');
    const codes = errorCodes(ctx.spec, operationFor(ctx.spec, 'getRoom'), 404);
    const error = (exchange.json as { error?: unknown } | undefined)?.error;
    return codes === undefined || codes.includes(error as string)
      ? pass(1)
      : fail(`404 error code is ${JSON.stringify(error)}, not ${codes.join(' or ')} (the document's 404)`, [evidenceOf(exchange, `error: ${codes.join(' | ')}`)]);
  });

  await ctx.check(LIFECYCLE_CHECKS.statusFilter, async () => {
    const exchange = await ctx.http.send({ method: 'GET', path: `/v1/rooms?status=closed${listPages === undefined ? '' : `&${listPages.limitParam}=${Math.min(100, listPages.maxLimit ?? 100)}`}` });
    expectStatus(exchange, 200, 'GET /v1/rooms?status=closed');
    const listed = (exchange.json as Record<string, unknown>)[listPages?.itemsField ?? 'data'];
    const rooms = (Array.isArray(listed) ? listed : []) as { room_id?: string; status?: string }[];
    const wrong = rooms.filter((r) => r.status !== 'closed');
    if (wrong.length > 0) {
      return fail(`status=closed listed ${wrong.length} rooms that are not closed`, [evidenceOf(exchange, 'only closed rooms')]);
    }
    return pass(rooms.length);
  });
}
