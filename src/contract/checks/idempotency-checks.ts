import { randomUUID } from 'node:crypto';
import { describeExchange, ensured, evidenceOf, expectStatus, fail, pass, UnexpectedResponse } from '../check.js';
import { cite, defineCheck, INFO } from '../check-definition.js';
import { documented, idempotencyKey, needs, secondClient } from '../check-preconditions.js';
import { createSuccessStatuses, type GateContext } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';
import { SECOND_CLIENT } from '../http/gate-identity.js';

/** A fresh key as a Structured Field String, the form draft-ietf-httpapi-idempotency-key-header specifies. */
const newKey = () => `"${randomUUID()}"`;

const DRAFT = 'draft-ietf-httpapi-idempotency-key-header';

export const IDEMPOTENCY_CHECKS = {
  replay: defineCheck({
    id: 'idempotency.replay-returns-same-room',
    group: 'idempotency',
    enforces: 'the same Idempotency-Key and body return the stored response, no new room',
    cites: [cite.openapi('#/components/parameters/IdempotencyKey'), cite.standard(DRAFT)],
    requires: [needs('createRoom'), idempotencyKey],
  }),
  reusedWithOtherBody: defineCheck({
    id: 'idempotency.key-reused-with-other-body-422',
    group: 'idempotency',
    enforces: 'the same key with another body is 422',
    cites: [cite.openapi('{createRoom}/responses/422'), cite.standard(`${DRAFT} §2.7`)],
    requires: [needs('createRoom'), idempotencyKey, documented('createRoom', 422)],
  }),
  concurrentDuplicates: defineCheck({
    id: 'idempotency.concurrent-duplicates-one-room',
    group: 'idempotency',
    enforces: 'concurrent duplicates with one key create one room (the others 201 replay or 409)',
    cites: [cite.openapi('{createRoom}/responses/409'), cite.standard(`${DRAFT} §2.7`)],
    requires: [needs('createRoom'), idempotencyKey],
  }),
  scopedPerClient: defineCheck({
    id: 'idempotency.keys-scoped-per-client',
    group: 'idempotency',
    enforces: "one client's key never returns another client's response",
    cites: [cite.openapi(INFO, 'Keys are scoped per API client')],
    requires: [needs('createRoom'), idempotencyKey],
    given: [secondClient],
  }),
};

/**
 * Idempotency keys (IETF draft), where the profile names the create's
 * idempotency header: replay, reuse with another body, concurrent
 * duplicates, and per-client scoping. Room creation is the one
 * non-idempotent operation that takes a key, so every check creates rooms,
 * with the profile's create template (each request rendered once and sent as
 * it is, so a replay repeats its body byte for byte).
 */
export async function runIdempotencyChecks(ctx: GateContext): Promise<void> {
  const created = createSuccessStatuses(ctx.facts);

  await ctx.check(IDEMPOTENCY_CHECKS.replay, async () => {
    const request = ctx.api.create({ name: ctx.uniqueName('idem-replay'), idempotencyKey: newKey() });
    const first = await ctx.send(request);
    expectStatus(first, created, `${request.operationId} with a new idempotency key`);
    const firstId = roomIdOf(ctx, first);
    if (firstId === undefined) throw new UnexpectedResponse(`${request.operationId} answered without a room id`, first, 'a room with its id');
    const replay = await ctx.send(request);
    const replayId = roomIdOf(ctx, replay);
    if (replayId !== undefined) ctx.createdRooms.add(replayId);
    if (replay.status !== first.status || replayId !== firstId) {
      return fail(`the replay with the same key and body answered ${describeExchange(replay)}; the first request created ${firstId}`, [
        evidenceOf(first, 'the original response'),
        evidenceOf(replay, `${first.status ?? ''} with the same room ${firstId} and no new room`),
      ]);
    }
    if (replay.bodyText !== first.bodyText && JSON.stringify(replay.json) !== JSON.stringify(first.json)) {
      return fail('the replay returned a different representation than the stored response', [evidenceOf(replay, `the stored body ${first.bodyText}`)]);
    }
    return pass(2);
  });

  await ctx.check(IDEMPOTENCY_CHECKS.reusedWithOtherBody, async () => {
    const key = newKey();
    await ctx.createRoom({ label: 'idem-a', idempotencyKey: key });
    const other = await ctx.send(ctx.api.create({ name: ctx.uniqueName('idem-b'), idempotencyKey: key }));
    const otherId = roomIdOf(ctx, other);
    if (otherId !== undefined) ctx.createdRooms.add(otherId);
    expectStatus(other, 422, 'the same idempotency key with a different body');
    return pass(2);
  });

  await ctx.check(IDEMPOTENCY_CHECKS.concurrentDuplicates, async () => {
    const request = ctx.api.create({ name: ctx.uniqueName('idem-race'), idempotencyKey: newKey() });
    const n = ctx.options.concurrentDuplicates;
    const exchanges = await Promise.all(Array.from({ length: n }, () => ctx.send(request)));
    const ids = new Set<string>();
    const bad = exchanges.filter((e) => {
      if (e.status !== undefined && created.includes(e.status)) {
        const id = roomIdOf(ctx, e);
        if (id !== undefined) {
          ids.add(id);
          ctx.createdRooms.add(id);
        }
        return id === undefined;
      }
      return e.status !== 409;
    });
    if (bad.length > 0) {
      return fail(
        `${bad.length} of ${n} concurrent duplicates answered neither ${created.join('/')} nor 409`,
        bad.slice(0, 2).map((e) => evidenceOf(e, `${created.join(' or ')} (one room) or 409 (the key is in use)`)),
      );
    }
    if (ids.size !== 1) {
      return fail(
        `${n} concurrent requests with one idempotency key created ${ids.size} rooms: ${[...ids].join(', ')}`,
        exchanges
          .filter((e) => e.status !== undefined && created.includes(e.status))
          .slice(0, 3)
          .map((e) => evidenceOf(e, 'exactly one room for one key')),
      );
    }
    return pass(n);
  });

  await ctx.check(IDEMPOTENCY_CHECKS.scopedPerClient, async () => {
    const second = ensured(ctx.options.secondClient, 'a second client');
    const request = ctx.api.create({ name: ctx.uniqueName('idem-scope'), idempotencyKey: newKey() });
    const mine = await ctx.send(request);
    expectStatus(mine, created, `${request.operationId} with a new idempotency key`);
    const mineId = roomIdOf(ctx, mine);
    if (mineId !== undefined) ctx.createdRooms.add(mineId);
    const other = ctx.openIdentity(second, SECOND_CLIENT(second.clientId));
    try {
      const theirs = await ctx.send(request, { http: other.http });
      const theirId = roomIdOf(ctx, theirs);
      if (theirId !== undefined && theirId === mineId) {
        return fail(`the second client got the first client's room ${mineId} back for the same key`, [
          evidenceOf(theirs, 'a new room of its own (keys are scoped per client)'),
        ]);
      }
      expectStatus(theirs, created, 'the same key and body from another client');
      if (theirId !== undefined) await ctx.send(ctx.api.close(theirId), { http: other.http });
      return pass(2);
    } finally {
      await other.close();
    }
  });
}

/** The id of the room a create answer holds, read where the profile says. */
function roomIdOf(ctx: GateContext, exchange: Exchange): string | undefined {
  if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) return undefined;
  return ctx.api.idOf(ctx.api.roomOf('create', exchange.json));
}
