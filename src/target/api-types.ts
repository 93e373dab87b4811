/**
 * The VideoConnect v1 wire types, as published in
 * contracts/videoconnect.v1.openapi.yaml. The OpenAPI document is the source
 * of truth; these mirror it for the typed client and the reference server.
 */

export type RoomStatus = 'waiting' | 'active' | 'closed';

export interface Room {
  room_id: string;
  name: string;
  status: RoomStatus;
  max_participants: number;
  is_private: boolean;
  recording: boolean;
  join_url: string;
  participant_count: number;
  duration_seconds: number;
  created_at: string;
}

export interface CreateRoomInput {
  name: string;
  max_participants?: number;
  is_private?: boolean;
  recording?: boolean;
}

export interface RoomPage {
  data: Room[];
  /** Opaque; pass as `cursor` to get the next page. Null on the last page. */
  next_cursor: string | null;
  has_more: boolean;
}

export interface ListRoomsQuery {
  status?: RoomStatus;
  /** 1..100, default 20. */
  limit?: number;
  cursor?: string;
}

export interface DeleteRoomResponse {
  message: string;
}

export interface TokenRequest {
  client_id: string;
  client_secret: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** Every non-2xx body: `status` equals the HTTP status code. */
export interface ErrorEnvelope {
  error: string;
  message: string;
  status: number;
}

export type WebhookEventType = 'room.created' | 'participant.joined' | 'participant.left' | 'room.closed';

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = ['room.created', 'participant.joined', 'participant.left', 'room.closed'];

export interface CreateWebhookInput {
  url: string;
  events: WebhookEventType[];
}

export interface WebhookSubscription {
  webhook_id: string;
  url: string;
  events: WebhookEventType[];
  created_at: string;
}

/** Returned once, on creation: the only time the signing secret is shown. */
export interface CreatedWebhookSubscription extends WebhookSubscription {
  secret: string;
}

export interface Participant {
  participant_id: string;
  name: string;
  joined_at: string;
}

export type WebhookEvent =
  | { type: 'room.created' | 'room.closed'; timestamp: string; data: { room: Room } }
  | { type: 'participant.joined' | 'participant.left'; timestamp: string; data: { room: Room; participant: Participant } };

export interface CreateJoinTokenInput {
  participant_name?: string;
}

export interface JoinToken {
  token: string;
  /** The room's join_url with the token attached. */
  join_url: string;
  expires_in: number;
}
