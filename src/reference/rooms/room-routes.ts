import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { DeleteRoomResponse, JoinToken, Room, RoomPage } from '../../target/api-types.js';
import { clientOf } from '../auth/auth-hooks.js';
import type { ReferenceContext } from '../context.js';
import { ApiProblem } from '../http/api-problem.js';
import { fingerprintOf, type IdempotencyStore, parseIdempotencyKey, type StoredResponse } from '../idempotency/idempotency-store.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { findOwnedRoom, roomFinder, roomNotFound, type RoomAction, type RoomFinder } from './owned-room.js';
import { joinUrlFor, toRoomRepresentation } from './room-representation.js';
import {
  createJoinTokenSchema,
  createRoomSchema,
  createRoomSchemaAnyRecording,
  type CreateRoomBody,
  listRoomsQuerySchema,
  listRoomsQuerySchemaUnboundedCursor,
  withWritableStatus,
  type ListRoomsQuery,
  MAX_CURSOR_LENGTH,
  roomParamsSchema,
  roomResponseSchema,
} from './room-schemas.js';
import type { StoredRoom } from './room-store.js';

/** How long the `slow-create` fault holds a create (awaited, the event loop stays free). */
export const SLOW_CREATE_MS = 800;

/** How long the `slow-delete` fault holds every second delete (awaited, the event loop stays free). */
export const SLOW_DELETE_MS = 2000;

/** The join-token route's path (the server gives it its own auth hook under the `join-token-no-auth` fault). */
export const JOIN_TOKENS_ROUTE = '/v1/rooms/:room_id/join-tokens';

interface RoomParams {
  room_id: string;
}

/** The room the caller may act on (its own), or 404 (also for other clients' rooms: their existence is not disclosed). */
function roomFor(findRoom: RoomFinder, clientId: string, roomId: string, action: RoomAction): StoredRoom {
  const room = findRoom(clientId, roomId, action);
  if (room === undefined) throw roomNotFound(roomId);
  return room;
}

function send(reply: FastifyReply, response: StoredResponse): FastifyReply {
  for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
  return reply.code(response.status).send(response.body);
}

