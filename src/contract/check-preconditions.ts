import {
  declaresErrorEnvelope,
  declaresRateLimitHeaders,
  declaresRequestHeader,
  documents,
  idPattern,
  missingOperation,
  operationFor,
  paginationOf,
  queryEnum,
  type OperationRole,
} from '../spec/spec-facts.js';
import type { IndexedOperation, SpecIndex } from '../spec/spec-index.js';
import { isUpdate, itemOperations, readOnlyProperties, type ItemOperation } from '../spec/resource-operations.js';

/**
 * What the gate knows before it sends a request, and the only thing a
 * check's preconditions read. Preconditions name operations by role
 * (`createRoom`, `listRooms`, …) and reach them only through `operationIn`,
 * so a target profile that maps roles to the user's own operations joins
 * here (as a field, read by `operationIn`) without a change to any check.
 */
export interface GateFacts {
  /** The OpenAPI document in use. */
  readonly spec: SpecIndex;
  /** What the run was given besides the document; absent when only listing checks (`--list-checks`). */
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

/** The operation playing `role` in the contract in use. */
export function operationIn(facts: GateFacts, role: OperationRole): IndexedOperation | undefined {
  return operationFor(facts.spec, role);
}

/** The contract has an operation for each role. */
export const needs =
  (...roles: OperationRole[]): Precondition =>
  (facts) =>
    missingOperation(facts.spec, ...roles);

/** The role's operation documents this exact status. */
export const documented =
  (role: OperationRole, status: number): Precondition =>
  (facts) =>
    documents(operationIn(facts, role), status) ? undefined : `the OpenAPI document does not declare a ${status} response for ${role}`;

/** Some operation documents this exact status. */
export const anyDocuments =
  (status: number): Precondition =>
  (facts) =>
    facts.spec.operations.some((o) => documents(o, status)) ? undefined : `no operation documents a ${status} response`;

export const errorEnvelope: Precondition = (facts) =>
  declaresErrorEnvelope(facts.spec) ? undefined : 'the OpenAPI document\'s error responses do not declare the {error, message, status} envelope';

/** The paths carry a `/vN/` prefix, so another version can be asked for. */
export const versionPrefix: Precondition = (facts) =>
  facts.spec.operations.some((o) => /^\/v\d+\//.test(o.template)) ? undefined : 'the document\'s paths carry no /vN version prefix';

/** A versioned GET without path parameters: the request the unknown-version check sends under the next version. */
export const versionedPlainGet: Precondition = (facts) =>
  versionedGet(facts.spec) === undefined ? 'the document has no versioned GET path without parameters' : undefined;

export function versionedGet(spec: SpecIndex): IndexedOperation | undefined {
  return spec.operations.find((o) => o.method === 'get' && /^\/v\d+\//.test(o.template) && !o.template.includes('{'));
}

export const roomIdPattern: Precondition = (facts) =>
  idPattern(facts.spec, operationIn(facts, 'createRoom')) === undefined ? 'the create response schema gives room_id no pattern' : undefined;

export const pagination: Precondition = (facts) =>
  paginationOf(facts.spec, operationIn(facts, 'listRooms')) === undefined
    ? 'listRooms declares no cursor pagination (page size and cursor parameters, items and next-cursor fields)'
    : undefined;

export const closedStatusFilter: Precondition = (facts) =>
  queryEnum(operationIn(facts, 'listRooms'), 'status')?.includes('closed') === true ? undefined : 'listRooms has no status filter with the value closed';

export const idempotencyKey: Precondition = (facts) =>
  declaresRequestHeader(operationIn(facts, 'createRoom'), 'Idempotency-Key') ? undefined : 'createRoom declares no Idempotency-Key header';

export const rateLimitHeaders: Precondition = (facts) =>
  declaresRateLimitHeaders(facts.spec) ? undefined : 'the OpenAPI document declares no RateLimit headers';

export const webhookEvents: Precondition = (facts) => {
  const reason = missingOperation(facts.spec, 'createWebhook');
  if (reason !== undefined) return reason;
  const events = Object.keys(facts.spec.document.webhooks ?? {});
  return events.includes('room.created') && events.includes('room.closed') ? undefined : 'the document\'s webhooks section does not define room.created and room.closed';
};

export const secondClient: GivenPrecondition = (given) =>
  given.secondClient ? undefined : 'needs a second client\'s credentials (--second-client-id/--second-client-secret) to show keys are scoped per client';

/** The run has a second identity to act as "another client" (the identity checks; the embedded target always has one). */
export const secondIdentity: GivenPrecondition = (given) =>
  given.secondClient
    ? undefined
    : 'needs a second API client of the target to act as another identity: pass --second-client-id and --second-client-secret ' +
      '(or set ROOMGATE_SECOND_CLIENT_ID and ROOMGATE_SECOND_CLIENT_SECRET; `secondClient` in a contract scenario)';

/**
 * A kind of resource one client owns, by the roles that create, read, list
 * and remove it, with every operation of the document that addresses one of
 * them by id (see spec/resource-operations.ts). A target profile maps the
 * roles; the operations under the item path come from the document.
 */
export interface OwnedResource {
  /** For messages: `room`, `webhook subscription`. */
  readonly noun: string;
  readonly create: IndexedOperation;
  /** Every operation that takes one item's id, the read and remove among them. */
  readonly items: readonly ItemOperation[];
  readonly get: ItemOperation | undefined;
  readonly list: IndexedOperation | undefined;
  readonly remove: ItemOperation | undefined;
}

const RESOURCE_ROLES: readonly { noun: string; create: OperationRole; get?: OperationRole; list: OperationRole; remove: OperationRole }[] = [
  { noun: 'room', create: 'createRoom', get: 'getRoom', list: 'listRooms', remove: 'deleteRoom' },
  { noun: 'webhook subscription', create: 'createWebhook', list: 'listWebhooks', remove: 'deleteWebhook' },
];

/** The resources of the contract in use that one client creates and addresses by id. */
export function ownedResources(facts: GateFacts): OwnedResource[] {
  const resources: OwnedResource[] = [];
  for (const roles of RESOURCE_ROLES) {
    const create = operationIn(facts, roles.create);
    if (create === undefined) continue;
    const items = itemOperations(facts.spec, create);
    const item = (role: OperationRole | undefined) => {
      const op = role === undefined ? undefined : operationIn(facts, role);
      return items.find((i) => i.op === op);
    };
    resources.push({ noun: roles.noun, create, items, get: item(roles.get), list: operationIn(facts, roles.list), remove: item(roles.remove) });
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
export function resourceItem(facts: GateFacts, role: OperationRole): { resource: OwnedResource; item: ItemOperation } | undefined {
  const op = operationIn(facts, role);
  for (const resource of ownedResources(facts)) {
    const item = resource.items.find((i) => i.op === op);
    if (item !== undefined) return { resource, item };
  }
  return undefined;
}

/** The role's operation addresses one item its collection's create made (a path under the create's, with the id as its one parameter). */
export const addressesOneItem =
  (role: OperationRole): Precondition =>
  (facts) =>
    operationIn(facts, role) === undefined || resourceItem(facts, role) !== undefined
      ? undefined
      : `${role} does not address one item of a collection the document creates (a path under the create's path, with the id as its only parameter)`;

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
