import { tokenRequest } from '../../profile/auth/client-credentials.js';
import { CONTENT_TYPES, encodeParams, type RoomRequest } from '../../profile/request-builder.js';
import type { RoomRef } from '../../profile/room-api.js';
import type { JsonValue } from '../../profile/template.js';
import { itemOperations } from '../../spec/resource-operations.js';
import { formFields, type IndexedOperation, type RequestEncoding } from '../../spec/spec-index.js';
import { operationIn, type GateFacts } from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import type { GateRole } from '../gate-roles.js';
import type { OutgoingRequest } from '../http/exchange.js';
import { LOOPBACK_URL, urlsOnLoopback, validBodies } from './generated-cases.js';
import { concretePath, pathParams } from './request-fixtures.js';

/**
 * A valid request of one operation, the one the generated and coverage cases
 * change one thing of. Where the target profile gives the operation a role,
 * the request is that role's, rendered from its templates (the create's name
 * unique to the run and its future `endDate`, the close's `Status=completed`,
 * LiveKit's `{room: "<name>"}`), in the role's encoding (JSON, or a form for
 * Twilio) and with its headers; that is what makes it valid where the schema
 * alone cannot say. An operation without a role gets a body json-schema-faker
 * makes valid against its schema (seed-independent), its URLs on loopback.
 */
export interface Baseline {
  op: IndexedOperation;
  role: GateRole | undefined;
  /** Every path parameter's value (real resources of this client). */
  params: Record<string, string>;
  /** The role's query string as rendered, without `?`; '' for none. */
  query: string;
  /** The role's own request headers (an idempotency key, a version header), credentials and content type aside. */
  headers: Record<string, string>;
  /** The body as a value: the JSON, or a form's fields; undefined when the operation takes none. */
  body: unknown;
  encoding: RequestEncoding;
  /** Sent with the gate's own credentials; false for the token operation, which carries the pair in its body. */
  auth: boolean;
}

/** The roles in the order an operation playing several is taken as (LiveKit's ListRooms is the get and the list: a get names a room). */
const ROLE_ORDER: readonly GateRole[] = ['issueToken', 'createRoom', 'createJoinToken', 'createWebhook', 'deleteRoom', 'deleteWebhook', 'getRoom', 'listRooms'];

/** The role of the profile an operation plays, if any. */
export function roleOf(facts: GateFacts, op: IndexedOperation): GateRole | undefined {
  return ROLE_ORDER.find((role) => operationIn(facts, role) === op);
}

/**
 * Whether sending the operation's valid request changes or removes what it
 * addresses (a close, an unsubscribe, an update no role describes): each such
 * request then gets a resource of its own, so one case cannot spoil the next
 * (a closed room answers every later case with "room completed").
 */
export function isDestructive(facts: GateFacts, op: IndexedOperation): boolean {
  const role = roleOf(facts, op);
  if (role === undefined) return op.method !== 'get' && op.method !== 'head';
  return role === 'deleteRoom' || role === 'deleteWebhook';
}

/** The path parameter that takes a room's id (`room_id`, `name`, `Sid`), when the operation addresses one of the create's rooms by path. */
export function roomParamOf(facts: GateFacts, op: IndexedOperation): string | undefined {
  const create = operationIn(facts, 'createRoom');
  return create === undefined ? undefined : itemOperations(facts.spec, create).find((item) => item.op === op)?.param;
}

/**
 * Why the gate has no valid request of `op` to start from, or undefined when
 * it has one: an operation no role of the profile describes and no path
 * parameter addresses may name, in its body, resources only the API knows
 * (LiveKit's ListParticipants names a room and a participant).
 */
export function unaddressable(facts: GateFacts, op: IndexedOperation): string | undefined {
  return roleOf(facts, op) === undefined && pathParams(op).length === 0
    ? `the target profile gives ${op.operationId} no role and its path names no resource, so the gate has no valid request of it to start from (its body may name resources only the API knows)`
    : undefined;
}

/** Whether the operation's valid request needs a room: it names one by path, or its role's template does. */
export function needsRoom(facts: GateFacts, op: IndexedOperation): boolean {
  const role = roleOf(facts, op);
  return roomParamOf(facts, op) !== undefined || role === 'getRoom' || role === 'deleteRoom' || role === 'createJoinToken';
}

/**
 * The baseline of `op` addressing `values` (path parameter → id) and `room`;
 * a string says why there is none (a path parameter nothing gave a value).
 * Cheap and offline: call it again for every case that needs a fresh render
 * (a create's name must be new each time).
 */
