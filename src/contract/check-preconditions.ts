import { declaresRateLimitHeaders, documents, operationFor, propertiesOf, responseSchema, successStatuses } from '../spec/spec-facts.js';
import type { JsonSchema } from '../spec/openapi-types.js';
import type { IndexedOperation, SpecIndex } from '../spec/spec-index.js';
import { isUpdate, itemOperations, readOnlyProperties, type ItemOperation } from '../spec/resource-operations.js';
import { pointerTokens } from '../profile/pointer.js';
import { placeholdersIn } from '../profile/template.js';
import type { AuthKind, ErrorConvention, RateLimitConvention, RoleRequest, RoomFields, TargetProfile, TemplateValue } from '../profile/types.js';
import { GATE_ROLES, resolvedRole, type GateRole } from './gate-roles.js';

/**
 * What the gate knows before it sends a request, and the only thing a
 * check's preconditions read: the OpenAPI document and the target profile
 * (which operation plays which role, which fields are mapped, what a close
 * promises, the API's conventions). Preconditions name operations by role
 * (`createRoom`, `listRooms`, …) and reach them only through `operationIn`,
 * which asks the profile; a promise neither the document nor the profile
 * makes is a skip with its reason, never a failure.
 */
export interface GateFacts {
  /** The OpenAPI document in use (the profile's own, or the one `--spec` names). */
  readonly spec: SpecIndex;
  /** How roomgate talks to the target (built-in VideoConnect unless `--profile` says otherwise). */
  readonly profile: TargetProfile;
  /** What the run was given besides the document and profile; absent when only listing checks (`--list-checks`). */
  readonly given?: GivenFacts;
}

export interface GivenFacts {
  /** Whether a second client's credentials were given (the embedded target always has one). */
  readonly secondClient: boolean;
}

/** Undefined when the contract states what the check needs; else why not, e.g. "the OpenAPI document declares no createWebhook operation". */
export type Precondition = (facts: GateFacts) => string | undefined;
/** Undefined when the run was given what the check needs; else the whole skip reason. */
export type GivenPrecondition = (given: GivenFacts) => string | undefined;

/** The operation of the document that plays `role`, as the target profile maps it. */
export function operationIn(facts: GateFacts, role: GateRole): IndexedOperation | undefined {
  const resolved = resolvedRole(facts.profile, role);
  return resolved === undefined ? undefined : facts.spec.byId(resolved.operationId);
}

/** Why a role has no operation: the document has none, or the profile names none (and which the document could offer). */
export function missingRole(facts: GateFacts, role: GateRole): string {
  if (role === 'issueToken' && facts.profile.auth.kind !== 'client-credentials') {
    return `the target profile's auth kind ${facts.profile.auth.kind} has no issueToken operation`;
  }
  // The document's own shape (a POST on …/webhooks) only words the reason; the profile alone says what plays a role.
  const candidate = operationFor(facts.spec, role);
  return candidate === undefined
    ? `the OpenAPI document declares no ${role} operation (nothing for ${GATE_ROLES[role]} of the target profile)`
    : `the target profile maps no ${role} operation (${GATE_ROLES[role]}; the document has ${candidate.method.toUpperCase()} ${candidate.template})`;
}

/** The contract has an operation for each role. */
export const needs =
  (...roles: GateRole[]): Precondition =>
  (facts) => {
    const missing = roles.find((role) => operationIn(facts, role) === undefined);
    return missing === undefined ? undefined : missingRole(facts, missing);
  };

/** The role's operation documents this exact status. */
export const documented =
  (role: GateRole, status: number): Precondition =>
  (facts) => {
    const op = operationIn(facts, role);
    if (op === undefined) return missingRole(facts, role);
    return documents(op, status) ? undefined : `the OpenAPI document does not declare a ${status} response for ${op.operationId}`;
  };

/** Some operation documents this exact status. */
export const anyDocuments =
  (status: number): Precondition =>
  (facts) =>
    facts.spec.operations.some((o) => documents(o, status)) ? undefined : `no operation documents a ${status} response`;

/** The profile's error convention is one of these (envelope: VideoConnect's `{error, message, status}`; spec: the document's error schemas). */
export const errorConvention =
  (...conventions: ErrorConvention[]): Precondition =>
  (facts) =>
    conventions.includes(facts.profile.conventions.errors)
      ? undefined
      : `the target profile's error convention is ${facts.profile.conventions.errors} (conventions.errors), not ${conventions.join(' or ')}`;

