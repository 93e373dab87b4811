import { stringify } from 'yaml';
import type { OpenApiDocument } from '../spec/openapi-types.js';
import { declaresErrorEnvelope } from '../spec/spec-facts.js';
import { SpecIndex, type IndexedOperation } from '../spec/spec-index.js';
import { CLOSED_VALUE, guessRoles, type GuessedRoles } from './draft/guess-roles.js';
import {
  asObject,
  descriptionOf,
  enumOf,
  findProperty,
  flatten,
  propertiesIn,
  requestBodyOf,
  sameName,
  successCodes,
  successSchema,
  typeOf,
  type SchemaObject,
} from './draft/schema-reading.js';
import { formatPointer } from './pointer.js';
import type { RoomState, TemplateValue } from './types.js';

/**
 * `roomgate init --from-spec`: a first profile drafted from the API's own
 * OpenAPI document. Roles come from paths, methods and operationIds
 * (draft/guess-roles.ts), auth from `securitySchemes`, fields from the
 * create answer's schema, list items and paging from the list answer's
 * schema, and request templates from the request schemas. Everything it
 * chose is listed as *guessed* (so the user can check it) and everything it
 * could not know as *fill in*; the YAML carries both lists as comments.
 */
export interface ProfileDraft {
  /** The profile file's text. */
  yaml: string;
  /** The same profile as data. */
  profile: Record<string, unknown>;
  guessed: string[];
  fillIn: string[];
}

export interface DraftOptions {
  /** The OpenAPI document as the profile should name it (relative to where the profile is written). */
  specRef: string;
  /** The `$schema` reference for editors (relative to where the profile is written); omitted when undefined. */
  schemaRef?: string;
}

type Json = TemplateValue;
type JsonObject = { [key: string]: Json };

export function draftProfile(document: OpenApiDocument, options: DraftOptions): ProfileDraft {
  const index = new SpecIndex(document);
  const roles = guessRoles(index);
  const notes = { guessed: [] as string[], fillIn: [] as string[] };
  for (const [role, guess] of Object.entries(roles) as [keyof GuessedRoles, GuessedRoles[keyof GuessedRoles]][]) {
    if (guess !== undefined) notes.guessed.push(`${roleLabel(role)}: ${guess.op.operationId} (${guess.reason})`);
  }
  const rooms: JsonObject = {};
  const createSchema = roles.create === undefined ? undefined : roomSchemaOf(index, roles.create.op);
  const fields = draftFields(roles, createSchema?.schema, notes);
  if (roles.create !== undefined) rooms['create'] = draftCreate(roles.create.op, createSchema?.pointer, notes);
  else notes.fillIn.push('rooms.create: no operation that creates a room was found; name it (operationId or "POST /path")');
  const list = roles.list === undefined ? undefined : draftList(index, roles.list.op, fields, notes);
  const get = draftGet(roles, list, notes);
  if (get !== undefined) rooms['get'] = get;
  if (list !== undefined) rooms['list'] = list.role;
  const close = draftClose(roles, notes);
  if (close !== undefined) rooms['close'] = close;
  if (roles.joinToken !== undefined) rooms['joinToken'] = draftJoinToken(index, roles.joinToken.op, notes);
  const webhooks = draftWebhooks(index, roles, fields, notes);
  if (webhooks !== undefined) rooms['webhooks'] = webhooks;

  const profile: JsonObject = {
    profile: 1,
    name: [document.info?.title, document.info?.version].filter((s) => s !== undefined && s !== '').join(' ') || 'My room API',
    spec: options.specRef,
    auth: draftAuth(document, index, roles, notes),
    rooms,
    fields: fields.yaml,
    conventions: draftConventions(index, notes),
  };
  return { yaml: render(profile, options, notes), profile, guessed: notes.guessed, fillIn: notes.fillIn };
}

type Notes = { guessed: string[]; fillIn: string[] };

function roleLabel(role: keyof GuessedRoles): string {
  if (role === 'token') return 'auth.token';
  if (role === 'subscribe' || role === 'unsubscribe') return `rooms.webhooks.${role}`;
  return `rooms.${role}`;
}

// ---- fields -------------------------------------------------------------------

const NAME_FIELD = /^(name|unique_?name|title|display_?name|room_?name|topic|subject)$/i;
const ID_FIELD = /^(id|sid|uuid|key|[a-z]+_?id)$/i;
const JOIN_URL_FIELD = /join|meeting_?url|room_?url|^url$|^link$/i;
const COUNT_FIELD =
  /^(participant_?count|participants_?count|num_?participants|numparticipants|participantcount|connected_?participants|active_?participants)$/i;
