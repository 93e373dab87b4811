import type { FastifyInstance } from 'fastify';
import type { ReferenceContext, ReferencePart } from '../context.js';
import { registerJoinRoutes } from './join-routes.js';
import { SignalingServer } from './signaling-server.js';

export type { ClientMessage, JoinRefusalReason, ServerMessage } from './signaling-protocol.js';

/**
 * The join page served at a room's join_url (`GET /join/{room_id}`) and its
 * signaling WebSocket (`/join/{room_id}/signal`), attached to the fastify
 * server's own HTTP server through its `upgrade` event.
 */
export function registerJoin(app: FastifyInstance, ctx: ReferenceContext): ReferencePart {
  registerJoinRoutes(app, ctx);
  const signaling = new SignalingServer(ctx);
  const onUpgrade = (...[request, socket, head]: Parameters<SignalingServer['handleUpgrade']>): void => {
    if (!signaling.handleUpgrade(request, socket, head)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  };
  app.server.on('upgrade', onUpgrade);
  return {
    close: async () => {
      app.server.off('upgrade', onUpgrade);
      await signaling.close();
    },
  };
}
