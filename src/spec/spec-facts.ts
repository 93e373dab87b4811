import type { JsonSchema, ParameterObject } from './openapi-types.js';
import type { IndexedOperation, SpecIndex } from './spec-index.js';

/**
 * What the gate reads out of the user's OpenAPI document instead of assuming
 * the reference's choices: which operations exist (by operationId, else by
 * method and path), the error codes a response documents, the room id
 * pattern, the pagination parameter and field names, and whether a header
 * is declared. Every function returns `undefined` when the document does not
 * state the fact, and the check that needs it is then skipped with a reason.
 */

/**
 * Where a document of the reference's shape keeps each role, by id or, failing
 * that, by method and path. The target profile says which operation plays a
 * role (contract/gate-roles.ts); this guess only words a skip reason ("the
 * document declares no createWebhook operation" vs "the profile maps none").
 */
const ROLES = {
  issueToken: ['post', /\/auth\/token$/],
  createRoom: ['post', /\/rooms$/],
  listRooms: ['get', /\/rooms$/],
  getRoom: ['get', /\/rooms\/\{[^}]+\}$/],
  deleteRoom: ['delete', /\/rooms\/\{[^}]+\}$/],
  createJoinToken: ['post', /\/rooms\/\{[^}]+\}\/join-tokens$/],
  createWebhook: ['post', /\/webhooks$/],
  listWebhooks: ['get', /\/webhooks$/],
  deleteWebhook: ['delete', /\/webhooks\/\{[^}]+\}$/],
} as const satisfies Record<string, readonly [string, RegExp]>;
export type OperationRole = keyof typeof ROLES;

export function operationFor(spec: SpecIndex, role: OperationRole): IndexedOperation | undefined {
  const [method, path] = ROLES[role];
  return spec.byId(role) ?? spec.operations.find((op) => op.method === method && path.test(op.template));
}

/** Skip reason when the document lacks an operation, else undefined. */
export function missingOperation(spec: SpecIndex, ...roles: OperationRole[]): string | undefined {
  const missing = roles.filter((role) => operationFor(spec, role) === undefined);
  return missing.length === 0 ? undefined : `the OpenAPI document declares no ${missing.join(', ')} operation`;
}

/** Properties of an object schema, merged through `allOf` (how error responses refine the envelope). */
export function propertiesOf(schema: JsonSchema | undefined): { properties: Record<string, Record<string, unknown>>; required: string[] } {
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  const visit = (s: JsonSchema | undefined) => {
    if (typeof s !== 'object' || s === null) return;
    for (const part of (s['allOf'] as JsonSchema[] | undefined) ?? []) visit(part);
    for (const [name, prop] of Object.entries((s['properties'] as Record<string, Record<string, unknown>> | undefined) ?? {})) {
      properties[name] = { ...(properties[name] ?? {}), ...prop };
    }
    required.push(...((s['required'] as string[] | undefined) ?? []));
  };
  visit(schema);
  return { properties, required: [...new Set(required)] };
}

/** The JSON schema of a documented response, if any. */
export function responseSchema(spec: SpecIndex, op: IndexedOperation, status: number): JsonSchema | undefined {
  const response = spec.responseFor(op, status);
  const json = Object.entries(response?.content ?? {}).find(([type]) => /json/i.test(type));
  return json?.[1].schema;
}

/** The 2xx statuses the operation documents, in order (`2XX` counts as 200). */
export function successStatuses(op: IndexedOperation): number[] {
  const codes = Object.keys(op.operation.responses ?? {}).filter((code) => /^2(\d\d|XX)$/i.test(code));
  return codes.map((code) => Number(code.replace(/X/gi, '0'))).sort((a, b) => a - b);
}

/** Whether the operation documents this exact status (not via `default` or a range). */
export function documents(op: IndexedOperation | undefined, status: number): boolean {
  return op !== undefined && Object.hasOwn(op.operation.responses ?? {}, String(status));
}

/**
 * The error codes a documented response allows (`error: {const}` or `{enum}`),
 * or undefined when the document does not pin them: the check then judges
 * the status and the envelope only.
 */
export function errorCodes(spec: SpecIndex, op: IndexedOperation | undefined, status: number): string[] | undefined {
  if (op === undefined || !documents(op, status)) return undefined;
  const error = propertiesOf(responseSchema(spec, op, status)).properties['error'];
  if (error === undefined) return undefined;
  if (typeof error['const'] === 'string') return [error['const']];
  if (Array.isArray(error['enum'])) return error['enum'].filter((v): v is string => typeof v === 'string');
  return undefined;
}

/** True when the documented response declares the header as required. */
export function requiresHeader(spec: SpecIndex, op: IndexedOperation | undefined, status: number, header: string): boolean {
  if (op === undefined) return false;
  const headers = spec.responseFor(op, status)?.headers ?? {};
  return Object.entries(headers).some(([name, h]) => name.toLowerCase() === header.toLowerCase() && h.required === true);
}

