import type { CheckResult } from '../model/result.js';
import type { RoomRequest } from '../profile/request-builder.js';
import type { CreateOptions, RoomApi } from '../profile/room-api.js';
import type { TargetProfile } from '../profile/types.js';
import type { SpecIndex } from '../spec/spec-index.js';
import { successStatuses } from '../spec/spec-facts.js';
import type { Credentials, Target } from '../target/target.js';
import { describeExchange, expectStatus, runCheck, skip, UnexpectedResponse, type CheckOutcome } from './check.js';
import { citationsFor } from './check-citations.js';
import type { CheckInstance } from './check-definition.js';
import { operationIn, skipReason, type GateFacts } from './check-preconditions.js';
import type { Exchange, Exchanger, OutgoingRequest } from './http/exchange.js';
import { outgoingOf, type GateIdentity } from './http/gate-identity.js';
import type { ContractStepOptions } from './options.js';

export type ResolvedContractOptions = Required<Omit<ContractStepOptions, 'spec' | 'secondClient' | 'expiredToken' | 'groups' | 'webhooks' | 'minCoverage'>> &
  Pick<ContractStepOptions, 'spec' | 'secondClient' | 'expiredToken' | 'webhooks' | 'minCoverage'> & { groups: readonly string[] };

/** How one role request is sent: as the gate's own client (default) or another identity, with the usual or other credentials. */
export interface SendOptions {
  /** Another identity's exchanger (the second client of the identity checks). */
  http?: Exchanger;
  auth?: OutgoingRequest['auth'];
  signal?: AbortSignal;
}

/** What a create asks for besides the name the gate makes unique to the run. */
export interface GateCreate extends Partial<Omit<CreateOptions, 'name'>> {
  /** Words in the generated name (`lifecycle` → `roomgate-<run>-lifecycle-3`); default `room`. */
  label?: string;
  /** A name to use as it is instead of a generated one (a replay must repeat its body exactly). */
  name?: string;
  http?: Exchanger;
}

/** A room the gate created: the create's exchange, the room as the profile reads it, its id and name. */
export interface CreatedRoom {
  exchange: Exchange;
  /** The room representation at the create role's room pointer. */
  room: unknown;
  roomId: string;
  name: string;
}

/** What every check family is given. */
export interface GateContext {
  target: Target;
  /** How the gate talks to this API: roles, fields, conventions. */
  profile: TargetProfile;
  /** The profile's requests and readers (RoomApi): what every check sends and reads rooms through. */
  api: RoomApi;
  http: Exchanger;
  spec: SpecIndex;
  /** The document, the profile and what the run was given: what preconditions read (`operationIn(ctx.facts, 'getRoom')`). */
  facts: GateFacts;
  options: ResolvedContractOptions;
  signal: AbortSignal;
  /** Ids of the rooms the gate created and has not closed; closed through the profile's close role before the rate-limit burst and at the end. */
  createdRooms: Set<string>;
  /** The prefix of every room name this run creates (`roomgate-<run>-`): cleanup lists the run's rooms by it. */
  namePrefix: string;
  /** A name unique to this run, `<namePrefix><label>-<n>`, so two gates against one target do not collide. */
  uniqueName(label: string): string;
  /**
   * A fresh, uncached token exchange for these credentials (default the
   * run's own), with the profile's token operation; undefined when the
   * profile's auth kind has none.
   */
  issueToken(credentials?: Credentials): Promise<Exchange> | undefined;
  /**
   * Another API client of the target under the profile's auth kind (a second
   * credential pair), its answers judged like the gate's own; the caller
   * closes it. `label` names it in messages ("the second client (id)");
   * `credentialsHint` says which flags to fix when its token request is refused.
   */
  openIdentity(credentials: Credentials, input?: { label: string; credentialsHint?: string }): GateIdentity;
  /** Send a role request (RoomApi) through the gate's exchanger, so conformance judges its answer. */
  send(request: RoomRequest, options?: SendOptions): Promise<Exchange>;
  /**
   * Create a room from the profile's create template with a name unique to
   * the run; expects a 2xx the document declares for the create, with a room
   * and its id where the profile says. Throws UnexpectedResponse otherwise.
   */
  createRoom(options?: GateCreate): Promise<CreatedRoom>;
  /** Run and report one registered check (emits its event); the body only judges, the definition names it and may skip it. */
  check(check: CheckInstance, body: () => Promise<CheckOutcome>): Promise<CheckResult>;
}