const STATUS_FIELD = /^(status|state)$/i;
const STATE_VALUES: Record<RoomState, RegExp> = {
  waiting: /^(waiting|pending|created|scheduled|idle|not[_-]?started|open)$/i,
  active: /^(active|in[_-]?progress|live|started|running|ongoing)$/i,
  // A failed room is over as much as a completed one (Twilio: in-progress | completed | failed).
  closed: new RegExp(`${CLOSED_VALUE.source}|^(failed|expired|deleted|cancel(l)?ed)$`, 'i'),
};

interface DraftedFields {
  yaml: JsonObject;
  /** Property names of id and name in the room representation. */
  idName: string | undefined;
  nameName: string | undefined;
}

/** Where the room is in the create answer: the root, or a single object property (`{room: {...}}`). */
function roomSchemaOf(index: SpecIndex, op: IndexedOperation): { schema: unknown; pointer: string | undefined } {
  const schema = successSchema(index, op);
  const { properties } = propertiesIn(schema);
  const names = Object.keys(properties);
  if (names.length === 1 && typeOf(properties[names[0]!]) === 'object') return { schema: properties[names[0]!], pointer: formatPointer([names[0]!]) };
  return { schema, pointer: undefined };
}

function draftFields(roles: GuessedRoles, roomSchema: unknown, notes: Notes): DraftedFields {
  const { properties } = propertiesIn(roomSchema);
  const names = Object.keys(properties);
  const yaml: JsonObject = {};
  // The id is what get/close address the room by: the property named like their path parameter (Daily: {name} → /name).
  const addressing = [roles.get?.op, roles.close?.op].flatMap((op) =>
    op === undefined ? [] : [...op.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? ''),
  );
  let idName = names.find((n) => addressing.some((p) => sameName(p, n)));
  let idReason = idName === undefined ? '' : `the room is addressed by {${addressing.find((p) => sameName(p, idName!))}} in the path`;
  if (idName === undefined) {
    // `roomId` → `id`, `RoomSid` → `sid`: the parameter without its noun.
    idName = names.find((n) => addressing.some((p) => sameName(p.replace(/^(room|meeting|session)[_-]?/i, ''), n)));
    if (idName !== undefined) idReason = 'the path parameter names it';
  }
  if (idName === undefined) {
    // RPC-style APIs (LiveKit) address rooms by a body field: DeleteRoom {room: <name>} → the room's name.
    const closeBody = roles.close === undefined ? undefined : requestBodyOf(roles.close.op);
    const ref = findProperty(closeBody?.schema, (n) => /^room([_-]?(name|id|sid))?$/i.test(n), 1);
    const referenced = ref?.pointer.slice(1).replace(/^room[_-]?/i, '') || undefined;
    idName = names.find(
      (n) =>
        (referenced !== undefined && sameName(n, referenced)) || ((referenced === undefined || referenced === '') && NAME_FIELD.test(n) && /^name$/i.test(n)),
    );
    if (idName !== undefined) idReason = `${roles.close?.op.operationId} names the room by it`;
  }
  if (idName === undefined) {
    idName = names.find((n) => /^(id|sid|uuid)$/i.test(n)) ?? names.find((n) => ID_FIELD.test(n));
    if (idName !== undefined) idReason = 'its name says it is the id';
  }
  if (idName !== undefined) {
    yaml['id'] = formatPointer([idName]);
    notes.guessed.push(`fields.id: /${idName} (${idReason})`);
  } else {
    yaml['id'] = '/id';
    notes.fillIn.push('fields.id: the pointer to the room id in a room (no id-like property found in the create answer)');
  }
  const nameName = names.find((n) => /^name$/i.test(n)) ?? names.find((n) => NAME_FIELD.test(n));
  if (nameName !== undefined) yaml['name'] = formatPointer([nameName]);
  else notes.fillIn.push("fields.name: the pointer to the room name (cleanup finds the run's rooms by name prefix)");

  const joinCandidates = names.filter(
    (n) => JOIN_URL_FIELD.test(n) && typeOf(properties[n]) === 'string' && !/resource|this (room|object) itself|api url/i.test(descriptionOf(properties[n])),
  );
  const joinName = joinCandidates.find((n) => /join/i.test(n) || /join|participant/i.test(descriptionOf(properties[n]))) ?? joinCandidates[0];
  if (joinName !== undefined) {
    yaml['joinUrl'] = formatPointer([joinName]);
    notes.guessed.push(
      `fields.joinUrl: /${joinName} (a URL-like field${/join/i.test(descriptionOf(properties[joinName])) ? ' described as where participants join' : ''}; remove it if participants cannot open it)`,
    );
  } else {
    notes.fillIn.push('optional: fields.joinUrl: no join URL found; participants then need an adapter (or add the pointer to a join page URL)');
  }
  const statusName = names.find((n) => STATUS_FIELD.test(n) && enumOf(properties[n]) !== undefined);
  if (statusName !== undefined) {
    const values = enumOf(properties[statusName]) ?? [];
    const mapped: Record<string, string[]> = {};
    for (const state of ['waiting', 'active', 'closed'] as const) {
      const own = values.filter((v) => STATE_VALUES[state].test(v));
      if (own.length > 0) mapped[state] = own;
    }
    yaml['status'] = { pointer: formatPointer([statusName]), values: mapped };
    const unmapped = values.filter((v) => !Object.values(mapped).flat().includes(v));
    notes.guessed.push(
      `fields.status: /${statusName} with ${Object.entries(mapped)
        .map(([s, v]) => `${s}=${v.join('|')}`)
        .join(', ')}`,
    );
    if (unmapped.length > 0)
      notes.fillIn.push(`optional: fields.status.values: the status values ${unmapped.join(', ')} are not mapped to waiting/active/closed`);
  }
  const countName = names.find((n) => COUNT_FIELD.test(n) && ['integer', 'number', 'string'].includes(typeOf(properties[n]) ?? ''));
  if (countName !== undefined) yaml['participantCount'] = formatPointer([countName]);
  return { yaml, idName, nameName };
}

