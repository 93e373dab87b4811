import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessTokens } from '../auth/access-tokens.js';
import type { ApiGate } from '../auth/api-gate.js';
import type { ReferenceContext } from '../context.js';
import type { ApiProblem } from '../http/api-problem.js';
import { envelopeOf, JSON_CONTENT_TYPE } from '../http/error-envelope.js';
import type { ServerStats } from '../http/server-stats.js';
import { roomFinder, roomNotFound } from './owned-room.js';
import { toRoomRepresentation } from './room-representation.js';

/**
 * GET /v1/rooms/{room_id} served straight from node:http, in front of fastify.
 *
 * Why by hand: it is the hottest request of every load run, and the reference
 * server must not be the bottleneck of those runs (target: >= 15k req/s on
 * one core). Through fastify a GET room cost ~70 µs of CPU, of which routing,
 * the request/reply objects, the hook pipeline and the serializer took about a
 * third (bare fastify answering static JSON costs ~47 µs; Node's HTTP layer is
 * most of that). No library does "one route, no framework" better than a
 * dozen lines on node:http.
 *
 * It takes only requests it can answer exactly as the fastify route would, and
 * decides that before any side effect: GET, a plain path (no query string, no
 * percent-encoding, an id within the route's 1..64 bound), and a bearer token
 * already in the verified cache and still live. Everything else (a token's
 * first use, bad or expired tokens, odd URLs, HEAD) falls through to fastify
 * untouched. Once it takes a request it answers through the same parts the
 * fastify route uses: the gate (rate limit and its headers, the server-errors
 * fault), the owned-room lookup, the room representation, the error envelope,
 * and the same stats counters. test/unit/reference-get-room-hot-path.test.ts
 * compares its answers with fastify's, case by case.
 */
export type HotPath = (request: IncomingMessage, response: ServerResponse) => boolean;

/** The route's path with its id; `ignoreTrailingSlash` lets fastify take one trailing slash too. */
const ROOM_PATH = /^\/v1\/rooms\/([A-Za-z0-9._~-]{1,64})\/?$/;

export interface GetRoomHotPathParts {
  ctx: ReferenceContext;
  tokens: AccessTokens;
  gate: ApiGate;
  stats: ServerStats;
}

export function createGetRoomHotPath({ ctx, tokens, gate, stats }: GetRoomHotPathParts): HotPath {
  const answer = (response: ServerResponse, status: number, body: string, rateLimit: string | undefined, extra?: Record<string, string>): void => {
    // A flat [name, value, ...] array: the cheapest header form node:http takes.
    const headers = ['content-type', JSON_CONTENT_TYPE, 'content-length', String(Buffer.byteLength(body))];
    if (rateLimit !== undefined) headers.push('ratelimit-policy', gate.policyHeader, 'ratelimit', rateLimit);
    if (extra !== undefined) for (const [name, value] of Object.entries(extra)) headers.push(name, value);
    response.writeHead(status, headers);
    response.end(body);
    stats.countResponse(status);
  };
  const findRoom = roomFinder(ctx.store, ctx.faults);
  const refuse = (response: ServerResponse, problem: ApiProblem, rateLimit: string | undefined): void => {
    answer(response, problem.status, JSON.stringify(envelopeOf(problem, ctx.faults)), rateLimit, problem.headers);
  };

  return (request, response) => {
    if (request.method !== 'GET') return false;
    const url = request.url;
    if (url === undefined || !url.startsWith('/v1/rooms/')) return false;
    const roomId = ROOM_PATH.exec(url)?.[1];
    if (roomId === undefined) return false;
    const token = gate.tokenOf(request.headers.authorization);
    if (token === undefined) return false;
    const verdict = tokens.fromCache(token);
    if (verdict === undefined || !verdict.ok) return false;

    // Taken: from here on this request is answered here, with the route's own parts.
    stats.countRequest('get_room');
    const admission = gate.admit(verdict.clientId);
    if (admission.problem !== undefined) {
      refuse(response, admission.problem, admission.rateLimit);
      return true;
    }
    const room = findRoom(verdict.clientId, roomId, 'read');
    if (room === undefined) {
      refuse(response, roomNotFound(roomId), admission.rateLimit);
      return true;
    }
    answer(response, 200, JSON.stringify(toRoomRepresentation(room, ctx)), admission.rateLimit);
    return true;
  };
}
