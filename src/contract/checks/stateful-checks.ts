import type { Evidence } from '../../model/evidence.js';
import type { RoomRequest } from '../../profile/request-builder.js';
import { describeExchange, evidenceOf, expectStatus, fail, pass } from '../check.js';
import { cite, defineCheck } from '../check-definition.js';
import { needs, operationIn, ownedResources, refusalPromised } from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import { GATE_ROLES } from '../gate-roles.js';
import type { Exchange } from '../http/exchange.js';
import { documents } from '../../spec/spec-facts.js';
import type { ItemOperation } from '../../spec/resource-operations.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import { concretePath, seedIndependentBody } from './request-fixtures.js';
import { closeAnswers, closedReadProblem, documentedNon5xx, notFoundProblem, repeatCloseProblem, roleSuccess, statusProblem } from './room-answers.js';

export const STATEFUL_CHECKS = {
  afterJoinToken: defineCheck({
    id: 'lifecycle.after-join-token',
    group: 'lifecycle',
    enforces: 'after a join token is issued, every operation on the room answers as documented: it stays readable and unchanged, another token is issued',
    cites: [cite.openapi('{createJoinToken}/responses'), cite.openapi('{getRoom}/responses')],
    requires: [needs('createRoom', 'deleteRoom', 'createJoinToken')],
  }),
  afterDelete: defineCheck({
    id: 'lifecycle.after-delete',
    group: 'lifecycle',
    enforces:
      'after a close, every operation on the room answers as documented: it reads as closed as the profile says, a second close answers as promised, new join tokens are refused',
    cites: [cite.openapi('{deleteRoom}/responses'), cite.openapi('{getRoom}/responses')],
    requires: [needs('createRoom', 'deleteRoom')],
  }),
};

/** One operation tried on the room in its new state, and what its answer must be (a problem in words, or undefined). */
interface Attempt {
  /** The user's operation name, for messages. */
  name: string;
  send(): Promise<Exchange>;
  rule: string;
  judge(exchange: Exchange): string | undefined;
}

/**
 * Stateful sequences: after each state change of a room (a join token issued,
 * the room closed), every operation on that room is tried once in the new
 * state: the profile's roles (get, join token, close: whatever request shape
 * the API uses) and every other operation of the document that addresses the
 * room by its id. Each must answer what the profile and the document say: a
 * closed room reads as closed (or is gone), a second close answers as
 * promised, a closed room refuses new join tokens.
 */