/** The error envelope `{error, message, status}`, when the document's error responses declare it. */
export function declaresErrorEnvelope(spec: SpecIndex): boolean {
  for (const op of spec.operations) {
    for (const [code] of Object.entries(op.operation.responses ?? {})) {
      if (!/^[45]/.test(code)) continue;
      const { required } = propertiesOf(responseSchema(spec, op, Number(code.replace(/X/g, '0'))));
      if (['error', 'message', 'status'].every((p) => required.includes(p))) return true;
    }
  }
  return false;
}

/** Cursor pagination as this document names it. */
export interface Pagination {
  limitParam: string;
  cursorParam: string;
  /** The array of items in the page. */
  itemsField: string;
  /** The cursor of the next page (string, null on the last page). */
  nextField: string;
  /** Optional `has_more`-style boolean. */
  hasMoreField: string | undefined;
  maxLimit: number | undefined;
}

const LIMIT_NAMES = /^(limit|page_?size|per_?page|size|max_?results|count|first)$/i;
const CURSOR_NAMES = /(cursor|token|after|next|continuation|page_?key)/i;

/**
 * Recognises cursor pagination on a list operation from the document alone:
 * an integer query parameter for the page size, a string query parameter for
 * the cursor, and in the 200 body an array plus a string "next" field. Names
 * are whatever the document uses (`limit`/`cursor`/`data`/`next_cursor`, or
 * `page_size`/`page_token`/`items`/`next_page_token`, …).
 */
export function paginationOf(spec: SpecIndex, list: IndexedOperation | undefined): Pagination | undefined {
  if (list === undefined) return undefined;
  const query = list.parameters.filter((p) => p.in === 'query');
  const typeOf = (p: ParameterObject) => (typeof p.schema === 'object' ? (p.schema['type'] as string | string[] | undefined) : undefined);
  const limit = query.find((p) => typeOf(p) === 'integer' && LIMIT_NAMES.test(p.name)) ?? query.find((p) => typeOf(p) === 'integer');
  const cursor = query.find((p) => typeOf(p) === 'string' && CURSOR_NAMES.test(p.name));
  const { properties } = propertiesOf(responseSchema(spec, list, 200));
  const items = Object.entries(properties).find(([, s]) => s['type'] === 'array')?.[0];
  const next = Object.entries(properties).find(([name, s]) => /next/i.test(name) && includesType(s['type'], 'string'))?.[0];
  const hasMore = Object.entries(properties).find(([name, s]) => s['type'] === 'boolean' && /more|next/i.test(name))?.[0];
  if (limit === undefined || cursor === undefined || items === undefined || next === undefined) return undefined;
  const maximum = typeof limit.schema === 'object' ? limit.schema['maximum'] : undefined;
  return {
    limitParam: limit.name,
    cursorParam: cursor.name,
    itemsField: items,
    nextField: next,
    hasMoreField: hasMore,
    maxLimit: typeof maximum === 'number' ? maximum : undefined,
  };
}

function includesType(type: unknown, wanted: string): boolean {
  return type === wanted || (Array.isArray(type) && type.includes(wanted));
}

/** A query parameter's enum, when it has one (e.g. the status filter). */
export function queryEnum(list: IndexedOperation | undefined, name: string): unknown[] | undefined {
  const param = list?.parameters.find((p) => p.in === 'query' && p.name === name);
  return typeof param?.schema === 'object' && Array.isArray(param.schema['enum']) ? param.schema['enum'] : undefined;
}

/** Whether an operation declares a (request) header parameter. */
export function declaresRequestHeader(op: IndexedOperation | undefined, name: string): boolean {
  return op?.parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === name.toLowerCase()) ?? false;
}

/** Required request header parameters (Authorization and Idempotency-Key are the gate's own business). */
export function requiredRequestHeaders(op: IndexedOperation): ParameterObject[] {
  return op.parameters.filter((p) => p.in === 'header' && p.required === true && !/^(authorization|idempotency-key|content-type|accept)$/i.test(p.name));
}

/** A valid value for a parameter: its example, default, const or first enum value, else a short string. */
export function exampleValue(p: ParameterObject): string {
  const s = typeof p.schema === 'object' ? p.schema : {};
  const candidate = (p as { example?: unknown }).example ?? s['example'] ?? s['default'] ?? s['const'] ?? (Array.isArray(s['enum']) ? s['enum'][0] : undefined);
  if (candidate !== undefined) return String(candidate);
  if (s['type'] === 'integer' || s['type'] === 'number') return String(s['minimum'] ?? 1);
  return 'roomgate';
}

/** Declares RateLimit headers on any response. */
export function declaresRateLimitHeaders(spec: SpecIndex): boolean {
  return spec.operations.some((op) =>
    Object.values(op.operation.responses ?? {}).some((r) => Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === 'ratelimit')),
  );
}

/** The JSON pointer of an operation in the document, e.g. `#/paths/~1v1~1rooms/post`. */
export function operationPointer(spec: SpecIndex, op: IndexedOperation): string {
  const path = Object.keys(spec.document.paths ?? {}).find((p) => op.template.endsWith(p)) ?? op.template;
  return `#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${op.method}`;
}
