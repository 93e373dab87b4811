import type { WebhookEvent } from '../../target/api-types.js';
import type { ReferenceContext } from '../context.js';
import { toRoomRepresentation } from '../rooms/room-representation.js';
import type { RoomStoreEvent } from '../rooms/room-store.js';

/**
 * The webhook payload of a store event. Built synchronously while the store
 * publishes, so the room in it is a snapshot of that moment (the
 * participant_count right after the join, not whenever the delivery runs).
 */
export function toWebhookEvent(event: RoomStoreEvent, ctx: ReferenceContext): WebhookEvent {
  const timestamp = new Date(event.atMs).toISOString();
  const room = toRoomRepresentation(event.room, ctx);
  switch (event.type) {
    case 'room.created':
    case 'room.closed':
      return { type: event.type, timestamp, data: { room } };
    case 'participant.joined':
    case 'participant.left':
      return {
        type: event.type,
        timestamp,
        data: {
          room,
          participant: {
            participant_id: event.participant.id,
            name: event.participant.name,
            joined_at: new Date(event.participant.joinedAtMs).toISOString(),
          },
        },
      };
  }
}
