import { evidenceOf, expectStatus, fail, pass, skip, UnexpectedResponse } from '../check.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';

/** Fields that may change between two reads of one room without a state change. */
const VOLATILE_FIELDS = new Set(['duration_seconds', 'participant_count', 'status']);

/**
 * The stateful life of one room: create → get (same representation) → list
 * contains it → delete → get shows closed → second delete answers as
 * documented. Each step is its own check so a failure names the broken promise.
 */
export async function runLifecycleChecks(ctx: GateContext): Promise<void> {
  const group = 'lifecycle';
  const name = ctx.uniqueName('lifecycle');
  let created: Exchange | undefined;
  let roomId: string | undefined;

  await ctx.check(group, 'lifecycle.create-201-location', async () => {
    const result = await ctx.createRoom({ name, max_participants: 4 });
    created = result.exchange;
    roomId = result.roomId;
    const location = created.headers['location'];
    const expectedPath = `/v1/rooms/${roomId}`;
    if (location === undefined || new URL(location, ctx.http.baseUrl).pathname !== expectedPath) {
      return fail(`Location is ${location ?? 'missing'}, expected ${expectedPath}`, [
        evidenceOf(created, `201 with Location: ${expectedPath}`),
      ]);
    }
    const body = created.json as Record<string, unknown>;
    if (body['name'] !== name || body['max_participants'] !== 4 || body['status'] !== 'waiting') {
      return fail('the created room does not echo the request (name, max_participants) or is not waiting', [
        evidenceOf(created, `a waiting room named ${name} with max_participants 4`),
      ]);
    }
    return pass(1);
  });
  if (roomId === undefined || created === undefined) return;
  const id = roomId;
  const createdBody = created.json as Record<string, unknown>;

  await ctx.check(group, 'lifecycle.room-id-prefix', async () => {
    return /^rm_[0-9A-Za-z]+$/.test(id)
      ? pass(1)
      : fail(`room_id "${id}" does not match ^rm_[0-9A-Za-z]+$`, [evidenceOf(created as Exchange, 'room_id starting with rm_')]);
  });

  await ctx.check(group, 'lifecycle.get-matches-create', async () => {
    const exchange = await ctx.http.send({ method: 'GET', path: `/v1/rooms/${encodeURIComponent(id)}` });
    expectStatus(exchange, 200, `GET /v1/rooms/${id}`);
    const got = exchange.json as Record<string, unknown>;
    const differing = Object.keys({ ...createdBody, ...got }).filter(
      (key) => !VOLATILE_FIELDS.has(key) && JSON.stringify(createdBody[key]) !== JSON.stringify(got[key]),
    );
    return differing.length === 0
      ? pass(1)
      : fail(`GET differs from the created room in ${differing.join(', ')}`, [
          evidenceOf(exchange, `the representation returned by POST: ${JSON.stringify(createdBody)}`),
        ]);
  });

  await ctx.check(group, 'lifecycle.list-contains-room', async () => {
    let cursor: string | undefined;
    const seen = new Set<string>();
    for (let page = 0; page < 50; page += 1) {
      const query = new URLSearchParams({ limit: '100', ...(cursor === undefined ? {} : { cursor }) });
      const exchange = await ctx.http.send({ method: 'GET', path: `/v1/rooms?${query}` });
      expectStatus(exchange, 200, 'GET /v1/rooms');
      const body = exchange.json as { data?: { room_id?: string }[]; next_cursor?: string | null; has_more?: boolean };
      for (const room of body.data ?? []) {
        if (room.room_id !== undefined && seen.has(room.room_id)) {
          return fail(`room ${room.room_id} appears on two pages`, [evidenceOf(exchange, 'each room on exactly one page')]);
        }
        if (room.room_id !== undefined) seen.add(room.room_id);
      }
      if (seen.has(id)) return pass(page + 1);
      if (body.has_more !== true || typeof body.next_cursor !== 'string') {
        return fail(`room ${id} is missing from the listing (${seen.size} rooms over ${page + 1} pages)`, [
          evidenceOf(exchange, `the listing contains ${id}`),
        ]);
      }
      cursor = body.next_cursor;
    }
    return skip(`the listing has more than 50 pages of 100 rooms; ${id} was not among the first 5000`);
  });

  await ctx.check(group, 'lifecycle.pagination', async () => {
    // A second room guarantees two pages of one.
    await ctx.createRoom({ name: ctx.uniqueName('page') });
    const first = await ctx.http.send({ method: 'GET', path: '/v1/rooms?limit=1' });
    expectStatus(first, 200, 'GET /v1/rooms?limit=1');
    const page = first.json as { data?: unknown[]; next_cursor?: unknown; has_more?: unknown };
    if (page.data?.length !== 1 || page.has_more !== true || typeof page.next_cursor !== 'string') {
      return fail('limit=1 over at least two rooms must give one room, has_more true and a next_cursor', [
        evidenceOf(first, 'data of length 1, has_more: true, next_cursor: string'),
      ]);
    }
    const second = await ctx.http.send({ method: 'GET', path: `/v1/rooms?limit=1&cursor=${encodeURIComponent(page.next_cursor)}` });
    expectStatus(second, 200, 'GET /v1/rooms with the next_cursor');
    const next = second.json as { data?: { room_id?: string }[] };
    const firstId = (page.data[0] as { room_id?: string }).room_id;
    if (next.data?.length !== 1 || next.data[0]?.room_id === firstId) {
      return fail('the page after next_cursor must hold the next room, not repeat the first', [
        evidenceOf(second, `one room other than ${firstId}`),
      ]);
    }
    return pass(2);
  });

  await ctx.check(group, 'lifecycle.delete-closes-room', async () => {
    const exchange = await ctx.http.send({ method: 'DELETE', path: `/v1/rooms/${encodeURIComponent(id)}` });
    expectStatus(exchange, 200, `DELETE /v1/rooms/${id}`);
    const message = (exchange.json as { message?: unknown }).message;
    if (message !== `Room ${id} has been closed.`) {
      return fail(`DELETE message is ${JSON.stringify(message)}`, [evidenceOf(exchange, `{"message": "Room ${id} has been closed."}`)]);
    }
    const after = await ctx.http.send({ method: 'GET', path: `/v1/rooms/${encodeURIComponent(id)}` });
    expectStatus(after, 200, 'GET of a closed room (closed rooms stay readable)');
    const status = (after.json as { status?: unknown }).status;
    return status === 'closed'
      ? pass(2)
      : fail(`after DELETE the room's status is ${JSON.stringify(status)}`, [evidenceOf(after, 'status: closed')]);
  });

  await ctx.check(group, 'lifecycle.second-delete-documented', async () => {
    const exchange = await ctx.http.send({ method: 'DELETE', path: `/v1/rooms/${encodeURIComponent(id)}` });
    const op = ctx.spec.find('DELETE', `/v1/rooms/${id}`);
    const documented = op !== undefined && exchange.status !== undefined && ctx.spec.responseFor(op, exchange.status) !== undefined;
    if (!documented || exchange.status === undefined || exchange.status >= 500) {
      throw new UnexpectedResponse(
        `a second DELETE answered ${exchange.status ?? 'nothing'}, which the document does not declare`,
        exchange,
        'a documented answer (the document says closing a closed room answers 200)',
      );
    }
    return pass(1);
  });

  await ctx.check(group, 'lifecycle.unknown-room-404', async () => {
    const exchange = await ctx.http.send({ method: 'GET', path: '/v1/rooms/rm_doesnotexist0' });
    expectStatus(exchange, 404, 'GET of a room that does not exist');
    const error = (exchange.json as { error?: unknown } | undefined)?.error;
    return error === 'room_not_found'
      ? pass(1)
      : fail(`404 error code is ${JSON.stringify(error)}, not room_not_found`, [evidenceOf(exchange, 'error: room_not_found')]);
  });

  await ctx.check(group, 'lifecycle.status-filter', async () => {
    const exchange = await ctx.http.send({ method: 'GET', path: '/v1/rooms?status=closed&limit=100' });
    expectStatus(exchange, 200, 'GET /v1/rooms?status=closed');
    const rooms = (exchange.json as { data?: { room_id?: string; status?: string }[] }).data ?? [];
    const wrong = rooms.filter((r) => r.status !== 'closed');
    if (wrong.length > 0) {
      return fail(`status=closed listed ${wrong.length} rooms that are not closed`, [evidenceOf(exchange, 'only closed rooms')]);
    }
    return pass(rooms.length);
  });
}