export function baselineFor(ctx: GateContext, op: IndexedOperation, values: Readonly<Record<string, string | undefined>>, room?: RoomRef): Baseline | string {
  const role = roleOf(ctx.facts, op);
  const roomParam = roomParamOf(ctx.facts, op);
  const filled: Record<string, string | undefined> = { ...values, ...(roomParam === undefined || room === undefined ? {} : { [roomParam]: room.id }) };
  const request = role === undefined ? undefined : roleRequest(ctx, role, filled, op, room);
  if (typeof request === 'string') return request;
  const params: Record<string, string> = {};
  const rendered = request === undefined ? undefined : paramsIn(op, request.path);
  for (const param of pathParams(op)) {
    const value = filled[param] ?? rendered?.[param];
    if (value === undefined) return `no ${param} to address (creating one through the API failed, or the document has no operation that creates it)`;
    params[param] = value;
  }
  const declared = ctx.spec.requestBody(op);
  const encoding: RequestEncoding =
    request?.contentType === CONTENT_TYPES.form ? 'form' : request?.contentType === CONTENT_TYPES.json ? 'json' : (declared?.encoding ?? 'json');
  let body: unknown;
  if (request?.body !== undefined) body = encoding === 'form' ? formFields(request.body) : (JSON.parse(request.body) as unknown);
  else if (request === undefined && declared !== undefined) body = urlsOnLoopback(validBodies(declared.schema, 0, 1)[0]);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request?.headers ?? {})) if (!/^(accept|content-type|authorization)$/i.test(name)) headers[name] = value;
  return { op, role, params, query: request?.path.split('?')[1] ?? '', headers, body, encoding, auth: role !== 'issueToken' };
}

/** The request a role sends for one resource; a string when the role needs an id nothing gave. */
function roleRequest(
  ctx: GateContext,
  role: GateRole,
  values: Record<string, string | undefined>,
  op: IndexedOperation,
  room: RoomRef | undefined,
): RoomRequest | string | undefined {
  const roomRef = room ?? firstValue(values, op);
  const needRoom = (): RoomRef | string => roomRef ?? `no room to address (creating one through the API failed)`;
  switch (role) {
    case 'issueToken': {
      const { auth } = ctx.profile;
      if (auth.kind !== 'client-credentials') return undefined;
      const { clientId, clientSecret } = ctx.target.credentials;
      return tokenRequest(auth.token, { id: clientId === '' ? undefined : clientId, secret: clientSecret }).request;
    }
    case 'createRoom':
      return ctx.api.create({ name: ctx.uniqueName('case') });
    case 'listRooms':
      return ctx.api.list({});
    case 'createWebhook':
      return ctx.api.subscribe(LOOPBACK_URL);
    case 'deleteWebhook': {
      const id = firstValue(values, op)?.id;
      return id === undefined ? 'no webhook subscription to address' : ctx.api.unsubscribe(id);
    }
    case 'getRoom':
    case 'deleteRoom':
    case 'createJoinToken': {
      const target = needRoom();
      if (typeof target === 'string') return target;
      if (role === 'getRoom') return ctx.api.get(target);
      if (role === 'deleteRoom') return ctx.api.close(target);
      return ctx.api.joinToken(target, { name: 'roomgate-participant' });
    }
  }
}

/** The value given for the operation's first path parameter, as a resource reference. */
function firstValue(values: Record<string, string | undefined>, op: IndexedOperation): RoomRef | undefined {
  const param = pathParams(op)[0];
  const id = param === undefined ? undefined : values[param];
  return id === undefined ? undefined : { id };
}

/** The path parameters a rendered path fills in for the operation's template. */
function paramsIn(op: IndexedOperation, path: string): Record<string, string> | undefined {
  const names = pathParams(op);
  const source = op.template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('([^/]+)');
  const match = new RegExp(`^${source}/?$`).exec(path.split('?')[0] ?? path);
  if (match === null) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
}

/** What a case changes of its baseline: the body (a value, or raw bytes), the query, path parameters, or the required headers. */
export interface BaselineChange {
  body?: unknown;
  raw?: { text: string; contentType: string };
  query?: string;
  params?: Record<string, string>;
  omitHeaders?: true;
  signal?: AbortSignal;
}

/** The baseline, changed, as the gate sends it: the body encoded the role's way (JSON, or a form as the target reads forms). */
export function requestOf(baseline: Baseline, change: BaselineChange = {}): OutgoingRequest {
  const path = concretePath(baseline.op, { ...baseline.params, ...change.params }) as string;
  const query = change.query ?? baseline.query;
  const headers: Record<string, string> = { ...baseline.headers };
  let rawBody: string | undefined;
  if (change.raw !== undefined) {
    rawBody = change.raw.text;
    headers['content-type'] = change.raw.contentType;
  } else {
    const body = change.body ?? baseline.body;
    if (body !== undefined) {
      rawBody = encodeBody(body, baseline.encoding);
      headers['content-type'] = CONTENT_TYPES[baseline.encoding];
    }
  }
  return {
    method: baseline.op.method.toUpperCase(),
    path: query === '' ? path : `${path}?${query}`,
    headers,
    auth: baseline.auth,
    ...(rawBody === undefined ? {} : { rawBody }),
    ...(change.omitHeaders === true ? { omitDefaultHeaders: true } : {}),
    ...(change.signal === undefined ? {} : { signal: change.signal }),
  };
}

/** A body value as the wire carries it in this encoding. */
export function encodeBody(body: unknown, encoding: RequestEncoding): string {
  return encoding === 'form' ? encodeParams(body as JsonValue) : JSON.stringify(body);
}
