import { randomUUID } from 'node:crypto';
import { describeExchange, ensured, evidenceOf, expectStatus, fail, pass } from '../check.js';
import { cite, defineCheck, INFO } from '../check-definition.js';
import { documented, idempotencyKey, needs, secondClient } from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import { roomIdOf } from '../gate-context.js';
import { Exchanger } from '../http/exchange.js';
import { VideoConnectClient } from '../../target/client.js';
import { requiredHeadersFor } from '../../spec/required-headers.js';

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
    enforces: 'one client\'s key never returns another client\'s response',
    cites: [cite.openapi(INFO, 'Keys are scoped per API client')],
    requires: [needs('createRoom'), idempotencyKey],
    given: [secondClient],
  }),
};

/**
 * Idempotency-Key (IETF draft): replay, reuse with another body, concurrent
 * duplicates, and per-client scoping. Room creation is the one non-idempotent
 * operation that takes a key, so every check creates rooms.
 */
export async function runIdempotencyChecks(ctx: GateContext): Promise<void> {
  await ctx.check(IDEMPOTENCY_CHECKS.replay, async () => {
    const key = newKey();
    const body = { name: ctx.uniqueName('idem-replay') };
    const first = await ctx.createRoom(body, { 'idempotency-key': key });
    const replay = await ctx.http.send({ method: 'POST', path: '/v1/rooms', body, headers: { 'idempotency-key': key } });
    const replayId = roomIdOf(replay.json);
    if (replayId !== undefined) ctx.createdRooms.add(replayId);
    if (replay.status !== first.exchange.status || replayId !== first.roomId) {
      return fail(
        `the replay with the same key and body answered ${describeExchange(replay)}; the first request created ${first.roomId}`,
        [evidenceOf(first.exchange, 'the original response'), evidenceOf(replay, `201 with the same room ${first.roomId} and no new room`)],
      );
    }
    if (replay.bodyText !== first.exchange.bodyText && JSON.stringify(replay.json) !== JSON.stringify(first.exchange.json)) {
      return fail('the replay returned a different representation than the stored response', [
        evidenceOf(replay, `the stored body ${first.exchange.bodyText}`),
      ]);
    }
    return pass(2);
  });

  await ctx.check(IDEMPOTENCY_CHECKS.reusedWithOtherBody, async () => {
    const key = newKey();
    await ctx.createRoom({ name: ctx.uniqueName('idem-a') }, { 'idempotency-key': key });
    const other = await ctx.http.send({
      method: 'POST',
      path: '/v1/rooms',
      body: { name: ctx.uniqueName('idem-b') },
      headers: { 'idempotency-key': key },
    });
    const otherId = roomIdOf(other.json);
    if (otherId !== undefined) ctx.createdRooms.add(otherId);
    expectStatus(other, 422, 'the same Idempotency-Key with a different body');
    return pass(2);
  });

  await ctx.check(IDEMPOTENCY_CHECKS.concurrentDuplicates, async () => {
    const key = newKey();
    const body = { name: ctx.uniqueName('idem-race') };
    const n = ctx.options.concurrentDuplicates;
    const exchanges = await Promise.all(
      Array.from({ length: n }, () => ctx.http.send({ method: 'POST', path: '/v1/rooms', body, headers: { 'idempotency-key': key } })),
    );
    const ids = new Set<string>();
    const bad = exchanges.filter((e) => {
      if (e.status === 201) {
        const id = roomIdOf(e.json);
        if (id !== undefined) {
          ids.add(id);
          ctx.createdRooms.add(id);
        }
        return id === undefined;
      }
      return e.status !== 409;
    });
    if (bad.length > 0) {
      return fail(`${bad.length} of ${n} concurrent duplicates answered neither 201 nor 409`, bad.slice(0, 2).map((e) => evidenceOf(e, '201 (one room) or 409 idempotency_key_in_use')));
    }
    if (ids.size !== 1) {
      return fail(`${n} concurrent requests with one Idempotency-Key created ${ids.size} rooms: ${[...ids].join(', ')}`, exchanges
        .filter((e) => e.status === 201)
        .slice(0, 3)
        .map((e) => evidenceOf(e, 'exactly one room for one key')));
    }
    return pass(n);
  });

  await ctx.check(IDEMPOTENCY_CHECKS.scopedPerClient, async () => {
    const second = ensured(ctx.options.secondClient, 'a second client');
    const key = newKey();
    const body = { name: ctx.uniqueName('idem-scope') };
    const mine = await ctx.createRoom(body, { 'idempotency-key': key });
    const client = new VideoConnectClient({ baseUrl: ctx.http.baseUrl, credentials: second, timeoutMs: ctx.options.requestTimeoutMs });
    const other = new Exchanger({
      baseUrl: ctx.http.baseUrl,
      token: (signal) => client.accessToken(signal),
      timeoutMs: ctx.options.requestTimeoutMs,
      maxBodyBytes: ctx.options.maxBodyBytes,
      defaultHeaders: requiredHeadersFor(ctx.spec),
    });
    try {
      const theirs = await other.send({ method: 'POST', path: '/v1/rooms', body, headers: { 'idempotency-key': key } });
      const theirId = roomIdOf(theirs.json);
      if (theirs.status === 201 && theirId === mine.roomId) {
        return fail(`the second client got the first client's room ${mine.roomId} back for the same key`, [
          evidenceOf(theirs, 'a new room of its own (keys are scoped per client)'),
        ]);
      }
      expectStatus(theirs, 201, 'the same key and body from another client');
      if (theirId !== undefined) {
        await other.send({ method: 'DELETE', path: `/v1/rooms/${encodeURIComponent(theirId)}` });
      }
      return pass(2);
    } finally {
      await other.close();
    }
  });
}
