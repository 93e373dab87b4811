import type { Room } from '../../target/api-types.js';
import type { ReferenceContext } from '../context.js';
import type { StoredRoom } from './room-store.js';

/** The wire form of a room, with its computed fields. */
export function toRoomRepresentation(room: StoredRoom, ctx: ReferenceContext): Room {
  // The stale-count fault freezes what the API reports, not what happens in the room.
  const stale = ctx.faults.has('stale-count');
  const wire = room.wireCache ?? wireStrings(room, ctx);
  return {
    room_id: room.id,
    name: room.name,
    status: stale && room.status === 'active' ? 'waiting' : room.status,
    max_participants: room.maxParticipants,
    is_private: room.isPrivate,
    recording: room.recording,
    join_url: wire.joinUrl,
    participant_count: stale ? 0 : room.participants.size,
    duration_seconds: ctx.store.durationSeconds(room),
    created_at: wire.createdAt,
  };
}

/** The room's immutable strings, cached on it once the server knows its own URL (it does before any request). */
function wireStrings(room: StoredRoom, ctx: ReferenceContext): { createdAt: string; joinUrl: string } {
  const wire = { createdAt: new Date(room.createdAtMs).toISOString(), joinUrl: joinUrlFor(room.id, ctx) };
  if (ctx.publicUrl() !== '') room.wireCache = wire;
  return wire;
}

export function joinUrlFor(roomId: string, ctx: ReferenceContext): string {
  return `${ctx.publicUrl()}/join/${roomId}`;
}
