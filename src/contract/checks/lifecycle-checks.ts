import { isDeepStrictEqual } from 'node:util';
import type { ListRequest } from '../../profile/room-api.js';
import { formatPointer, readPointer } from '../../profile/pointer.js';
import type { TemplateValue } from '../../profile/types.js';
import type { Evidence } from '../../model/evidence.js';
import type { RoomRequest } from '../../profile/request-builder.js';
import { describeExchange, ensured, evidenceOf, expectStatus, fail, pass, skip } from '../check.js';
import { cite, defineCheck, INFO } from '../check-definition.js';
import {
  afterClose,
  closedStatusFilter,
  listMapped,
  needs,
  operationIn,
  pagination,
  roomIdPattern,
  roomIdPatternOf,
  schemaAt,
  type GateFacts,
  type Precondition,
} from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';
import { listItems, listPageSize, walkRoomList } from '../room-list.js';
import { propertiesOf, responseSchema, successStatuses } from '../../spec/spec-facts.js';
import { plainValidValue, requestBodySchema, unknownIdLike } from './request-fixtures.js';
import { closeAnswers, closedReadProblem, documentedNon5xx, notFoundProblem, repeatCloseProblem, roleSuccess } from './room-answers.js';

/** The get can say "no such room": it documents a 404 (or 410), or its room sits inside the answer (nothing there = not found). */
const notFoundKnown: Precondition = (facts) => {
  const get = operationIn(facts, 'getRoom');
  const responses = get?.operation.responses ?? {};
  if (Object.hasOwn(responses, '404') || Object.hasOwn(responses, '410') || facts.profile.rooms.get.room !== '') return undefined;
  return `the OpenAPI document does not declare a 404 response for ${get?.operationId ?? 'getRoom'}`;
};

/** The fields of the create's request schema the profile's template leaves out, one level into objects the template sets (Daily's `properties`). */
function optionalCreateFields(facts: GateFacts): { path: string[]; schema: Record<string, unknown> }[] {
  const create = operationIn(facts, 'createRoom');
  const schema = create === undefined ? undefined : requestBodySchema(create);
  const template = facts.profile.rooms.create.body;
  const set = typeof template === 'object' && template !== null && !Array.isArray(template) ? template : {};
  const fields: { path: string[]; schema: Record<string, unknown> }[] = [];
  for (const [name, property] of Object.entries(propertiesOf(schema).properties)) {
    if (property['readOnly'] === true) continue;
    const inTemplate = set[name];
    if (typeof inTemplate === 'object' && inTemplate !== null && !Array.isArray(inTemplate)) {
      for (const [inner, innerSchema] of Object.entries(propertiesOf(property).properties)) {
        if (!(inner in inTemplate) && innerSchema['readOnly'] !== true && plainValidValue(innerSchema) !== undefined)
          fields.push({ path: [name, inner], schema: innerSchema });
      }
    } else if (inTemplate === undefined && plainValidValue(property) !== undefined) {
      fields.push({ path: [name], schema: property });
    }
  }
  return fields;
}

const createFieldsDeclared: Precondition = (facts) =>
  optionalCreateFields(facts).length > 0 ? undefined : "the create's request schema declares no field the profile's template leaves out";

