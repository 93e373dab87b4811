import type { CheckResult } from '../model/result.js';
import type { Target } from '../target/target.js';
import { expectStatus, runCheck, skip, type CheckOutcome } from './check.js';
import { catalogEntry, citationsFor } from './check-catalog.js';
import type { Exchange, Exchanger } from './http/exchange.js';
import type { ContractStepOptions } from './options.js';
import type { SpecIndex } from './spec/spec-index.js';

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
  /** Run and report one check (emits its event). */
  check(group: string, name: string, body: () => Promise<CheckOutcome>): Promise<CheckResult>;
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

/**
 * Runs checks through the catalog: a check whose promise the document in use
 * does not state is skipped with that reason (never run, never failed), and
 * every result carries the citations of what it enforces.
 */
export function makeCheck(emitResult: (result: CheckResult) => void, spec: SpecIndex) {
  return async (group: string, name: string, body: () => Promise<CheckOutcome>): Promise<CheckResult> => {
    const result = await runCitedCheck(spec, group, name, body);
    emitResult(result);
    return result;
  };
}

/** runCheck plus the catalog: `requires` may skip it, and its citations go on the result and its evidence. */
export async function runCitedCheck(spec: SpecIndex, group: string, name: string, body: () => Promise<CheckOutcome>): Promise<CheckResult> {
  const notStated = catalogEntry(name)?.requires?.(spec);
  const result = await runCheck(group, name, notStated === undefined ? body : async () => skip(`${notStated}, so the gate does not check it`));
  const cites = citationsFor(spec, name);
  if (cites.length === 0) return result;
  if (result.status === 'failed' || (result.status === 'errored' && result.evidence !== undefined)) {
    return { ...result, cites, evidence: (result.evidence ?? []).map((e) => ({ ...e, cites })) } as CheckResult;
  }
  return { ...result, cites };
}