// ---- roles --------------------------------------------------------------------

const MAX_PARTICIPANTS = /^max_?participants$/i;
const PRIVATE = /^(is_?private|private)$/i;
const PARTICIPANT_NAME = /^(participant_?name|user_?name|display_?name|identity|name)$/i;

/** A create body: the name, room options roomgate asks for, and every required property. */
function draftCreate(op: IndexedOperation, roomPointer: string | undefined, notes: Notes): JsonObject {
  const role: JsonObject = { operation: op.operationId };
  const body = requestBodyOf(op);
  if (body?.encoding === 'form') role['encoding'] = 'form';
  if (body !== undefined) role['body'] = bodyTemplate(body.schema, 'rooms.create.body', notes, 2);
  const idempotency = op.parameters.find((p) => p.in === 'header' && /^idempotency-?key$/i.test(p.name));
  if (idempotency !== undefined) role['idempotencyKey'] = idempotency.name;
  if (roomPointer !== undefined) role['room'] = roomPointer;
  return role;
}

/** Required properties get a value (a generated one when the name says what it is); optional ones only when roomgate has a variable for them. */
function bodyTemplate(schema: unknown, path: string, notes: Notes, depth: number): JsonObject {
  const { properties, required } = propertiesIn(schema);
  const out: JsonObject = {};
  for (const [name, raw] of Object.entries(properties)) {
    const prop = flatten(raw);
    if (prop['readOnly'] === true) continue;
    const type = typeOf(prop);
    const isRequired = required.includes(name);
    if (NAME_FIELD.test(name) && type !== 'object' && type !== 'array') out[name] = '{{name}}';
    else if (MAX_PARTICIPANTS.test(name)) out[name] = '{{maxParticipants}}';
    else if (PRIVATE.test(name) && type === 'boolean') out[name] = '{{private}}';
    else if (type === 'object' && depth > 0) {
      const nested = bodyTemplate(prop, `${path}.${name}`, notes, depth - 1);
      if (Object.keys(nested).length > 0 || isRequired) out[name] = nested;
    } else if (isRequired) {
      const value = requiredValue(name, prop);
      out[name] = value.value;
      (value.fillIn ? notes.fillIn : notes.guessed).push(`${path}.${name}: ${value.note}`);
    }
  }
  return out;
}

function requiredValue(name: string, prop: SchemaObject): { value: Json; note: string; fillIn: boolean } {
  const type = typeOf(prop);
  const values = enumOf(prop);
  const when = /end|expir|until|finish|stop|^exp$/i.test(name) ? '{{now+1h}}' : /start|begin|^nbf$|from/i.test(name) ? '{{now}}' : '{{now+1h}}';
  if (values !== undefined && values.length > 0) return { value: values[0]!, note: `"${values[0]}", the first value the document allows`, fillIn: false };
  if (type === 'string' && (prop['format'] === 'date-time' || prop['format'] === 'date'))
    return { value: when, note: `${when} (a required ${String(prop['format'])}; change the offset if the API needs another)`, fillIn: false };
  if ((type === 'integer' || type === 'number') && /time|date|exp|nbf|until|at$/i.test(name))
    return { value: `${when.slice(0, -2)}|unix}}`, note: `${when.slice(0, -2)}|unix}} (a required epoch time, by its name)`, fillIn: false };
  if (type === 'boolean') return { value: false, note: 'required boolean: false was written; set what your API needs', fillIn: true };
  if (type === 'integer' || type === 'number') {
    const min = typeof prop['minimum'] === 'number' ? prop['minimum'] : 1;
    return { value: min, note: `required number: ${min} was written; set what your API needs`, fillIn: true };
  }
  if (prop['format'] === 'uuid') return { value: '{{uuid}}', note: '{{uuid}} (a required uuid)', fillIn: false };
  return { value: 'FILL_IN', note: `required ${type ?? 'value'} with no known meaning: replace FILL_IN`, fillIn: true };
}