export const LIFECYCLE_CHECKS = {
  create: defineCheck({
    id: 'lifecycle.create-201-location',
    group: 'lifecycle',
    enforces:
      'the create answers a success the document declares with the new room: the fields the request set echoed, waiting where the API has that state, and its Location where the document declares one',
    cites: [cite.openapi('{createRoom}/responses'), cite.openapi(INFO, '`waiting` (nobody has joined yet)')],
    requires: [needs('createRoom')],
  }),
  createTakesEachField: defineCheck({
    id: 'lifecycle.create-takes-each-declared-field',
    group: 'lifecycle',
    enforces:
      "the create takes a valid value of each field its request schema declares, one at a time on top of the profile's template: a success, or a 4xx the document declares (a rule between fields no schema states), never a 5xx",
    cites: [cite.openapi('{createRoom}/requestBody'), cite.openapi('{createRoom}/responses')],
    requires: [needs('createRoom'), createFieldsDeclared],
  }),
  roomIdPrefix: defineCheck({
    id: 'lifecycle.room-id-prefix',
    group: 'lifecycle',
    enforces: 'room ids match the pattern the document gives the room id (rm_ + base62 in VideoConnect)',
    cites: [cite.openapi('{createRoom}/responses')],
    requires: [roomIdPattern],
  }),
  getMatchesCreate: defineCheck({
    id: 'lifecycle.get-matches-create',
    group: 'lifecycle',
    enforces:
      'a get of a new room returns the representation the create returned (fields that change on their own, such as status and participant count, aside)',
    cites: [cite.openapi('{getRoom}/responses'), cite.openapi('{createRoom}/responses')],
    requires: [needs('createRoom', 'getRoom')],
  }),
  listContainsRoom: defineCheck({
    id: 'lifecycle.list-contains-room',
    group: 'lifecycle',
    enforces: "the caller's list contains the room it created, each room on one page",
    cites: [cite.openapi('{listRooms}/responses')],
    requires: [needs('createRoom'), listMapped],
  }),
  pagination: defineCheck({
    id: 'lifecycle.pagination',
    group: 'lifecycle',
    enforces:
      'pages join up: a page of one leads to the next, and walking one room at a time gives exactly the rooms of a larger page, none lost or repeated at a boundary',
    cites: [cite.openapi('{listRooms}/parameters'), cite.openapi('{listRooms}/responses')],
    requires: [needs('createRoom'), pagination],
  }),
  deleteCloses: defineCheck({
    id: 'lifecycle.delete-closes-room',
    group: 'lifecycle',
    enforces: 'a close answers as the profile says and the room then reads as closed (readable with a closed status, or gone)',
    cites: [cite.openapi('{deleteRoom}/responses'), cite.openapi('{getRoom}/responses')],
    requires: [needs('createRoom', 'deleteRoom', 'getRoom'), afterClose],
  }),
  secondDelete: defineCheck({
    id: 'lifecycle.second-delete-documented',
    group: 'lifecycle',
    enforces: 'closing a closed room answers what the profile says (idempotent, not found or refused), always a status the document declares, never 5xx',
    cites: [cite.openapi('{deleteRoom}/responses')],
    requires: [needs('createRoom', 'deleteRoom')],
  }),
  unknownRoom: defineCheck({
    id: 'lifecycle.unknown-room-404',
    group: 'lifecycle',
    enforces: 'a room id that does not exist is not found: 404 with the error code the document gives it (or, for a get that lists, no room)',
    cites: [cite.openapi('{getRoom}/responses/404')],
    requires: [needs('createRoom', 'getRoom'), notFoundKnown],
  }),
  statusFilter: defineCheck({
    id: 'lifecycle.status-filter',
    group: 'lifecycle',
    enforces: 'the list filtered to closed rooms lists only closed rooms',
    cites: [cite.openapi('{listRooms}/parameters')],
    requires: [closedStatusFilter],
  }),
};

/**
 * The stateful life of one room through the profile's roles: create → get
 * (same representation) → list contains it → pages join up → close → the
 * room reads as closed → a second close answers as promised → an unknown id
 * is not found. Each step is its own check so a failure names the broken
 * promise, and every request is the user's own operation (its operationId in
 * evidence and messages).
 */
