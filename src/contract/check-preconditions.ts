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
