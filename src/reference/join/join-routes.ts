import type { FastifyInstance } from 'fastify';
import type { ReferenceContext } from '../context.js';
import { renderJoinPage, type JoinPageView } from './join-page.js';
import { signalPathFor } from './signaling-server.js';

interface JoinParams {
  room_id: string;
}

/**
 * `GET /join/{room_id}`: the page at a room's join_url. Unknown and closed
 * rooms are refused right in the HTML (404 / 410, a visible refusal, no
 * script); every other decision (full, private) is the signaling server's,
 * at the moment of joining.
 */
export function registerJoinRoutes(app: FastifyInstance, ctx: ReferenceContext): void {
  // No params schema: a malformed link is a person's mistake and gets the HTML refusal, not a JSON 400.
  app.get<{ Params: JoinParams }>('/join/:room_id', async (request, reply) => {
    // Echoed into the page (escaped); a link this long is no room of ours anyway.
    const roomId = request.params.room_id.slice(0, 100);
    const room = ctx.store.get(roomId);
    let view: JoinPageView;
    let status = 200;
    if (room === undefined) {
      view = { kind: 'refused', roomId, reason: 'room_not_found' };
      status = 404;
    } else if (room.status === 'closed') {
      view = { kind: 'refused', roomId, reason: 'room_closed' };
      status = 410;
    } else {
      view = { kind: 'room', roomId: room.id, roomName: room.name, signalPath: signalPathFor(room.id) };
    }
    return reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(renderJoinPage(view));
  });
}