export async function runLifecycleChecks(ctx: GateContext): Promise<void> {
  const { api } = ctx;
  const name = ctx.uniqueName('lifecycle');
  let created: { exchange: Exchange; room: unknown; roomId: string } | undefined;

  await ctx.check(LIFECYCLE_CHECKS.create, async () => {
    const result = await ctx.createRoom({ name, maxParticipants: 4 });
    created = result;
    const problems: string[] = [];
    const expected: string[] = [];
    const location = locationProblem(ctx, result.exchange, result.roomId);
    if (location !== undefined) {
      problems.push(location.problem);
      expected.push(`Location: ${location.expected}`);
    }
    const echo = echoProblems(ctx, result.room, { name, maxParticipants: 4 });
    problems.push(...echo);
    if (echo.length > 0) expected.push(`the room echoes what the create set (name ${name})`);
    // A new room has nobody in it: waiting, where the API has that state (Twilio's rooms are in progress from the start).
    const waits = (ctx.profile.fields.status?.values.waiting.length ?? 0) > 0;
    if (waits && api.statusOf(result.room) !== 'waiting') {
      problems.push(
        `the new room's status is ${JSON.stringify(api.rawStatusOf(result.room) ?? null)}, not waiting (${ctx.profile.fields.status?.values.waiting.join(', ')})`,
      );
      expected.push('a waiting room');
    }
    return problems.length === 0 ? pass(1) : fail(problems.join('; '), [evidenceOf(result.exchange, expected.join('; '))]);
  });
  if (created === undefined) return;
  const { roomId: id, room: createdRoom, exchange: createExchange } = created;

  await ctx.check(LIFECYCLE_CHECKS.createTakesEachField, async () => createTakesEachField(ctx));

  await ctx.check(LIFECYCLE_CHECKS.roomIdPrefix, async () => {
    const idRule = ensured(roomIdPatternOf(ctx.facts), 'the room id pattern');
    return new RegExp(idRule, 'u').test(id)
      ? pass(1)
      : fail(`room id "${id}" does not match ${idRule}`, [evidenceOf(createExchange, `a room id matching ${idRule} (the document's pattern)`)]);
  });

  await ctx.check(LIFECYCLE_CHECKS.getMatchesCreate, async () => {
    const request = api.get(id);
    const exchange = await ctx.send(request);
    expectStatus(exchange, roleSuccess(ctx.facts, 'getRoom'), `${request.operationId} of the new room ${id}`);
    const got = api.roomOf('get', exchange.json);
    if (got === undefined) return fail(`${request.operationId} of the new room ${id} found nothing`, [evidenceOf(exchange, `the room ${id}`)]);
    const differing = differences(createdRoom, got, volatilePointers(ctx.facts));
    return differing.length === 0
      ? pass(1)
      : fail(`${request.operationId} differs from the created room in ${differing.join(', ')}`, [
          evidenceOf(exchange, `the representation the create returned: ${JSON.stringify(createdRoom)}`),
        ]);
  });

  await ctx.check(LIFECYCLE_CHECKS.listContainsRoom, async () => {
    const walk = await walkRoomList(ctx, { stop: (item) => api.idOf(item) === id, maxPages: 50 });
    const seen = new Set<string>();
    for (const { item, exchange } of walk.rooms) {
      const roomId = api.idOf(item);
      if (roomId === undefined) continue;
      if (seen.has(roomId) && roomId !== id) return fail(`room ${roomId} appears on two pages`, [evidenceOf(exchange, 'each room on exactly one page')]);
      seen.add(roomId);
    }
    if (walk.found !== undefined) return pass(walk.pages.length);
    const last = walk.pages.at(-1);
    if (!walk.complete || last === undefined) return skip(`the listing has more than ${walk.pages.length} pages; ${id} was not among them`);
    return fail(`room ${id} is missing from the listing (${seen.size} rooms over ${walk.pages.length} pages)`, [
      evidenceOf(last, `the listing contains ${id}`),
    ]);
  });

  await ctx.check(LIFECYCLE_CHECKS.pagination, async () => paginationJoinsUp(ctx));

  let closed = false;
  const closeOnce = async (): Promise<Exchange> => {
    const request = api.close(id);
    const exchange = await ctx.send(request);
    expectStatus(exchange, closeAnswers(ctx.facts), `${request.operationId} of room ${id}`);
    ctx.createdRooms.delete(id);
    closed = true;
    return exchange;
  };

  await ctx.check(LIFECYCLE_CHECKS.deleteCloses, async () => {
    await closeOnce();
    const request = api.get(id);
    const after = await ctx.send(request);
    const problem = closedReadProblem(ctx, after);
    return problem === undefined
      ? pass(2)
      : fail(`${request.operationId} after the close: ${problem}`, [
          evidenceOf(after, `the room reads as closed (${ctx.profile.rooms.close.afterClose ?? ''})`),
        ]);
  });

  await ctx.check(LIFECYCLE_CHECKS.secondDelete, async () => {
    // The first close is this check's setup when the profile promised nothing about a closed room (delete-closes-room skipped).
    if (!closed) await closeOnce();
    const request = api.close(id);
    const exchange = await ctx.send(request);
    const problem = repeatCloseProblem(ctx, exchange);
    return problem === undefined
      ? pass(1)
      : fail(`a second ${request.operationId} of room ${id}: ${problem}`, [
          evidenceOf(exchange, 'the answer the profile and the document give a repeated close'),
        ]);
  });

  await ctx.check(LIFECYCLE_CHECKS.unknownRoom, async () => {
    // An id of the target's own format (a real id with its letters and digits zeroed), so a format check cannot answer 400 first.
    const unknown = unknownIdLike(id);
    const request = api.get(unknown);
    const exchange = await ctx.send(request);
    const problem = notFoundProblem(ctx, exchange);
    return problem === undefined
      ? pass(1)
      : fail(`${request.operationId} of a room that does not exist (${unknown}): ${problem}`, [evidenceOf(exchange, 'not found, as the document says')]);
  });

  await ctx.check(LIFECYCLE_CHECKS.statusFilter, async () => {
    const limit = listPageSize(ctx.facts, 100);
    const request = api.list({ status: 'closed', ...(limit === undefined ? {} : { limit }) });
    const exchange = await ctx.send(request);
    const rooms = listItems(ctx, exchange, request);
    const wrong = rooms.filter((room) => api.statusOf(room) !== 'closed');
    if (wrong.length > 0) {
      return fail(`the list filtered to closed rooms listed ${wrong.length} rooms that are not closed`, [evidenceOf(exchange, 'only closed rooms')]);
    }
    return pass(rooms.length);
  });
}