/** The statuses a successful create answers: the 2xx the document declares for it, else any 2xx. */
export function createSuccessStatuses(facts: GateFacts): number[] {
  const create = operationIn(facts, 'createRoom');
  const declared = create === undefined ? [] : successStatuses(create);
  return declared.length > 0 ? declared : Array.from({ length: 100 }, (_, i) => 200 + i);
}

/** GateContext.send over an exchanger: the role request as it is, as the given identity. */
export function sendVia(http: Exchanger, signal: AbortSignal): GateContext['send'] {
  return (request, options = {}) =>
    (options.http ?? http).send({
      ...outgoingOf(request),
      ...(options.auth === undefined ? {} : { auth: options.auth }),
      signal: options.signal ?? signal,
    });
}

/** GateContext.createRoom: the profile's create, read through the profile's pointers, remembered for clean-up when the gate's own client made it. */
export function createRoomVia(parts: {
  api: RoomApi;
  http: Exchanger;
  facts: GateFacts;
  send: GateContext['send'];
  uniqueName: (label: string) => string;
  createdRooms: Set<string>;
}): GateContext['createRoom'] {
  return async (options = {}) => {
    const { label, name: given, http, ...create } = options;
    const name = given ?? parts.uniqueName(label ?? 'room');
    const request = parts.api.create({ ...create, name });
    const exchange = await parts.send(request, http === undefined ? {} : { http });
    const what = `${request.operationId} with a valid body`;
    expectStatus(exchange, createSuccessStatuses(parts.facts), what);
    const room = parts.api.roomOf('create', exchange.json);
    const roomId = parts.api.idOf(room);
    if (roomId === undefined) {
      const where = `${parts.facts.profile.rooms.create.room}${parts.facts.profile.fields.id}` || '/';
      throw new UnexpectedResponse(
        `${request.operationId} answered ${describeExchange(exchange)} without a room id at ${where}`,
        exchange,
        `a room with its id at ${where}`,
      );
    }
    if (http === undefined || http === parts.http) parts.createdRooms.add(roomId);
    return { exchange, room, roomId, name };
  };
}

/** What the gate knows before it starts: the document, the profile, and what it was given (see check-preconditions.ts). */
export function gateFacts(spec: SpecIndex, profile: TargetProfile, options: Pick<ResolvedContractOptions, 'secondClient'>): GateFacts {
  return { spec, profile, given: { secondClient: options.secondClient !== undefined } };
}

/**
 * Runs registered checks: one whose preconditions do not hold with these
 * facts is skipped with their reason (never run, never failed), and every
 * result carries the citations of what it enforces.
 */
export function makeCheck(emitResult: (result: CheckResult) => void, facts: GateFacts) {
  return async (check: CheckInstance, body: () => Promise<CheckOutcome>): Promise<CheckResult> => {
    const result = await runRegisteredCheck(facts, check, body);
    emitResult(result);
    return result;
  };
}

/** runCheck under a definition: its preconditions may skip it, its id and group name the result, its citations go on the result and its evidence. */
export async function runRegisteredCheck(facts: GateFacts, check: CheckInstance, body: () => Promise<CheckOutcome>): Promise<CheckResult> {
  const reason = skipReason(check.definition, facts);
  const result = await runCheck(check.definition.group, check.id, reason === undefined ? body : async () => skip(reason));
  const cites = citationsFor(facts, check);
  if (cites.length === 0) return result;
  if (result.status === 'failed' || (result.status === 'errored' && result.evidence !== undefined)) {
    return { ...result, cites, evidence: (result.evidence ?? []).map((e) => ({ ...e, cites })) } as CheckResult;
  }
  return { ...result, cites };
}
