import type { GateContext } from '../gate-context.js';
import { operationIn, type GateFacts } from '../check-preconditions.js';
import type { Exchange } from '../http/exchange.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import type { Credentials } from '../../target/target.js';
import { declaredStatuses } from '../coverage/coverage-recorder.js';
import { propertiesOf } from '../../spec/spec-facts.js';
import type { RoomRequest } from '../../profile/request-builder.js';
import { isUpdate, itemOperations } from '../../spec/resource-operations.js';
import { validBodies } from './generated-cases.js';

/**
 * What the generated and coverage checks need to address a real resource and
 * send a body the target can accept: concrete paths, valid bodies that start
 * from the profile's request templates (a create's `endDate: "{{now+1h}}"` is
 * what makes it valid, which no schema says), and cleaning up what an
 * accepted case created.
 */

/** The template with its path parameters filled in; undefined when a parameter has no value. */
export function concretePath(op: IndexedOperation, values: Record<string, string | undefined>): string | undefined {
  let missing = false;
  const path = op.template.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) missing = true;
    return encodeURIComponent(value ?? '');
  });
  return missing ? undefined : path;
}

/**
 * Values no schema can make safe: a generated webhook URL would point at a
 * random host, so it is replaced by a loopback address nothing listens on
 * (the gate never sends traffic off this machine on a generator's whim); the
 * field the create template fills with `{{name}}` is made unique to the run,
 * within the document's maxLength.
 */
export function adaptGenerated(op: IndexedOperation, body: unknown, ctx: GateContext): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const copy = { ...(body as Record<string, unknown>) };
  if (typeof copy['url'] === 'string') copy['url'] = 'http://127.0.0.1:9/roomgate-generated';
  const nameField = op === operationIn(ctx.facts, 'createRoom') ? templateField(ctx, 'name') : undefined;
  if (nameField !== undefined && typeof copy[nameField] === 'string') {
    const nameSchema = propertiesOf(ctx.spec.requestSchema(op)).properties[nameField];
    const max = typeof nameSchema?.['maxLength'] === 'number' ? nameSchema['maxLength'] : 100;
    copy[nameField] = ctx.uniqueName('gen').slice(0, max);
  }
  return copy;
}

/** The top-level body field the create template fills with exactly `{{variable}}` (`title: "{{name}}"` → `title`). */
export function templateField(ctx: GateContext, variable: string): string | undefined {
  const body = ctx.profile.rooms.create.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  return Object.entries(body).find(([, value]) => typeof value === 'string' && new RegExp(`^\\{\\{\\s*${variable}\\s*\\}\\}$`).test(value))?.[0];
}

/**
 * The body a role's template renders for one resource (the create's with a
 * name unique to the run, a close or join token's for `roomId`), as an
 * object: JSON parsed, a form body as its fields. Undefined for an operation
 * no role of the profile plays, or a role without a body.
 */