export async function runStatefulChecks(ctx: GateContext): Promise<void> {
  if (operationIn(ctx.facts, 'deleteRoom') === undefined) return;
  const room = await ctx.createRoom({ label: 'stateful' }).catch(() => undefined);
  if (room === undefined) return;
  const { api } = ctx;
  const id = room.roomId;
  const initialStatus = api.rawStatusOf(room.room);
  const others = otherRoomOperations(ctx);
  const role = (name: string, request: () => RoomRequest, rule: string, judge: (exchange: Exchange) => string | undefined): Attempt => ({
    name,
    send: () => ctx.send(request()),
    rule,
    judge,
  });
  const getName = operationIn(ctx.facts, 'getRoom')?.operationId ?? GATE_ROLES.getRoom;
  const joinToken = operationIn(ctx.facts, 'createJoinToken');

  if (joinToken !== undefined) {
    await ctx.check(STATEFUL_CHECKS.afterJoinToken, async () => {
      const issued = await ctx.send(api.joinToken(id, { name: 'roomgate-participant' }));
      expectStatus(issued, roleSuccess(ctx.facts, 'createJoinToken'), `a join token for the new room ${id}`);
      return tryEvery([
        role(
          getName,
          () => api.get(id),
          'the room stays readable, its status unchanged (a token is not a join)',
          (exchange) => {
            const answered = statusProblem(exchange, roleSuccess(ctx.facts, 'getRoom'), 'the room stays readable');
            if (answered !== undefined) return answered;
            const read = api.roomOf('get', exchange.json);
            if (read === undefined) return `the room stays readable, but the get found nothing: ${describeExchange(exchange)}`;
            const status = api.rawStatusOf(read);
            return status === initialStatus ? undefined : `its status is ${JSON.stringify(status ?? null)}, not ${JSON.stringify(initialStatus ?? null)}`;
          },
        ),
        role(
          joinToken.operationId,
          () => api.joinToken(id, { name: 'roomgate-participant-2' }),
          'another join token is issued',
          (exchange) => statusProblem(exchange, roleSuccess(ctx.facts, 'createJoinToken'), 'another join token is issued'),
        ),
        ...others.map((item) => otherAttempt(ctx, item, id)),
      ]);
    });
  }

  await ctx.check(STATEFUL_CHECKS.afterDelete, async () => {
    const request = api.close(id);
    const closed = await ctx.send(request);
    expectStatus(closed, closeAnswers(ctx.facts), `${request.operationId} of room ${id}`);
    ctx.createdRooms.delete(id);
    const closeName = request.operationId;
    return tryEvery([
      role(
        getName,
        () => api.get(id),
        'a closed room reads as the profile says (rooms.close.afterClose)',
        (exchange) => {
          if (ctx.profile.rooms.close.afterClose !== undefined) return closedReadProblem(ctx, exchange);
          // No promise about a closed room: any declared answer, or nothing found, but never a 5xx.
          const op = operationIn(ctx.facts, 'getRoom');
          return notFoundProblem(ctx, exchange) === undefined || op === undefined
            ? undefined
            : statusProblem(exchange, documentedNon5xx(op), 'an answer the document declares, never 5xx');
        },
      ),
      role(
        closeName,
        () => api.close(id),
        'a second close answers as promised (rooms.close.repeat)',
        (exchange) => repeatCloseProblem(ctx, exchange),
      ),
      ...(joinToken === undefined
        ? []
        : [
            role(
              joinToken.operationId,
              () => api.joinToken(id, { name: 'roomgate-participant' }),
              'a closed room refuses new join tokens',
              (exchange) => {
                // A refusal is a promise only where the document makes one: a 409, a declared refusal, or a token addressed to the room in its path.
                // (Daily mints meeting tokens for any room name, even one not created yet.)
                if (refusalPromised('createJoinToken')(ctx.facts) !== undefined) {
                  return statusProblem(exchange, documentedNon5xx(joinToken), 'an answer the document declares, never 5xx');
                }
                const refused = documents(joinToken, 409) ? [409] : documentedNon5xx(joinToken).filter((s) => s >= 400);
                return statusProblem(exchange, refused, `a closed room refuses new join tokens (${refused.join(' or ')})`);
              },
            ),
          ]),
      ...others.map((item) => otherAttempt(ctx, item, id)),
    ]);
  });
}

/** The document's operations on one room (under its path, by its id) that no role of the profile plays: a PATCH, a sub-resource. */
function otherRoomOperations(ctx: GateContext): ItemOperation[] {
  const rooms = ownedResources(ctx.facts).find((resource) => resource.noun === 'room');
  const roles = (['getRoom', 'deleteRoom', 'createJoinToken'] as const).map((role) => operationIn(ctx.facts, role));
  return (rooms?.items ?? []).filter((item) => !roles.includes(item.op));
}

function otherAttempt(ctx: GateContext, item: ItemOperation, id: string): Attempt {
  const body = ctx.spec.requestSchema(item.op) === undefined ? undefined : seedIndependentBody(item.op, ctx);
  return {
    name: item.op.operationId,
    send: () =>
      ctx.http.send({
        method: item.op.method.toUpperCase(),
        path: concretePath(item.op, { [item.param]: id }) as string,
        ...(body === undefined ? {} : { body }),
        signal: ctx.signal,
      }),
    rule: 'an answer the document declares, never 5xx',
    judge: (exchange) => statusProblem(exchange, documentedNon5xx(item.op as IndexedOperation), 'an answer the document declares, never 5xx'),
  };
}

async function tryEvery(attempts: Attempt[]) {
  const failures: string[] = [];
  const evidence: Evidence[] = [];
  for (const attempt of attempts) {
    const exchange = await attempt.send();
    const problem = attempt.judge(exchange);
    if (problem === undefined) continue;
    failures.push(`${attempt.name}: ${problem}`);
    evidence.push(evidenceOf(exchange, attempt.rule));
  }
  return failures.length === 0 ? pass(attempts.length) : fail(failures.join(' | '), evidence.slice(0, 3));
}