/**
 * Each optional field of the create, alone, with the plainest valid value its
 * schema allows (EmptyRoomTimeout 1, metadata "roomgate"), on top of the
 * profile's template: what a team's client may send any day must never be a
 * 5xx. A declared 4xx is allowed: a rule between fields (a room type that
 * caps the participants) is not the schema's to state.
 */
async function createTakesEachField(ctx: GateContext) {
  const create = ensured(operationIn(ctx.facts, 'createRoom'), 'the create operation');
  const refusals = documentedNon5xx(create).filter((status) => status >= 400);
  const problems: string[] = [];
  const evidence: Evidence[] = [];
  const fields = optionalCreateFields(ctx.facts);
  for (const { path, schema } of fields) {
    const value = plainValidValue(schema);
    const request = withBodyValue(ctx.api.create({ name: ctx.uniqueName('field') }), path, value);
    const exchange = await ctx.send(request);
    if (exchange.status !== undefined && exchange.status >= 200 && exchange.status < 300) {
      const roomId = ctx.api.idOf(ctx.api.roomOf('create', exchange.json));
      if (roomId !== undefined) ctx.createdRooms.add(roomId);
      continue;
    }
    if (exchange.status !== undefined && refusals.includes(exchange.status)) continue;
    problems.push(`${path.join('.')} = ${JSON.stringify(value)} answered ${describeExchange(exchange)}`);
    if (evidence.length < 3) evidence.push(evidenceOf(exchange, `a success, or a 4xx the document declares, for ${path.join('.')} = ${JSON.stringify(value)}`));
  }
  return problems.length === 0 ? pass(fields.length) : fail(`${create.operationId} with one more valid field: ${problems.join('; ')}`, evidence);
}

