import { describeExchange } from '../check.js';
import { operationIn, type GateFacts } from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import type { GateRole } from '../gate-roles.js';
import type { Exchange } from '../http/exchange.js';
import { documentedRefusals } from '../../spec/resource-operations.js';
import { errorCodes, successStatuses } from '../../spec/spec-facts.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import { declaredStatuses } from '../coverage/coverage-recorder.js';

/**
 * What the answers about one room must be, by the profile's promises and the
 * document's declarations: which statuses a successful call of a role
 * answers, what "this room does not exist (for you)" looks like (a 404, or a
 * get that finds nothing at its room pointer, as a LiveKit-style ListRooms
 * with one name answers 200 with no rooms), what a closed room reads as, and
 * what a second close answers. Each judgement returns the problem in words,
 * or undefined when the answer is right.
 */

/** Any 2xx: what a role answers when neither the profile nor the document narrows it. */
const ANY_2XX = Array.from({ length: 100 }, (_, i) => 200 + i);

/** The 2xx statuses a role's operation declares, else any 2xx. */
export function roleSuccess(facts: GateFacts, role: GateRole): number[] {
  const op = operationIn(facts, role);
  const declared = op === undefined ? [] : successStatuses(op);
  return declared.length > 0 ? declared : ANY_2XX;
}

/** What a successful close answers: the profile's `close.answers`, else the 2xx the document declares. */
export function closeAnswers(facts: GateFacts): number[] {
  return facts.profile.rooms.close.answers ? [...facts.profile.rooms.close.answers] : roleSuccess(facts, 'deleteRoom');
}

/** Statuses the operation declares below 500: "an answer the document declares, never 5xx". */
export function documentedNon5xx(op: IndexedOperation): number[] {
  return declaredStatuses(op.operation.responses).filter((s) => s < 500);
}

/** Why a status is not one of `allowed`, or undefined. */
export function statusProblem(exchange: Exchange, allowed: readonly number[], rule: string): string | undefined {
  return exchange.status !== undefined && allowed.includes(exchange.status) ? undefined : `${rule}, but it answered ${describeExchange(exchange)}`;
}

/**
 * Why a get's answer does not say "no such room": a 404 (410) with the error
 * code the document gives it, or, for a get whose room sits inside the answer
 * (`rooms.get.room: /rooms/0`), a 2xx with nothing there.
 */
export function notFoundProblem(ctx: GateContext, exchange: Exchange): string | undefined {
  const op = operationIn(ctx.facts, 'getRoom');
  if (exchange.status !== undefined && exchange.status >= 200 && exchange.status < 300 && ctx.profile.rooms.get.room !== '') {
    const room = ctx.api.roomOf('get', exchange.json);
    return room === undefined ? undefined : `it found the room (${describeExchange(exchange)})`;
  }
  const status = op !== undefined && !Object.hasOwn(op.operation.responses ?? {}, '404') && Object.hasOwn(op.operation.responses ?? {}, '410') ? 410 : 404;
  if (exchange.status !== status) return `it answered ${describeExchange(exchange)}, not ${status}`;
  return errorCodeProblem(ctx.facts, op, exchange);
}

/** Why an error answer's code is not one the document gives that status, or undefined (also when the document pins none). */
export function errorCodeProblem(facts: GateFacts, op: IndexedOperation | undefined, exchange: Exchange): string | undefined {
  if (exchange.status === undefined) return undefined;
  const codes = errorCodes(facts.spec, op, exchange.status);
  const code = typeof exchange.json === 'object' && exchange.json !== null ? (exchange.json as Record<string, unknown>)['error'] : undefined;
  if (codes === undefined || (typeof code === 'string' && codes.includes(code))) return undefined;
  return `its ${exchange.status} error code is ${JSON.stringify(code)}, not ${codes.join(' or ')} (the document's ${exchange.status})`;
}

/** Why a get of a closed room does not read as the profile says a closed room reads (`afterClose`); undefined when it does, or when the profile promises nothing. */
export function closedReadProblem(ctx: GateContext, exchange: Exchange): string | undefined {
  switch (ctx.profile.rooms.close.afterClose) {
    case undefined:
      return undefined;
    case 'gone': {
      const problem = notFoundProblem(ctx, exchange);
      return problem === undefined ? undefined : `a closed room is gone (rooms.close.afterClose: gone), but ${problem}`;
    }
    case 'readable': {
      const answered = statusProblem(exchange, roleSuccess(ctx.facts, 'getRoom'), 'a closed room stays readable (rooms.close.afterClose: readable)');
      if (answered !== undefined) return answered;
      const room = ctx.api.roomOf('get', exchange.json);
      if (room === undefined)
        return `a closed room stays readable (rooms.close.afterClose: readable), but the get found nothing: ${describeExchange(exchange)}`;
      const state = ctx.api.statusOf(room);
      return state === 'closed'
        ? undefined
        : `after the close the room's status is ${JSON.stringify(ctx.api.rawStatusOf(room) ?? null)}, not a closed one (${(ctx.profile.fields.status?.values.closed ?? []).join(', ')})`;
    }
  }
}

/** Why a second close of a closed room does not answer what the profile says (`close.repeat`); without a promise, any declared answer but a 5xx. */
export function repeatCloseProblem(ctx: GateContext, exchange: Exchange): string | undefined {
  const op = operationIn(ctx.facts, 'deleteRoom');
  const declared = op === undefined ? [] : documentedNon5xx(op);
  switch (ctx.profile.rooms.close.repeat) {
    case 'idempotent':
      return statusProblem(exchange, closeAnswers(ctx.facts), 'closing a closed room answers as the first close did (rooms.close.repeat: idempotent)');
    case 'not-found': {
      const refusals = op === undefined || documentedRefusals(op).length === 0 ? [404] : documentedRefusals(op);
      const problem = statusProblem(exchange, refusals, `closing a closed room answers ${refusals.join(' or ')} (rooms.close.repeat: not-found)`);
      return problem ?? errorCodeProblem(ctx.facts, op, exchange);
    }
    case 'error':
      return statusProblem(
        exchange,
        declared.filter((s) => s >= 400),
        'closing a closed room is refused with a 4xx the document declares (rooms.close.repeat: error)',
      );
    case undefined:
      return statusProblem(exchange, declared, 'a second close answers a status the document declares, never 5xx');
  }
}