/** Every non-2xx body is the `{error, message, status}` envelope: only where the profile says the API keeps that convention. */
export const errorEnvelope: Precondition = (facts) =>
  facts.profile.conventions.errors === 'envelope'
    ? undefined
    : `the target profile does not declare the {error, message, status} envelope (conventions.errors: ${facts.profile.conventions.errors})`;

/** The paths carry a `/vN/` prefix, so another version can be asked for. */
export const versionPrefix: Precondition = (facts) =>
  facts.spec.operations.some((o) => /^\/v\d+\//.test(o.template)) ? undefined : "the document's paths carry no /vN version prefix";

/** A versioned GET without path parameters: the request the unknown-version check sends under the next version. */
export const versionedPlainGet: Precondition = (facts) =>
  versionedGet(facts.spec) === undefined ? 'the document has no versioned GET path without parameters' : undefined;

export function versionedGet(spec: SpecIndex): IndexedOperation | undefined {
  return spec.operations.find((o) => o.method === 'get' && /^\/v\d+\//.test(o.template) && !o.template.includes('{'));
}

/** The schema of the room's id in the create answer: the create's success schema, at the room pointer, at `fields.id`. */
export function roomIdSchema(facts: GateFacts): Record<string, unknown> | undefined {
  const create = operationIn(facts, 'createRoom');
  if (create === undefined) return undefined;
  const { rooms, fields } = facts.profile;
  for (const status of successStatuses(create)) {
    const schema = schemaAt(responseSchema(facts.spec, create, status), `${rooms.create.room}${fields.id}`);
    if (schema !== undefined) return schema;
  }
  return undefined;
}

/** The `pattern` the document gives the room id (`rm_` + base62 in VideoConnect), if any. */
export function roomIdPatternOf(facts: GateFacts): string | undefined {
  const pattern = roomIdSchema(facts)?.['pattern'];
  return typeof pattern === 'string' ? pattern : undefined;
}

export const roomIdPattern: Precondition = (facts) =>
  roomIdPatternOf(facts) === undefined ? `the create answer's schema gives the room id (${facts.profile.fields.id}) no pattern` : undefined;

/** The profile maps a list of rooms. */
export const listMapped: Precondition = (facts) => (facts.profile.rooms.list === undefined ? missingRole(facts, 'listRooms') : undefined);

/** Whether a role's templates use a variable (`{{limit}}`, `{{status}}`). */
export function templateUses(role: RoleRequest | undefined, variable: string): boolean {
  if (role === undefined) return false;
  return [role.query, role.body, role.headers, role.params].some((part) =>
    placeholdersIn(part as TemplateValue | undefined).some((p) => p.split('|')[0]?.trim() === variable),
  );
}

/**
 * The list has pages the gate can make small: a way to the next page (a
 * cursor, the last item, a next-page URL) and a page-size variable.
 */
export const pagination: Precondition = (facts) => {
  const list = facts.profile.rooms.list;
  if (list === undefined) return missingRole(facts, 'listRooms');
  if (list.paging.kind === 'none')
    return `the target profile's ${list.resolved.operationId} has no pages (rooms.list names no nextCursor, nextCursorFrom or nextPageUrl)`;
  if (!templateUses(list, 'limit')) return `the target profile's ${list.resolved.operationId} takes no page size (no {{limit}} in rooms.list)`;
  return undefined;
};

/** The list filters by status, and the API has a closed status. */
export const closedStatusFilter: Precondition = (facts) => {
  const list = facts.profile.rooms.list;
  if (list === undefined) return missingRole(facts, 'listRooms');
  if (!templateUses(list, 'status')) return `the target profile's ${list.resolved.operationId} has no status filter (no {{status}} in rooms.list)`;
  if ((facts.profile.fields.status?.values.closed.length ?? 0) === 0) return 'the target profile maps no closed status value (fields.status.values.closed)';
  return undefined;
};

/** The create takes an idempotency key: only where the profile names its header. */
export const idempotencyKey: Precondition = (facts) =>
  facts.profile.rooms.create.idempotencyKey === undefined
    ? `the target profile names no idempotency header for ${facts.profile.rooms.create.resolved.operationId} (rooms.create.idempotencyKey), so the API makes no such promise`
    : undefined;

/** The profile maps a field of the room (`status`, `participantCount`, `joinUrl`, `name`). */
export const fieldMapped =
  (field: Exclude<keyof RoomFields, 'id'>): Precondition =>
  (facts) =>
    facts.profile.fields[field] === undefined ? `the target profile maps no room ${field} (fields.${field})` : undefined;

/** What a second close answers is a promise of the profile (`rooms.close.repeat`). */
export const closeRepeat: Precondition = (facts) =>
  facts.profile.rooms.close.repeat === undefined ? 'the target profile does not say what a second close answers (rooms.close.repeat)' : undefined;

/** What a get of a closed room answers is a promise of the profile (`rooms.close.afterClose`). */
export const afterClose: Precondition = (facts) => {
  const after = facts.profile.rooms.close.afterClose;
  if (after === undefined) return 'the target profile does not say what a closed room reads as (rooms.close.afterClose)';
  if (after === 'readable' && (facts.profile.fields.status?.values.closed.length ?? 0) === 0) {
    return 'a closed room stays readable, but the target profile maps no closed status to read (fields.status)';
  }
  return undefined;
};

/** The profile's auth is of one of these kinds. */
export const authKind =
  (...kinds: AuthKind[]): Precondition =>
  (facts) =>
    kinds.includes(facts.profile.auth.kind) ? undefined : `the target profile's auth kind is ${facts.profile.auth.kind}, not ${kinds.join(' or ')}`;

/** Rate-limit headers of one of these families (conventions.rateLimitHeaders). */
export const rateLimitFamily =
  (...families: Exclude<RateLimitConvention, 'none'>[]): Precondition =>
  (facts) => {
    const family = facts.profile.conventions.rateLimitHeaders;
    if (family === 'none') return rateLimitHeaders(facts);
    return families.includes(family)
      ? undefined
      : `the target profile's rate-limit headers are ${family}, not ${families.join(' or ')} (conventions.rateLimitHeaders)`;
  };

/** The API sends rate-limit headers: the profile names their family, or the document declares the IETF ones. */
export const rateLimitHeaders: Precondition = (facts) => {
  if (facts.profile.conventions.rateLimitHeaders !== 'none') return undefined;
  return declaresRateLimitHeaders(facts.spec)
    ? 'the target profile says the API sends no rate-limit headers (conventions.rateLimitHeaders: none)'
    : 'the OpenAPI document declares no RateLimit headers (conventions.rateLimitHeaders: none)';
};

/** The profile subscribes to (or is configured out of band for) webhooks that report a room's creation and close. */
export const webhookEvents: Precondition = (facts) => {
  const webhooks = facts.profile.rooms.webhooks;
  if (webhooks === undefined) return missingRole(facts, 'createWebhook');
  if (webhooks.events.created === undefined || webhooks.events.closed === undefined) {
    return "the target profile names no event for a room's creation and close (rooms.webhooks.events.created and .closed)";
  }
  return undefined;
};

/** Deliveries are signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature). */
export const standardWebhooks: Precondition = (facts) =>
  facts.profile.rooms.webhooks?.signature === 'standard-webhooks'
    ? undefined
    : 'the target profile says webhook deliveries are not signed with Standard Webhooks (rooms.webhooks.signature: none)';

export const secondClient: GivenPrecondition = (given) =>
  given.secondClient ? undefined : "needs a second client's credentials (--second-client-id/--second-client-secret) to show keys are scoped per client";

/** The run has a second identity to act as "another client" (the identity checks; the embedded target always has one). */
export const secondIdentity: GivenPrecondition = (given) =>
  given.secondClient
    ? undefined
    : 'needs a second API client of the target to act as another identity: pass --second-client-id and --second-client-secret ' +
      '(or set ROOMGATE_SECOND_CLIENT_ID and ROOMGATE_SECOND_CLIENT_SECRET; `secondClient` in a contract scenario)';

/**
 * A kind of resource one client owns, by the roles that create, read, list
 * and remove it, with every operation of the document that addresses one of
 * them by id in its path (see spec/resource-operations.ts). The profile maps
 * the roles; the operations under the item path come from the document.
 */
export interface OwnedResource {
  /** For messages: `room`, `webhook subscription`. */
  readonly noun: string;
  readonly create: IndexedOperation;
  /** Every operation whose path takes one item's id (the read and remove among them, for a REST-shaped API). */
  readonly items: readonly ItemOperation[];
  /** The read, when it is one of `items`. */
  readonly get: ItemOperation | undefined;
  readonly list: IndexedOperation | undefined;
  /** The remove, when it is one of `items`. */
  readonly remove: ItemOperation | undefined;
}

const RESOURCE_ROLES: readonly { noun: string; create: GateRole; get?: GateRole; list?: GateRole; remove: GateRole }[] = [
  { noun: 'room', create: 'createRoom', get: 'getRoom', list: 'listRooms', remove: 'deleteRoom' },
  { noun: 'webhook subscription', create: 'createWebhook', remove: 'deleteWebhook' },
];

/** The resources of the contract in use that one client creates and addresses by id. */
export function ownedResources(facts: GateFacts): OwnedResource[] {
  const resources: OwnedResource[] = [];
  for (const roles of RESOURCE_ROLES) {
    const create = operationIn(facts, roles.create);
    if (create === undefined) continue;
    const items = itemOperations(facts.spec, create);
    const item = (role: GateRole | undefined) => {
      const op = role === undefined ? undefined : operationIn(facts, role);
      return items.find((i) => i.op === op);
    };
    resources.push({
      noun: roles.noun,
      create,
      items,
      get: item(roles.get),
      list: roles.list === undefined ? undefined : operationIn(facts, roles.list),
      remove: item(roles.remove),
    });
  }
  return resources;
}

/** One write of the document that could set properties the client may not set: a create, or an update of one item. */
export interface ReadOnlyWrite {
  readonly resource: OwnedResource;
  readonly op: IndexedOperation;
  /** The update's item parameter; absent for the create. */
  readonly item?: ItemOperation;
  readonly properties: ReadonlyMap<string, Record<string, unknown>>;
}

/** The creates and updates whose request or response schema marks properties `readOnly`. */
export function readOnlyWrites(facts: GateFacts): ReadOnlyWrite[] {
  const writes: ReadOnlyWrite[] = [];
  for (const resource of ownedResources(facts)) {
    const create = readOnlyProperties(facts.spec, resource.create);
    if (create.size > 0) writes.push({ resource, op: resource.create, properties: create });
    for (const item of resource.items.filter((i) => isUpdate(i, resource.create))) {
      const properties = readOnlyProperties(facts.spec, item.op);
      if (properties.size > 0) writes.push({ resource, op: item.op, item, properties });
    }
  }
  return writes;
}

/** The resource whose item operation plays `role` (`getRoom` → the rooms and `GET /v1/rooms/{room_id}`), when the document has one. */
export function resourceItem(facts: GateFacts, role: GateRole): { resource: OwnedResource; item: ItemOperation } | undefined {
  const op = operationIn(facts, role);
  for (const resource of ownedResources(facts)) {
    const item = resource.items.find((i) => i.op === op);
    if (item !== undefined) return { resource, item };
  }
  return undefined;
}

/**
 * Refusing another client is a promise of the document for this role's
 * operation: it declares the refusal (404, 403), or it addresses one item in
 * its path (OWASP API1 then says 403 or 404), or, for the get, the profile
 * reads "nothing there" as not found. An operation that names the room in its
 * body and declares no refusal (Daily's meeting tokens, which may be minted
 * for rooms that do not exist yet) makes no such promise.
 */
export const refusalPromised =
  (role: GateRole): Precondition =>
  (facts) => {
    const op = operationIn(facts, role);
    if (op === undefined) return missingRole(facts, role);
    const responses = op.operation.responses ?? {};
    if (Object.hasOwn(responses, '404') || Object.hasOwn(responses, '403') || resourceItem(facts, role) !== undefined) return undefined;
    if (role === 'getRoom' && facts.profile.rooms.get.room !== '') return undefined;
    return `${op.operationId} declares no refusal (403 or 404) and does not address one resource in its path`;
  };

export const readOnlyDeclared: Precondition = (facts) =>
  readOnlyWrites(facts).length > 0 ? undefined : 'no create or update of the OpenAPI document marks a property readOnly';

/** Why the contract in use does not state what a check needs (its first unmet precondition), or undefined. */
export function unstated(requires: readonly Precondition[], facts: GateFacts): string | undefined {
  for (const precondition of requires) {
    const reason = precondition(facts);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** The skip reason of a check whose preconditions do not hold with these facts, or undefined when it runs. */
export function skipReason(definition: { requires: readonly Precondition[]; given: readonly GivenPrecondition[] }, facts: GateFacts): string | undefined {
  const notStated = unstated(definition.requires, facts);
  if (notStated !== undefined) return `${notStated}, so the gate does not check it`;
  if (facts.given === undefined) return undefined;
  for (const precondition of definition.given) {
    const reason = precondition(facts.given);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** The subschema at a JSON pointer into the representation a schema describes (through properties, `allOf` and array items). */
export function schemaAt(schema: JsonSchema | undefined, pointer: string): Record<string, unknown> | undefined {
  let current: JsonSchema | undefined = schema;
  for (const token of pointerTokens(pointer)) {
    if (typeof current !== 'object' || current === null) return undefined;
    if (/^\d+$/.test(token) && typeof current['items'] === 'object') {
      current = current['items'] as JsonSchema;
      continue;
    }
    current = propertiesOf(current).properties[token];
  }
  return typeof current === 'object' && current !== null ? current : undefined;
}