export function templateBody(ctx: GateContext, op: IndexedOperation, roomId = 'roomgate-template'): Record<string, unknown> | undefined {
  const request = roleRequestFor(ctx, op, roomId);
  if (request?.body === undefined) return undefined;
  const parsed: unknown =
    request.contentType === 'application/x-www-form-urlencoded' ? Object.fromEntries(new URLSearchParams(request.body)) : JSON.parse(request.body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const body = parsed as Record<string, unknown>;
  if (!isRoomUpdate(ctx, op)) return body;
  // Only the fields the update takes: a create's name is not an update's business.
  const takes = Object.keys(propertiesOf(ctx.spec.requestSchema(op)).properties);
  return Object.fromEntries(Object.entries(body).filter(([key]) => takes.includes(key)));
}

/** A PUT, PATCH or item POST on one room that no role plays: an update of it. */
function isRoomUpdate(ctx: GateContext, op: IndexedOperation): boolean {
  const create = operationIn(ctx.facts, 'createRoom');
  if (create === undefined || op === operationIn(ctx.facts, 'deleteRoom')) return false;
  const item = itemOperations(ctx.spec, create).find((i) => i.op === op);
  return item !== undefined && isUpdate(item, create);
}

/** The request a profile role sends for this operation, when the operation plays a role that builds one without other input. */
export function roleRequestFor(ctx: GateContext, op: IndexedOperation, roomId: string): RoomRequest | undefined {
  const is = (role: Parameters<typeof operationIn>[1]) => op === operationIn(ctx.facts, role);
  // An update of a room takes what the create template says a valid room needs (Daily's `properties.exp` in the future), where the update has those fields.
  if (is('createRoom') || isRoomUpdate(ctx, op)) return ctx.api.create({ name: ctx.uniqueName('gen') });
  if (is('deleteRoom')) return ctx.api.close(roomId);
  if (is('createJoinToken')) return ctx.api.joinToken(roomId, { name: 'roomgate-participant' });
  if (is('createWebhook')) return ctx.api.subscribe('http://127.0.0.1:9/roomgate-generated');
  return undefined;
}

/**
 * A valid body for the operation that does not depend on the seed (the
 * coverage phase is deterministic): the profile's template for the role the
 * operation plays (what the API needs that no schema says), over a body
 * generated from the request schema for whatever the template leaves out.
 */
export function seedIndependentBody(op: IndexedOperation, ctx: GateContext): Record<string, unknown> | undefined {
  const schema = ctx.spec.requestSchema(op);
  const template = templateBody(ctx, op);
  if (schema === undefined) return template;
  const generated = adaptGenerated(op, validBodies(schema, 0, 1)[0], ctx);
  const base = typeof generated === 'object' && generated !== null && !Array.isArray(generated) ? (generated as Record<string, unknown>) : {};
  return { ...base, ...(template ?? {}) };
}

/** Remove what an accepted case created, so a foreign target is left as found. */
export async function cleanUpCreated(ctx: GateContext, op: IndexedOperation, exchange: Exchange): Promise<void> {
  if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) return;
  if (op === operationIn(ctx.facts, 'createRoom')) {
    const roomId = ctx.api.idOf(ctx.api.roomOf('create', exchange.json));
    if (roomId !== undefined) ctx.createdRooms.add(roomId);
  } else if (op === operationIn(ctx.facts, 'createWebhook') && operationIn(ctx.facts, 'deleteWebhook') !== undefined) {
    const { id } = ctx.api.subscriptionOf(exchange.json);
    if (id !== undefined) await ctx.send(ctx.api.unsubscribe(id));
  }
}

/** Statuses that say "not this input" for reasons other than the input itself. */
const NOT_ABOUT_INPUT = new Set([401, 403, 404, 405, 409, 429]);

/**
 * The statuses that reject an invalid input "as the contract says": the ones
 * the case prefers (400, 415, 413) that the operation declares; else any 4xx
 * the operation declares for bad input; else, for a document that declares
 * none, any 4xx.
 */
export function rejectionStatuses(op: IndexedOperation, preferred: readonly number[], also: readonly number[] = []): number[] {
  const declared = declaredStatuses(op.operation.responses);
  const exact = preferred.filter((s) => declared.includes(s));
  if (exact.length > 0) return exact;
  const inputErrors = declared.filter((s) => s >= 400 && s < 500 && (!NOT_ABOUT_INPUT.has(s) || preferred.includes(s) || also.includes(s)));
  if (inputErrors.length > 0) return inputErrors;
  return Array.from({ length: 100 }, (_, i) => 400 + i);
}

/** The credentials exchange (the profile's token operation): sent without credentials, its valid body is the target's own pair. */
export function isTokenOperation(op: IndexedOperation, facts: GateFacts): boolean {
  return op === operationIn(facts, 'issueToken');
}

/** The body of the credentials exchange, with the field names of the profile's token operation (JSON; empty for auth kinds without one). */
export function tokenRequestBody(facts: GateFacts, credentials: Credentials): Record<string, string> {
  const { auth } = facts.profile;
  if (auth.kind !== 'client-credentials') return {};
  return { ...auth.token.fields, [auth.token.idField]: credentials.clientId, [auth.token.secretField]: credentials.clientSecret };
}