const LIMIT_PARAM = /^(limit|page_?size|per_?page|max_?results|size)$/i;
const CURSOR_PARAM = /^(cursor|page_?token|next_?token|starting_?after|after|continuation(_?token)?|page_?key|next)$/i;
const LAST_ITEM_PARAM = /^(starting_?after|after_?id|since_?id)$/i;
const NEXT_CURSOR_FIELD = /^(next_?cursor|next_?page_?token|next_?token|cursor|continuation_?token|next)$/i;
const NEXT_URL_FIELD = /^(next_?page_?url|next_?url|next_?page_?uri|next_?page_?link)$/i;

interface DraftedList {
  role: JsonObject;
  /** The items pointer (for a get drafted from the list). */
  items: string;
  /** The list body's array field that filters by id or name (LiveKit `names`), if any. */
  filterField: string | undefined;
}

function draftList(index: SpecIndex, op: IndexedOperation, fields: DraftedFields, notes: Notes): DraftedList {
  const role: JsonObject = { operation: op.operationId };
  const schema = successSchema(index, op);
  let items = '';
  if (typeOf(schema) !== 'array') {
    const { properties } = propertiesIn(schema);
    const arrays = Object.keys(properties).filter((n) => typeOf(properties[n]) === 'array');
    const best = arrays.find((n) => /^(data|items|results|rooms|meetings|sessions|records|entries|values|list)$/i.test(n)) ?? arrays[0];
    if (best !== undefined) items = formatPointer([best]);
    else notes.fillIn.push('rooms.list.items: no array of rooms found in the list answer; add its pointer');
  }
  const query: JsonObject = {};
  let lastItemCursor = false;
  for (const param of op.parameters.filter((p) => p.in === 'query')) {
    if (LIMIT_PARAM.test(param.name)) query[param.name] = '{{limit}}';
    else if (STATUS_FIELD.test(param.name)) query[param.name] = '{{status}}';
    else if (LAST_ITEM_PARAM.test(param.name)) {
      query[param.name] = '{{cursor}}';
      lastItemCursor = true;
    } else if (CURSOR_PARAM.test(param.name) && !/^(ending_?before|before)$/i.test(param.name)) query[param.name] = '{{cursor}}';
  }
  const paging: JsonObject = {};
  const { properties } = propertiesIn(schema);
  const nextUrl = findProperty(schema, (n, s) => NEXT_URL_FIELD.test(n) && typeOf(s) === 'string', 2);
  const nextCursor = Object.keys(properties).find((n) => NEXT_CURSOR_FIELD.test(n) && typeOf(properties[n]) === 'string');
  if (nextUrl !== undefined) {
    paging['nextPageUrl'] = nextUrl.pointer;
    // The next URL carries its own cursor: the first request needs none.
    for (const [name, value] of Object.entries(query)) if (value === '{{cursor}}') delete query[name];
    notes.guessed.push(`rooms.list.nextPageUrl: ${nextUrl.pointer} (the answer gives the next page's URL)`);
  } else if (nextCursor !== undefined) {
    paging['nextCursor'] = formatPointer([nextCursor]);
  } else if (lastItemCursor) {
    const itemId = findProperty(itemSchemaOf(schema, items), (n) => /^(id|uuid|sid)$/i.test(n), 0);
    const pointer = itemId?.pointer ?? formatPointer([fields.idName ?? 'id']);
    paging['nextCursorFrom'] = fields.idName !== undefined && pointer === formatPointer([fields.idName]) ? 'lastItemId' : { lastItem: pointer };
    notes.guessed.push(`rooms.list: the next page starts after the last item's ${pointer} (a starting_after-style parameter)`);
  } else if (Object.values(query).includes('{{cursor}}')) {
    notes.fillIn.push('rooms.list: the list takes a cursor but the answer names no next cursor; add nextCursor: /pointer');
  }
  if (Object.keys(query).length > 0) role['query'] = query;
  let filterField: string | undefined;
  const body = requestBodyOf(op);
  if (body !== undefined) {
    // RPC-style lists take a JSON body even when empty (Twirp: "{}").
    role['body'] = {};
    if (body.encoding === 'form') role['encoding'] = 'form';
    const filter = findProperty(body.schema, (n, s) => /^(names|ids|room_?names|room_?ids|sids)$/i.test(n) && typeOf(s) === 'array', 0);
    filterField = filter?.pointer.slice(1);
  }
  role['items'] = items === '' ? '/' : items;
  Object.assign(role, paging);
  return { role, items, filterField };
}