/** A role request with one more value in its body at `path` (a form body takes top-level fields; a list repeats its key). */
function withBodyValue(request: RoomRequest, path: string[], value: unknown): RoomRequest {
  if (request.contentType === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(request.body ?? '');
    const key = path.join('.');
    form.delete(key);
    for (const item of Array.isArray(value) ? value : [value])
      form.append(key, typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item));
    return { ...request, body: form.toString() };
  }
  const parsed: unknown = request.body === undefined ? {} : JSON.parse(request.body);
  const body: Record<string, unknown> = isRecord(parsed) ? parsed : {};
  let at = body;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    at[key] = isRecord(next) ? { ...next } : {};
    at = at[key] as Record<string, unknown>;
  }
  at[path.at(-1) as string] = value;
  return { ...request, body: JSON.stringify(body), contentType: 'application/json', headers: { ...request.headers, 'content-type': 'application/json' } };
}

/** One page of the list: the request that asked, its exchange, the ids on it. */
interface Page {
  request: ListRequest;
  exchange: Exchange;
  ids: (string | undefined)[];
}

/**
 * Walking pages of one room gives exactly the rooms of one larger page, in
 * its order: an off-by-one cursor loses (or repeats) a room at every page
 * boundary, which a page-after-page check alone misses.
 */
async function paginationJoinsUp(ctx: GateContext) {
  const { api } = ctx;
  // Two more rooms guarantee at least three (the lifecycle room is one), so a page of one has two pages after it.
  await ctx.createRoom({ label: 'page' });
  await ctx.createRoom({ label: 'page' });
  const span = listPageSize(ctx.facts, 3) ?? 3;
  const read = async (request: ListRequest): Promise<Page> => {
    const exchange = await ctx.send(request);
    return { request, exchange, ids: listItems(ctx, exchange, request).map((item) => api.idOf(item)) };
  };
  const paging = ensured(ctx.profile.rooms.list, 'the list role').paging.kind;
  const whole = await read(api.list({ limit: span }));
  const first = await read(api.list({ limit: 1 }));
  let next = api.nextPageOf(first.exchange.json, first.request);
  if (first.ids.length !== 1 || next === undefined) {
    return fail(
      `a page of 1 over at least three rooms must hold one room and lead to the next page (${paging}), but it held ${first.ids.length} and ${next === undefined ? 'no next page' : 'a next page'}`,
      [evidenceOf(first.exchange, `one room and the way to the next page (${paging})`)],
    );
  }
  const walked = [...first.ids];
  let step = first;
  while (walked.length < span && next !== undefined) {
    step = await read(next);
    if (step.ids.length !== 1) break;
    walked.push(step.ids[0]);
    next = api.nextPageOf(step.exchange.json, step.request);
  }
  if (isDeepStrictEqual(walked, whole.ids)) return pass(2 + walked.length);
  // Somebody else's writes to this client's rooms can shift a listing between reads: judge only a listing that held still.
  const again = await read(api.list({ limit: span }));
  if (!isDeepStrictEqual(again.ids, whole.ids)) {
    return skip(
      'the listing changed while it was walked (does something else create rooms with the same client?); rerun the gate when nothing else writes rooms',
    );
  }
  return fail(
    `walking pages of 1 (${paging}) gave ${JSON.stringify(walked)}, but one page of ${span} holds ${JSON.stringify(whole.ids)}: pages lose or repeat rooms at their boundaries`,
    [
      evidenceOf(whole.exchange, `the rooms one page at a time: ${JSON.stringify(whole.ids)}`),
      evidenceOf(step.exchange, `the next room of the ${span}-room page after the previous page`),
    ],
  );
}

