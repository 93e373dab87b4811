import type { CheckResult } from '../model/result.js';
import type { Target } from '../target/target.js';
import { expectStatus, runCheck, skip, type CheckOutcome } from './check.js';
import { citationsFor } from './check-citations.js';
import type { CheckInstance } from './check-definition.js';
import { skipReason, type GateFacts } from './check-preconditions.js';
import type { Exchange, Exchanger } from './http/exchange.js';
import type { ContractStepOptions } from './options.js';
import type { SpecIndex } from '../spec/spec-index.js';

export type ResolvedContractOptions = Required<Omit<ContractStepOptions, 'secondClient' | 'expiredToken' | 'groups' | 'webhooks' | 'minCoverage'>> &
  Pick<ContractStepOptions, 'secondClient' | 'expiredToken' | 'webhooks' | 'minCoverage'> & { groups: readonly string[] };

/** What every check family is given. */
export interface GateContext {
  target: Target;
  http: Exchanger;
  spec: SpecIndex;
  options: ResolvedContractOptions;
  signal: AbortSignal;
  /** Rooms the gate created, deleted before the rate-limit burst. */
  createdRooms: Set<string>;
  /** A name unique to this run, so two gates against one target do not collide. */
  uniqueName(label: string): string;
  /** A fresh, uncached token exchange for these credentials. */
  issueToken(credentials?: { clientId: string; clientSecret: string }): Promise<Exchange>;
  /** POST /v1/rooms expecting 201; returns the room. Throws UnexpectedResponse otherwise. */
  createRoom(body: Record<string, unknown>, headers?: Record<string, string>): Promise<{ exchange: Exchange; roomId: string }>;
  /** Run and report one registered check (emits its event); the body only judges, the definition names it and may skip it. */
  check(check: CheckInstance, body: () => Promise<CheckOutcome>): Promise<CheckResult>;
}

export function createRoomVia(
  http: Exchanger,
  createdRooms: Set<string>,
): GateContext['createRoom'] {
  return async (body, headers = {}) => {
    const exchange = await http.send({ method: 'POST', path: '/v1/rooms', body, headers });
    expectStatus(exchange, 201, 'POST /v1/rooms with a valid body');
    const roomId = roomIdOf(exchange.json);
    if (roomId === undefined) {
      const { UnexpectedResponse } = await import('./check.js');
      throw new UnexpectedResponse('POST /v1/rooms answered 201 without a room_id', exchange, 'a room with room_id');
    }
    createdRooms.add(roomId);
    return { exchange, roomId };
  };
}

export function roomIdOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const id = (body as Record<string, unknown>)['room_id'];
  return typeof id === 'string' ? id : undefined;
}

/** What the gate knows before it starts: the document, and what it was given (see check-preconditions.ts). */
export function gateFacts(spec: SpecIndex, options: Pick<ResolvedContractOptions, 'secondClient'>): GateFacts {
  return { spec, given: { secondClient: options.secondClient !== undefined } };
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
  const cites = citationsFor(facts.spec, check);
  if (cites.length === 0) return result;
  if (result.status === 'failed' || (result.status === 'errored' && result.evidence !== undefined)) {
    return { ...result, cites, evidence: (result.evidence ?? []).map((e) => ({ ...e, cites })) } as CheckResult;
  }
  return { ...result, cites };
}