function itemSchemaOf(listSchema: unknown, items: string): unknown {
  const name = items.slice(1);
  const array = name === '' ? asObject(listSchema) : flatten(propertiesIn(listSchema).properties[name]);
  return array?.['items'];
}

/** The get role: a GET on one room, or (RPC-style APIs with no get) the list filtered to one room. */
function draftGet(roles: GuessedRoles, list: DraftedList | undefined, notes: Notes): JsonObject | undefined {
  if (roles.get !== undefined) return { operation: roles.get.op.operationId, ...paramsFor(roles.get.op, '{{room.id}}') };
  if (roles.list !== undefined && list?.filterField !== undefined) {
    notes.guessed.push(
      `rooms.get: ${roles.list.op.operationId} with ${list.filterField}: ["{{room.id}}"], the room at ${list.items}/0 (the document has no get; its list filters by ${list.filterField})`,
    );
    return { operation: roles.list.op.operationId, body: { [list.filterField]: ['{{room.id}}'] }, room: `${list.items}/0` };
  }
  notes.fillIn.push('rooms.get: no operation that reads one room was found; name it');
  return undefined;
}

/** `params:` only when the path has several parameters (one is filled with the room id by default). */
function paramsFor(op: IndexedOperation, value: string): JsonObject {
  const params = [...op.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
  if (params.length <= 1) return {};
  return { params: Object.fromEntries(params.map((p, i) => [p, i === params.length - 1 ? value : 'FILL_IN'])) };
}

const IDEMPOTENT_TEXT = /idempotent|answers the same|same 200|again answers 2\d\d/i;
const REPEAT_404_TEXT = /(second|another|repeat\w*|again)[^.]*\b404\b|\b404\b[^.]*(second|again)/i;
const READABLE_TEXT = /stays? readable|remains? readable|still readable|closed rooms stay/i;
const GONE_TEXT = /\bgone\b|get answers 404|no longer exists?|is removed/i;

function draftClose(roles: GuessedRoles, notes: Notes): JsonObject | undefined {
  const close = roles.close;
  if (close === undefined) {
    notes.fillIn.push('rooms.close: no operation that deletes or ends a room was found; name it (a DELETE, or an update that sets a status)');
    return undefined;
  }
  const role: JsonObject = { operation: close.op.operationId, ...paramsFor(close.op, '{{room.id}}') };
  const body = requestBodyOf(close.op);
  if (body?.encoding === 'form') role['encoding'] = 'form';
  if (close.byUpdate !== undefined) role['body'] = { [close.byUpdate.field]: close.byUpdate.value };
  else if (body !== undefined) {
    // RPC style: the body names the room (LiveKit DeleteRoom {room}).
    const ref = findProperty(body.schema, (n) => /^room([_-]?(name|id|sid))?$/i.test(n), 1);
    role['body'] = ref === undefined ? {} : nestAt(ref.pointer, '{{room.id}}');
  }
  const codes = successCodes(close.op);
  if (codes.length > 0) role['answers'] = codes;
  const closeText = operationText(close.op);
  const getText = roles.get === undefined ? '' : operationText(roles.get.op);
  if (REPEAT_404_TEXT.test(closeText)) role['repeat'] = 'not-found';
  else if (IDEMPOTENT_TEXT.test(closeText)) role['repeat'] = 'idempotent';
  else
    notes.fillIn.push(
      'optional: rooms.close.repeat: what a second close of the same room answers (idempotent | not-found | error); the document does not say, and the check that needs it is skipped until you do',
    );
  if (GONE_TEXT.test(closeText)) role['afterClose'] = 'gone';
  else if (READABLE_TEXT.test(`${closeText} ${getText}`) || close.byUpdate !== undefined) role['afterClose'] = 'readable';
  else
    notes.fillIn.push(
      'optional: rooms.close.afterClose: whether a closed room stays readable (readable) or answers 404 (gone); the document does not say, and the check that needs it is skipped until you do',
    );
  if (role['repeat'] !== undefined || role['afterClose'] !== undefined) {
    notes.guessed.push(
      `rooms.close: ${[role['repeat'] === undefined ? '' : `repeat: ${String(role['repeat'])}`, role['afterClose'] === undefined ? '' : `afterClose: ${String(role['afterClose'])}`].filter((s) => s !== '').join(', ')} (from the operation's description${close.byUpdate !== undefined ? '; a room closed by a status update stays readable' : ''})`,
    );
  }
  return role;
}

function draftJoinToken(index: SpecIndex, op: IndexedOperation, notes: Notes): JsonObject {
  const role: JsonObject = { operation: op.operationId, ...paramsFor(op, '{{room.id}}') };
  const body = requestBodyOf(op);
  if (body?.encoding === 'form') role['encoding'] = 'form';
  if (body !== undefined) {
    let template: JsonObject = {};
    const room = findProperty(body.schema, (n) => /^room([_-]?(name|id|sid))?$/i.test(n), 2);
    if (room !== undefined && !op.template.includes('{')) template = merge(template, nestAt(room.pointer, '{{room.id}}'));
    const participant = findProperty(body.schema, (n) => PARTICIPANT_NAME.test(n), 2);
    if (participant !== undefined) template = merge(template, nestAt(participant.pointer, '{{participant.name}}'));
    role['body'] = template;
  }
  const answer = successSchema(index, op);
  const joinUrl = findProperty(answer, (n, s) => /join_?url|url|link/i.test(n) && typeOf(s) === 'string', 1);
  const token = findProperty(answer, (n, s) => /^(token|access_?token|jwt)$/i.test(n) && typeOf(s) === 'string', 1);
  if (joinUrl !== undefined) role['joinUrl'] = joinUrl.pointer;
  if (token !== undefined) role['token'] = token.pointer;
  const tokenParam = /\?([A-Za-z_][\w-]*)=/.exec(operationText(op))?.[1];
  if (joinUrl === undefined && token !== undefined && tokenParam !== undefined) {
    role['tokenParam'] = tokenParam;
    notes.guessed.push(`rooms.joinToken.tokenParam: ${tokenParam} (the description says the token goes on the room's URL as ?${tokenParam}=)`);
  }
  if (joinUrl === undefined && token === undefined)
    notes.fillIn.push('rooms.joinToken: where the join URL or token is in the answer (joinUrl: /… or token: /…)');
  return role;
}

const EVENT_KINDS: Record<'created' | 'closed' | 'joined' | 'left', RegExp> = {
  created: /created|started/i,
  closed: /closed|ended|finished|deleted|completed/i,
  joined: /joined|connected/i,
  left: /left|disconnected/i,
};

function draftWebhooks(index: SpecIndex, roles: GuessedRoles, fields: DraftedFields, notes: Notes): JsonObject | undefined {
  const hooks = (index.document.webhooks ?? {}) as Record<
    string,
    { post?: { parameters?: { name?: string }[]; requestBody?: { content?: Record<string, { schema?: unknown }> } } }
  >;
  const names = Object.keys(hooks);
  if (roles.subscribe === undefined && names.length === 0) return undefined;
  const webhooks: JsonObject = {};
  if (roles.subscribe !== undefined) {
    const op = roles.subscribe.op;
    const subscribe: JsonObject = { operation: op.operationId };
    const body = requestBodyOf(op);
    if (body?.encoding === 'form') subscribe['encoding'] = 'form';
    const template: JsonObject = {};
    for (const [name, prop] of Object.entries(propertiesIn(body?.schema).properties)) {
      if (/^(url|uri|endpoint|callback_?url|target_?url|webhook_?url)$/i.test(name)) template[name] = '{{sink.url}}';
      else if (/^(events|event_?types|types|topics)$/i.test(name) && typeOf(prop) === 'array') template[name] = enumOf(flatten(prop)['items']) ?? names;
    }
    if (body !== undefined) subscribe['body'] = template;
    const answer = successSchema(index, op);
    const id = findProperty(answer, (n) => /^(id|[a-z]+_?id|sid)$/i.test(n), 0);
    const secret = findProperty(answer, (n) => /secret|signing_?key/i.test(n), 0);
    subscribe['id'] = id?.pointer ?? '/id';
    if (id === undefined) notes.fillIn.push('rooms.webhooks.subscribe.id: the pointer to the subscription id in the answer');
    if (secret !== undefined) subscribe['secret'] = secret.pointer;
    webhooks['subscribe'] = subscribe;
    if (roles.unsubscribe !== undefined) webhooks['unsubscribe'] = { operation: roles.unsubscribe.op.operationId };
  } else {
    webhooks['outOfBand'] = { url: 'ROOMGATE_SINK_URL', secret: 'ROOMGATE_WEBHOOK_SECRET' };
    notes.fillIn.push(
      'rooms.webhooks.outOfBand: the document declares webhooks but no subscription operation; configure the subscription in the vendor console and export ROOMGATE_SINK_URL and ROOMGATE_WEBHOOK_SECRET',
    );
  }
  const signed = names.some((n) => (hooks[n]?.post?.parameters ?? []).some((p) => /^webhook-signature$/i.test(p.name ?? '')));
  webhooks['signature'] = signed ? 'standard-webhooks' : 'none';
  const events: JsonObject = {};
  const payload = names.map((n) => Object.values(hooks[n]?.post?.requestBody?.content ?? {})[0]?.schema).find((s) => s !== undefined);
  const type = findProperty(payload, (n) => /^(type|event|event_?type)$/i.test(n), 1);
  const roomId = fields.idName === undefined ? undefined : findProperty(payload, (n) => n === fields.idName, 4);
  events['type'] = type?.pointer ?? '/type';
  // A guess the user is told to check (fillIn below): the id field the room itself uses.
  events['roomId'] = roomId?.pointer ?? `/${fields.idName ?? 'id'}`;
  if (type === undefined) notes.fillIn.push('rooms.webhooks.events.type: where the event type is in a payload');
  if (roomId === undefined) notes.fillIn.push('rooms.webhooks.events.roomId: where the room id is in a payload');
  for (const [kind, pattern] of Object.entries(EVENT_KINDS)) {
    const name = names.find((n) => pattern.test(n));
    if (name !== undefined) events[kind] = name;
  }
  webhooks['events'] = events;
  return webhooks;
}

// ---- auth and conventions -----------------------------------------------------------

interface SecurityScheme {
  type?: string;
  scheme?: string;
  bearerFormat?: string;
  in?: string;
  name?: string;
  flows?: { clientCredentials?: { tokenUrl?: string } };
}

function draftAuth(document: OpenApiDocument, index: SpecIndex, roles: GuessedRoles, notes: Notes): JsonObject {
  const schemes = ((document.components as { securitySchemes?: Record<string, SecurityScheme> } | undefined)?.securitySchemes ?? {}) as Record<
    string,
    SecurityScheme
  >;
  const used = (document.security ?? []).flatMap((requirement) => Object.keys(requirement));
  const name = used.find((n) => schemes[n] !== undefined) ?? Object.keys(schemes)[0];
  const scheme = name === undefined ? undefined : schemes[name];
  const credentialsNote =
    'auth: the credentials come from --client-id / --client-secret (ROOMGATE_CLIENT_ID / ROOMGATE_CLIENT_SECRET), or name your own environment variables under auth.credentials';
  notes.fillIn.push(credentialsNote);
  if (roles.token !== undefined) {
    notes.guessed.push(`auth.kind: client-credentials (the document has a token operation, ${roles.token.op.operationId})`);
    return { kind: 'client-credentials', token: tokenEndpoint(index, roles.token.op, 'json') };
  }
  if (scheme?.type === 'oauth2' && scheme.flows?.clientCredentials?.tokenUrl !== undefined) {
    const tokenPath = new URL(scheme.flows.clientCredentials.tokenUrl, 'http://placeholder.invalid').pathname;
    const op = index.operations.find((o) => o.method === 'post' && (o.template === tokenPath || tokenPath.endsWith(o.template)));
    notes.guessed.push(
      `auth.kind: client-credentials (securityScheme ${name} is OAuth 2.0 client credentials, token URL ${scheme.flows.clientCredentials.tokenUrl})`,
    );
    if (op !== undefined) return { kind: 'client-credentials', token: tokenEndpoint(index, op, 'form') };
    notes.fillIn.push(
      `auth.token.operation: the token URL ${tokenPath} is not an operation of the document; add it to the document (roomgate resolves every operation there)`,
    );
    return {
      kind: 'client-credentials',
      token: {
        operation: `POST ${tokenPath}`,
        encoding: 'form',
        fields: { grant_type: 'client_credentials' },
        accessToken: '/access_token',
        expiresIn: '/expires_in',
      },
    };
  }
  if (scheme?.type === 'http' && scheme.scheme?.toLowerCase() === 'basic') {
    notes.guessed.push(`auth.kind: basic (securityScheme ${name} is HTTP Basic)`);
    return { kind: 'basic' };
  }
  if (scheme?.type === 'apiKey' && scheme.in === 'header' && scheme.name !== undefined) {
    if (/^authorization$/i.test(scheme.name)) {
      notes.guessed.push(`auth.kind: bearer (securityScheme ${name} is an API key in the Authorization header)`);
      return { kind: 'bearer' };
    }
    notes.guessed.push(`auth.kind: header ${scheme.name} (securityScheme ${name} is an API key in that header)`);
    return { kind: 'header', header: scheme.name };
  }
  if (scheme?.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer') {
    if (scheme.bearerFormat?.toUpperCase() === 'JWT') {
      // A JWT bearer with no token operation is signed by the client itself (LiveKit-style).
      notes.guessed.push(`auth.kind: jwt (securityScheme ${name} is a JWT bearer and the document has no token operation: the client signs it)`);
      notes.fillIn.push('auth.claims: the claims your API requires in the JWT (e.g. grants); iat, nbf and exp are added');
      return { kind: 'jwt', algorithm: 'HS256', lifetime: '10m', claims: { iss: '{{clientId}}' } };
    }
    notes.guessed.push(`auth.kind: bearer (securityScheme ${name} is a bearer token and the document has no token operation: a static API key)`);
    return { kind: 'bearer' };
  }
  notes.fillIn.push('auth.kind: the document declares no security scheme roomgate recognises; choose client-credentials, bearer, basic, header or jwt');
  return { kind: 'bearer' };
}

function tokenEndpoint(index: SpecIndex, op: IndexedOperation, fallback: 'json' | 'form'): JsonObject {
  const body = requestBodyOf(op);
  const encoding = body?.encoding ?? fallback;
  const { properties, required } = propertiesIn(body?.schema);
  const names = Object.keys(properties);
  const idField = names.find((n) => /^(client_?id|clientid|key_?id|api_?key|username|account_?sid)$/i.test(n)) ?? 'client_id';
  const secretField = names.find((n) => /secret|password/i.test(n)) ?? 'client_secret';
  const fields: JsonObject = {};
  for (const name of required) {
    if (name === idField || name === secretField) continue;
    const values = enumOf(properties[name]);
    if (values?.length === 1) fields[name] = values[0]!;
  }
  // RFC 6749 §4.4.2: a form-encoded client-credentials request carries grant_type.
  if (encoding === 'form' && !('grant_type' in fields)) fields['grant_type'] = 'client_credentials';
  const answer = successSchema(index, op);
  const accessToken = findProperty(answer, (n) => /^(access_?token|token|jwt)$/i.test(n), 1);
  const expiresIn = findProperty(answer, (n) => /^(expires_?in|ttl|expires)$/i.test(n), 1);
  const token: JsonObject = { operation: op.operationId, encoding, idField, secretField };
  if (Object.keys(fields).length > 0) token['fields'] = fields;
  token['accessToken'] = accessToken?.pointer ?? '/access_token';
  if (expiresIn !== undefined) token['expiresIn'] = expiresIn.pointer;
  return token;
}

function draftConventions(index: SpecIndex, notes: Notes): JsonObject {
  const headers = new Set<string>();
  for (const op of index.operations)
    for (const response of Object.values(op.operation.responses ?? {})) for (const name of Object.keys(response.headers ?? {})) headers.add(name.toLowerCase());
  const rateLimitHeaders =
    headers.has('ratelimit') || headers.has('ratelimit-policy') ? 'ietf' : [...headers].some((h) => h.startsWith('x-ratelimit-')) ? 'x-ratelimit' : 'none';
  const errors = declaresErrorEnvelope(index) ? 'envelope' : 'spec';
  notes.guessed.push(
    `conventions: errors ${errors} (${errors === 'envelope' ? 'the error responses declare {error, message, status}' : "the document's own error schemas judge error bodies"}), rateLimitHeaders ${rateLimitHeaders}`,
  );
  return { errors, rateLimitHeaders };
}

/** An operation's summary and description, and its responses' descriptions: where documents say what a call does. */
function operationText(op: IndexedOperation): string {
  const described = op.operation as { summary?: string; description?: string };
  return [described.summary, described.description, ...Object.values(op.operation.responses ?? {}).map((r) => r.description)]
    .filter((t) => t !== undefined)
    .join(' ');
}

// ---- output -------------------------------------------------------------------------

function nestAt(pointer: string, value: Json): JsonObject {
  const tokens = pointer.slice(1).split('/');
  let out: Json = value;
  for (const token of tokens.reverse()) out = { [token]: out };
  return out as JsonObject;
}

function merge(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] = asObject(existing) !== undefined && asObject(value) !== undefined ? merge(existing as JsonObject, value as JsonObject) : value;
  }
  return out;
}

function render(profile: JsonObject, options: DraftOptions, notes: Notes): string {
  const lines: string[] = [];
  if (options.schemaRef !== undefined) lines.push(`# yaml-language-server: $schema=${options.schemaRef}`, '#');
  lines.push(
    '# A target profile drafted by `roomgate init --from-spec`. Check what was guessed, fill in',
    '# what is listed below, then: roomgate contract --profile <this file> --target <your API>',
  );
  if (notes.fillIn.length > 0) lines.push('#', '# Fill in:', ...notes.fillIn.map((n) => `#   - ${n}`));
  if (notes.guessed.length > 0) lines.push('#', '# Guessed:', ...notes.guessed.map((n) => `#   - ${n}`));
  return `${lines.join('\n')}\n${stringify(profile, { lineWidth: 0 })}`;
}