/** The create's Location, where the document declares one: it must name the new room's get path. */
function locationProblem(ctx: GateContext, exchange: Exchange, roomId: string): { problem: string; expected: string } | undefined {
  const create = operationIn(ctx.facts, 'createRoom');
  const declares =
    create !== undefined &&
    successStatuses(create).some((status) =>
      Object.keys(ctx.spec.responseFor(create, status)?.headers ?? {}).some((header) => header.toLowerCase() === 'location'),
    );
  if (!declares) return undefined;
  const expected = ctx.api.get(roomId).path.split('?')[0] ?? '';
  const location = exchange.headers['location'];
  if (location !== undefined && new URL(location, ctx.http.baseUrl).pathname === expected) return undefined;
  return { problem: `Location is ${location ?? 'missing'}, expected ${expected}`, expected };
}

/**
 * What the create set and the room does not show: the name where the profile
 * maps it, and each value the create template sets from a variable
 * (`{{maxParticipants}}`) wherever the room has a field at the same place in
 * the request (VideoConnect's and LiveKit's `max_participants`); a field the
 * room keeps elsewhere (Daily's `config`) is not guessed at.
 */
function echoProblems(ctx: GateContext, room: unknown, values: { name: string; maxParticipants: number }): string[] {
  const problems: string[] = [];
  const { api, profile } = ctx;
  if (profile.fields.name !== undefined && api.nameOf(room) !== values.name) {
    problems.push(`the room's name (${profile.fields.name}) is ${JSON.stringify(api.nameOf(room) ?? null)}, not ${JSON.stringify(values.name)}`);
  }
  const variables: Record<string, unknown> = { name: values.name, maxParticipants: values.maxParticipants };
  for (const { pointer, variable } of variableLeaves(profile.rooms.create.body)) {
    const value = variables[variable];
    if (value === undefined || (variable === 'name' && profile.fields.name !== undefined)) continue;
    const shown = readPointer(room, pointer);
    // A form body sends every value as text: "4" and 4 are the same value.
    if (shown !== undefined && String(shown) !== String(value))
      problems.push(`${pointer} is ${JSON.stringify(shown)}, not ${JSON.stringify(value)} as the create sent`);
  }
  return problems;
}

/** The places of a template that are exactly one variable (`{ properties: { max: "{{maxParticipants}}" } }` → `/properties/max`). */
function variableLeaves(template: TemplateValue | undefined, at: (string | number)[] = []): { pointer: string; variable: string }[] {
  if (typeof template === 'string') {
    const single = /^\{\{\s*([A-Za-z][\w.]*)\s*\}\}$/.exec(template);
    return single === null ? [] : [{ pointer: formatPointer(at), variable: single[1] as string }];
  }
  if (Array.isArray(template)) return template.flatMap((item, i) => variableLeaves(item, [...at, i]));
  if (typeof template === 'object' && template !== null) return Object.entries(template).flatMap(([key, value]) => variableLeaves(value, [...at, key]));
  return [];
}

/** Fields that may change between two reads of one room without anyone changing it: status, participant count, and durations and update times. */
const DURATION_LIKE = /duration|elapsed|uptime|updated|last_?(seen|active|activity)|date_?modified/i;

export function volatilePointers(facts: GateFacts): Set<string> {
  const { fields } = facts.profile;
  const pointers = new Set<string>();
  if (fields.status !== undefined) pointers.add(fields.status.pointer);
  if (fields.participantCount !== undefined) pointers.add(fields.participantCount);
  const create = operationIn(facts, 'createRoom');
  for (const status of create === undefined ? [] : successStatuses(create)) {
    const room = schemaAt(responseSchema(facts.spec, create!, status), facts.profile.rooms.create.room);
    for (const name of Object.keys(propertiesOf(room).properties)) if (DURATION_LIKE.test(name)) pointers.add(formatPointer([name]));
  }
  return pointers;
}

/** Where two representations differ (`config/max_participants`), leaving out the volatile places. */
export function differences(a: unknown, b: unknown, volatile: ReadonlySet<string>, at: string[] = []): string[] {
  if (volatile.has(formatPointer(at))) return [];
  if (isRecord(a) && isRecord(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) => differences(a[key], b[key], volatile, [...at, key]));
  }
  return isDeepStrictEqual(a, b) ? [] : [at.length === 0 ? '(the whole room)' : at.join('.')];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