export function registerRoomRoutes(app: FastifyInstance, ctx: ReferenceContext, idempotency: IdempotencyStore): void {
  const slowCreate = ctx.faults.has('slow-create');
  const ignoreIdempotencyKey = ctx.faults.has('idempotency');
  const coerceRecording = ctx.faults.has('recording-type-coerced');
  const uncheckedCursor = ctx.faults.has('list-cursor-unchecked');
  const skippingCursor = ctx.faults.has('list-cursor-skips');
  const deleteUnknownRoomOk = ctx.faults.has('delete-unknown-room-ok');
  const crossClientList = ctx.faults.has('cross-client-list');
  const writableStatus = ctx.faults.has('read-only-status-writable');
  const findRoom = roomFinder(ctx.store, ctx.faults);
  const slowDelete = ctx.faults.has('slow-delete');
  let deletes = 0;

  const createRoom = async (clientId: string, body: CreateRoomBody): Promise<StoredResponse> => {
    if (slowCreate) await sleep(SLOW_CREATE_MS);
    const room = ctx.store.create(clientId, {
      name: body.name,
      maxParticipants: body.max_participants,
      isPrivate: body.is_private,
      recording: body.recording,
      // The read-only-status-writable fault: the client's `status` (readOnly in the contract) is taken.
      ...(writableStatus && body.status !== undefined ? { status: body.status } : {}),
    });
    const representation: Room = toRoomRepresentation(room, ctx);
    return { status: 201, body: representation, headers: { location: `/v1/rooms/${room.id}` } };
  };

  const strictBodySchema = coerceRecording ? createRoomSchemaAnyRecording : createRoomSchema;
  const createBodySchema = writableStatus ? withWritableStatus(strictBodySchema) : strictBodySchema;
  app.post<{ Body: CreateRoomBody }>('/v1/rooms', { schema: { body: createBodySchema, response: { 201: roomResponseSchema } } }, async (request, reply) => {
    const clientId = clientOf(request);
    const key = ignoreIdempotencyKey ? undefined : parseIdempotencyKey(request.headers['idempotency-key']);
    if (key === null) {
      throw new ApiProblem(
        400,
        'invalid_request',
        'The Idempotency-Key header must be one value of 1..255 visible ASCII characters, e.g. Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324".',
      );
    }
    // The recording-type-coerced fault: the schema let any JSON value through as `recording`; store its truthiness.
    const body: CreateRoomBody = coerceRecording ? { ...request.body, recording: Boolean(request.body.recording as unknown) } : request.body;
    if (key === undefined) return send(reply, await createRoom(clientId, body));

    // Defaults are applied before fingerprinting, so `{name}` and `{name, max_participants: 10}` are the same request.
    const claim = idempotency.claim(clientId, key, fingerprintOf(body));
    switch (claim.kind) {
      case 'replay':
        reply.header('idempotent-replayed', 'true');
        return send(reply, claim.response);
      case 'in-flight':
        throw new ApiProblem(409, 'idempotency_key_in_use', `A request with Idempotency-Key "${key}" is still being processed; retry after it completes.`, {
          'retry-after': '1',
        });
      case 'reused':
        throw new ApiProblem(
          422,
          'idempotency_key_reused',
          `Idempotency-Key "${key}" was already used with a different request body; use a new key for a new request.`,
        );
      case 'proceed':
        try {
          const response = await createRoom(clientId, body);
          claim.complete(response);
          return send(reply, response);
        } catch (error) {
          claim.abandon();
          throw error;
        }
    }
  });

  // Synchronous on purpose (the hottest route of load runs): an async handler costs a promise and a
  // microtask hop per request. fastify routes a synchronous throw (the 404) to the error handler too.
  app.get<{ Params: RoomParams }>('/v1/rooms/:room_id', { schema: { params: roomParamsSchema, response: { 200: roomResponseSchema } } }, (request, reply) => {
    return reply.send(toRoomRepresentation(roomFor(findRoom, clientOf(request), request.params.room_id, 'read'), ctx));
  });

  const listQuerySchema = uncheckedCursor ? listRoomsQuerySchemaUnboundedCursor : listRoomsQuerySchema;
  app.get<{ Querystring: ListRoomsQuery }>('/v1/rooms', { schema: { querystring: listQuerySchema } }, async (request) => {
    const { limit, status } = request.query;
    // The list-cursor-unchecked fault: an over-long cursor (never one this server issued) counts as no cursor.
    const cursor = uncheckedCursor && request.query.cursor !== undefined && request.query.cursor.length > MAX_CURSOR_LENGTH ? undefined : request.query.cursor;
    let afterSeq: number | undefined;
    if (cursor !== undefined) {
      afterSeq = decodeCursor(cursor);
      if (afterSeq === undefined) {
        throw new ApiProblem(400, 'invalid_request', 'The query parameter "cursor" is not a cursor this server issued; pass next_cursor from a previous page.');
      }
    }
    // One extra room tells whether another page exists.
    const query = { limit: limit + 1, ...(status === undefined ? {} : { status }), ...(afterSeq === undefined ? {} : { afterSeq }) };
    // The cross-client-list fault: every client's rooms, not the caller's.
    const rooms = crossClientList ? ctx.store.listEveryClient(query) : ctx.store.list(clientOf(request), query);
    const hasMore = rooms.length > limit;
    const pageRooms = hasMore ? rooms.slice(0, limit) : rooms;
    // The list-cursor-skips fault: the cursor names the next page's first room, which the next page then starts after.
    const last = skippingCursor && hasMore ? rooms[limit] : pageRooms[pageRooms.length - 1];
    const page: RoomPage = {
      data: pageRooms.map((room) => toRoomRepresentation(room, ctx)),
      next_cursor: hasMore && last !== undefined ? encodeCursor(last.seq) : null,
      has_more: hasMore,
    };
    return page;
  });

  app.delete<{ Params: RoomParams }>('/v1/rooms/:room_id', { schema: { params: roomParamsSchema } }, async (request) => {
    const clientId = clientOf(request);
    if (deleteUnknownRoomOk) {
      // The delete-unknown-room-ok fault: a room the caller does not own is "closed" too (and left untouched).
      const id = request.params.room_id;
      if (findOwnedRoom(ctx.store, clientId, id) === undefined) {
        const body: DeleteRoomResponse = { message: `Room ${id} has been closed.` };
        return body;
      }
    }
    const room = roomFor(findRoom, clientId, request.params.room_id, 'close');
    // The slow-delete fault: every second delete is held, and a client that gave up meanwhile
    // closed nothing (the handler sees its connection gone), so which rooms are open stays exact.
    if (slowDelete && ++deletes % 2 === 0) {
      await sleep(SLOW_DELETE_MS);
      // Nobody reads this answer (the connection is gone); it exists so the handler resolves with a body.
      if (request.socket.destroyed) return { message: `Room ${room.id} was not closed: the client gave up.` } satisfies DeleteRoomResponse;
    }
    // Idempotent: closing a closed room answers the same.
    ctx.store.close(room.id);
    const body: DeleteRoomResponse = { message: `Room ${room.id} has been closed.` };
    return body;
  });

  app.post<{ Params: RoomParams; Body: { participant_name?: string } | undefined }>(
    JOIN_TOKENS_ROUTE,
    {
      schema: { params: roomParamsSchema, body: createJoinTokenSchema },
      // The body is optional: no body at all means "no participant name".
      preValidation: (request, _reply, done) => {
        if (request.body === undefined || request.body === null) request.body = {};
        done();
      },
    },
    async (request, reply) => {
      const room = roomFor(findRoom, clientOf(request), request.params.room_id, 'mint-join-token');
      if (room.status === 'closed') throw new ApiProblem(409, 'room_closed', `Room ${room.id} is closed; nobody can join it.`);
      const { token, expiresIn } = await ctx.joinTokens.issue(room.id, request.body?.participant_name);
      const body: JoinToken = { token, join_url: `${joinUrlFor(room.id, ctx)}?token=${encodeURIComponent(token)}`, expires_in: expiresIn };
      return reply.code(201).send(body);
    },
  );
}
