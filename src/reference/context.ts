import type { FaultSet } from './faults.js';
import type { RoomStore } from './rooms/room-store.js';
import type { ReferenceServerOptions } from './server-types.js';

/** A verified participant token for a private room (issued by POST /v1/rooms/{room_id}/join-tokens). */
export interface JoinTokenClaims {
  roomId: string;
  participantName: string | undefined;
}

export interface JoinTokenService {
  issue(roomId: string, participantName: string | undefined): Promise<{ token: string; expiresIn: number }>;
  /** undefined when the token is missing, forged, expired or for another room. */
  verify(token: string, roomId: string): Promise<JoinTokenClaims | undefined>;
}

/**
 * What the parts of the reference server share: the REST routes, the webhook
 * dispatcher and the join page/signaling all read and change rooms only
 * through the store, and check faults through the fault set.
 */
export interface ReferenceContext {
  store: RoomStore;
  faults: FaultSet;
  options: Readonly<ReferenceServerOptions>;
  /** The server's own base URL (e.g. http://127.0.0.1:4010), known once it listens. */
  publicUrl(): string;
  joinTokens: JoinTokenService;
}

/** Something a server part started (timers, sockets) that must stop on close. */
export interface ReferencePart {
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the reference server's auth hook on every authenticated /v1 route. */
    clientId?: string;
  }
}