/** The template's path parameter names, in order: `['room_id']` for `/v1/rooms/{room_id}/join-tokens`. */
export function pathParams(op: IndexedOperation): string[] {
  return [...op.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
}

/**
 * An id shaped like a real one that names nothing: its letter prefix kept
 * (`rm_`, `RM`, `roomgate-`), every other letter and digit a zero
 * (`rm_8xKp2mNqLz` → `rm_0000000000`), separators as they are, so a format
 * check cannot answer 400 first and only the id's existence differs.
 */
export function unknownIdLike(real: string): string {
  const match = /^([A-Za-z]+[_-]?)(.+)$/.exec(real);
  const unknown = match === null ? real.replace(/[A-Za-z0-9]/g, '0') : `${match[1]}${(match[2] as string).replace(/[A-Za-z0-9]/g, '0')}`;
  return unknown === real ? `${real.slice(0, -1)}1` : unknown;
}

/** The request body schema of an operation, JSON or form-encoded (Twilio's creates are forms). */
export function requestBodySchema(op: IndexedOperation): Record<string, unknown> | undefined {
  const content = op.operation.requestBody?.content ?? {};
  const entry = Object.entries(content).find(([type]) => /json|x-www-form-urlencoded/i.test(type));
  const schema = entry?.[1].schema;
  return typeof schema === 'object' && schema !== null ? schema : undefined;
}

/**
 * One valid value for a field, the plainest its schema allows: its example,
 * default, const or first enum value, else the smallest number, `true`, a
 * string of the right shape (a loopback URL for a URL, so a callback never
 * leaves the machine; an instant an hour ahead; json-schema-faker for a
 * pattern), a list of one. Undefined for an object (its fields are taken one
 * at a time instead).
 */
export function plainValidValue(schema: Record<string, unknown>): unknown {
  const s = flattenAllOf(schema);
  for (const key of ['example', 'default', 'const'] as const) if (s[key] !== undefined) return s[key];
  if (Array.isArray(s['enum']) && s['enum'].length > 0) return s['enum'][0];
  const type = Array.isArray(s['type']) ? (s['type'] as unknown[]).find((t) => t !== 'null') : s['type'];
  switch (type) {
    case 'boolean':
      return true;
    case 'integer':
    case 'number': {
      const minimum = typeof s['minimum'] === 'number' ? s['minimum'] : typeof s['exclusiveMinimum'] === 'number' ? s['exclusiveMinimum'] + 1 : 1;
      return typeof s['maximum'] === 'number' ? Math.min(minimum, s['maximum']) : minimum;
    }
    case 'array': {
      const items = typeof s['items'] === 'object' && s['items'] !== null ? plainValidValue(s['items'] as Record<string, unknown>) : 'roomgate';
      return items === undefined ? [] : [items];
    }
    case 'object':
      return undefined;
    default:
      return plainString(s);
  }
}

function plainString(s: Record<string, unknown>): string {
  switch (s['format']) {
    case 'uri':
    case 'url':
      return 'http://127.0.0.1:9/roomgate-field';
    case 'date-time':
      return new Date(Date.now() + 3_600_000).toISOString();
    case 'date':
      return new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    case 'email':
      return 'roomgate@example.com';
    default:
      break;
  }
  if (typeof s['pattern'] === 'string') {
    const generated = validBodies(
      { type: 'string', pattern: s['pattern'], ...(typeof s['maxLength'] === 'number' ? { maxLength: s['maxLength'] } : {}) },
      0,
      1,
    )[0];
    if (typeof generated === 'string') return generated;
  }
  const min = typeof s['minLength'] === 'number' ? s['minLength'] : 0;
  return 'roomgate'.padEnd(min, 'x');
}

function flattenAllOf(schema: Record<string, unknown>): Record<string, unknown> {
  const parts = Array.isArray(schema['allOf']) ? (schema['allOf'] as Record<string, unknown>[]) : [];
  return Object.assign({}, ...parts.map(flattenAllOf), schema);
}
