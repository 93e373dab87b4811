import type { FastifyInstance } from 'fastify';
import type { ReferenceContext, ReferencePart } from '../context.js';

/**
 * The join page served at a room's join_url and the signaling WebSocket.
 * Placeholder until the join part lands.
 */
export function registerJoin(_app: FastifyInstance, _ctx: ReferenceContext): ReferencePart {
  return { close: async () => {} };
}
