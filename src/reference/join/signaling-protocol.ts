/**
 * The join page's signaling protocol: JSON text frames over the room's
 * WebSocket (`/join/{room_id}/signal`). The server is a relay for SDP and ICE
 * between participants of one room; the newcomer offers to everyone already
 * there (so two peers never offer to each other at once).
 */

/** Why a join was refused; the page shows each distinctly (`data-reason`). */
export type JoinRefusalReason = 'room_not_found' | 'room_closed' | 'room_full' | 'token_required' | 'token_invalid';

export interface PeerInfo {
  participant_id: string;
  name: string;
}

/** Opaque to the server: an RTCSessionDescriptionInit or an RTCIceCandidateInit. */
export type SignalPayload = { description: { type: string; sdp?: string } } | { candidate: Record<string, unknown> | null };

export type ClientMessage = { type: 'join'; name?: string; token?: string } | { type: 'signal'; to: string; data: SignalPayload } | { type: 'leave' };

export type ServerMessage =
  | { type: 'joined'; room_id: string; participant_id: string; name: string; peers: PeerInfo[] }
  | { type: 'refused'; reason: JoinRefusalReason; message: string }
  | { type: 'peer_joined'; peer: PeerInfo }
  | { type: 'peer_left'; participant_id: string }
  | { type: 'signal'; from: string; data: SignalPayload }
  /** The room was closed (DELETE): the socket closes right after. */
  | { type: 'room_closed' }
  | { type: 'error'; message: string };

/** WebSocket close codes the server uses (4000–4999 is the application range). */
export const CLOSE_CODES = { refused: 4000, roomClosed: 4001, removed: 4002, protocolError: 4003, shuttingDown: 1001 } as const;

const MAX_NAME_LENGTH = 100;
const MAX_TOKEN_LENGTH = 4096;

/** Parses one frame from a page; undefined for anything that is not a well-formed client message. */
export function parseClientMessage(text: string): ClientMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as Record<string, unknown>;
  switch (message['type']) {
    case 'join': {
      const { name, token } = message;
      if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > MAX_NAME_LENGTH)) return undefined;
      if (token !== undefined && token !== null && (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH)) return undefined;
      const cleanName = typeof name === 'string' && name.trim() !== '' ? name.trim() : undefined;
      const cleanToken = typeof token === 'string' && token !== '' ? token : undefined;
      return { type: 'join', ...(cleanName === undefined ? {} : { name: cleanName }), ...(cleanToken === undefined ? {} : { token: cleanToken }) };
    }
    case 'signal': {
      const { to, data } = message;
      if (typeof to !== 'string' || typeof data !== 'object' || data === null) return undefined;
      const payload = data as Record<string, unknown>;
      if (typeof payload['description'] === 'object' && payload['description'] !== null) {
        const description = payload['description'] as Record<string, unknown>;
        if (typeof description['type'] !== 'string') return undefined;
        return {
          type: 'signal',
          to,
          data: { description: { type: description['type'], ...(typeof description['sdp'] === 'string' ? { sdp: description['sdp'] } : {}) } },
        };
      }
      if ('candidate' in payload && (payload['candidate'] === null || typeof payload['candidate'] === 'object')) {
        return { type: 'signal', to, data: { candidate: payload['candidate'] as Record<string, unknown> | null } };
      }
      return undefined;
    }
    case 'leave':
      return { type: 'leave' };
    default:
      return undefined;
  }
}

export const REFUSAL_MESSAGES: Record<JoinRefusalReason, string> = {
  room_not_found: 'There is no room at this link. Check the link or ask for a new one.',
  room_closed: 'This room has been closed; nobody can join it any more.',
  room_full: 'This room is full. Try again when someone leaves.',
  token_required: 'This room is private: its link needs a participant token (?token=…, from POST /v1/rooms/{room_id}/join-tokens).',
  token_invalid: 'The participant token in this link is invalid, expired or for another room.',
};
