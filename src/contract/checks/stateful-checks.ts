import type { Evidence } from '../../model/evidence.js';
import { describeExchange, evidenceOf, expectStatus, fail, pass } from '../check.js';
import { cite, defineCheck, INFO } from '../check-definition.js';
import { needs } from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';
import { declaredStatuses } from '../coverage/coverage-recorder.js';
import { documents, operationFor } from '../../spec/spec-facts.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import { concretePath, pathParams, seedIndependentBody } from './request-fixtures.js';

/** What one operation on the room must answer in a given state: the statuses allowed, and a check of the body. */
interface Expectation {
  statuses: number[];
  rule: string;
  body?: (exchange: Exchange) => string | undefined;
}

export const STATEFUL_CHECKS = {
  afterJoinToken: defineCheck({
    id: 'lifecycle.after-join-token',
    group: 'lifecycle',
    enforces: 'after a join token is issued, every operation on the room answers as documented: it stays readable and unchanged, another token is issued',
    cites: [cite.openapi('{createJoinToken}/responses/201'), cite.openapi('{getRoom}/responses/200')],
    requires: [needs('createRoom', 'deleteRoom', 'createJoinToken')],
  }),
  afterDelete: defineCheck({
    id: 'lifecycle.after-delete',
    group: 'lifecycle',
    enforces: 'after DELETE, every operation on the room answers as documented: readable and closed, a second delete idempotent, new join tokens refused (409)',
    cites: [cite.openapi('{deleteRoom}/description', 'Closing a closed room answers the same 200'), cite.openapi(INFO, 'Closed rooms stay readable')],
    requires: [needs('createRoom', 'deleteRoom')],
  }),
};

/**
 * Stateful sequences: after each state change of a room (a join token issued,
 * the room deleted), every operation on that room is tried once in the new
 * state and must answer what the document and its rules say: closed rooms stay
 * readable, refuse new join tokens (409), and a second delete is idempotent.
 */
export async function runStatefulChecks(ctx: GateContext): Promise<void> {
  const create = operationFor(ctx.spec, 'createRoom');
  const remove = operationFor(ctx.spec, 'deleteRoom');
  if (create === undefined || remove === undefined) return;
  const onRoom = ctx.spec.operations.filter((op) => op.template.includes('{room_id}') && pathParams(op).length === 1);
  const joinToken = operationFor(ctx.spec, 'createJoinToken');
  const room = await ctx.createRoom({ label: 'stateful' }).catch(() => undefined);
  if (room === undefined) return;
  const initialStatus = (room.exchange.json as { status?: unknown }).status;

  if (joinToken !== undefined) {
    await ctx.check(STATEFUL_CHECKS.afterJoinToken, async () => {
      const issued = await send(ctx, joinToken, room.roomId);
      expectStatus(issued, declaredStatuses(joinToken.operation.responses).filter((s) => s >= 200 && s < 300), 'a join token for a new room');
      return tryEvery(ctx, onRoom.filter((op) => op !== remove), room.roomId, (op) => {
        if (op === operationFor(ctx.spec, 'getRoom')) {
          return { statuses: [200], rule: 'the room stays readable, its status unchanged (a token is not a join)', body: statusIs(initialStatus) };
        }
        if (op === joinToken) return { statuses: success(op), rule: 'another join token is issued' };
        return { statuses: documentedNon5xx(op), rule: 'an answer the document declares, never 5xx' };
      });
    });
  }

  await ctx.check(STATEFUL_CHECKS.afterDelete, async () => {
    const deleted = await send(ctx, remove, room.roomId);
    expectStatus(deleted, success(remove), `DELETE of room ${room.roomId}`);
    return tryEvery(ctx, onRoom, room.roomId, (op) => {
      if (op === operationFor(ctx.spec, 'getRoom')) return { statuses: [200], rule: 'closed rooms stay readable, status closed', body: statusIs('closed') };
      if (op === remove) {
        // VideoConnect: "Closing a closed room answers the same 200"; a document that does not say so may answer any declared status.
        const idempotent = JSON.stringify(op.operation).includes('idempotent');
        return idempotent ? { statuses: success(op), rule: 'a second delete is idempotent (the document says so)' } : { statuses: documentedNon5xx(op), rule: 'a declared answer, never 5xx' };
      }
      if (op === joinToken) {
        return documents(op, 409) ? { statuses: [409], rule: 'a closed room refuses new join tokens (409)' } : { statuses: documentedNon5xx(op).filter((s) => s >= 400), rule: 'a closed room refuses new join tokens' };
      }
      return { statuses: documentedNon5xx(op), rule: 'an answer the document declares, never 5xx' };
    });
  });
}

async function tryEvery(ctx: GateContext, ops: IndexedOperation[], roomId: string, expect: (op: IndexedOperation) => Expectation) {
  const failures: string[] = [];
  const evidence: Evidence[] = [];
  for (const op of ops) {
    const expectation = expect(op);
    const exchange = await send(ctx, op, roomId);
    const wrongStatus = exchange.status === undefined || !expectation.statuses.includes(exchange.status);
    const problem = wrongStatus ? `answered ${describeExchange(exchange)}` : expectation.body?.(exchange);
    if (problem === undefined) continue;
    failures.push(`${op.operationId}: ${expectation.rule}, but ${problem}`);
    evidence.push(evidenceOf(exchange, `${expectation.statuses.join(' or ')}: ${expectation.rule}`));
  }
  return failures.length === 0 ? pass(ops.length) : fail(failures.join(' | '), evidence.slice(0, 3));
}

function send(ctx: GateContext, op: IndexedOperation, roomId: string): Promise<Exchange> {
  const body = seedIndependentBody(op, ctx);
  return ctx.http.send({ method: op.method.toUpperCase(), path: concretePath(op, { room_id: roomId }) as string, ...(body === undefined ? {} : { body }) });
}

const success = (op: IndexedOperation) => declaredStatuses(op.operation.responses).filter((s) => s >= 200 && s < 300);
const documentedNon5xx = (op: IndexedOperation) => declaredStatuses(op.operation.responses).filter((s) => s < 500);

function statusIs(expected: unknown) {
  return (exchange: Exchange): string | undefined => {
    const status = (exchange.json as { status?: unknown } | undefined)?.status;
    return expected === undefined || status === expected ? undefined : `its status is ${JSON.stringify(status)}, not ${JSON.stringify(expected)}`;
  };
}
