import type { VideoConnectClient } from '../../target/client.js';
import { BROWSER_DEFAULTS, type BrowserStepOptions, type ParticipantPlan } from '../options.js';

export interface PlannedRoom {
  label: string;
  roomId?: string;
  joinUrl: string;
  createdByStep: boolean;
}

/** A room the step created, so it is deleted however the step ends. */
export interface CreatedRoom {
  client: VideoConnectClient;
  roomId: string;
}

/**
 * The rooms (created through the API, or the given join URLs) and one plan
 * per participant: name, join URL (a per-participant join token for private
 * rooms) and room label. Every created room is pushed onto `created` at once,
 * so an interruption half-way still deletes it.
 */
export async function planRooms(
  client: VideoConnectClient,
  stepName: string,
  options: BrowserStepOptions,
  created: CreatedRoom[],
  signal: AbortSignal,
): Promise<{ rooms: PlannedRoom[]; plans: ParticipantPlan[] }> {
  const d = BROWSER_DEFAULTS;
  const perRoom = options.participants ?? d.participants;
  const prefix = options.namePrefix ?? d.namePrefix;
  const rooms: PlannedRoom[] = [];
  const plans: ParticipantPlan[] = [];
  if (options.joinUrls !== undefined && options.joinUrls.length > 0) {
    options.joinUrls.forEach((url, i) => rooms.push({ label: `url${i + 1}`, joinUrl: url, createdByStep: false }));
  } else {
    const count = options.rooms ?? d.rooms;
    for (let i = 0; i < count; i++) {
      const { room } = await client.createRoom(
        {
          name: `roomgate ${stepName}${options.shard === undefined || options.shard.count === 1 ? '' : ` shard ${options.shard.index}/${options.shard.count}`} ${i + 1}`,
          ...(options.maxParticipants === undefined ? {} : { max_participants: options.maxParticipants }),
          ...(options.privateRooms === true ? { is_private: true } : {}),
        },
        { signal },
      );
      created.push({ client, roomId: room.room_id });
      rooms.push({ label: room.room_id, roomId: room.room_id, joinUrl: room.join_url, createdByStep: true });
    }
  }
  for (const [r, room] of rooms.entries()) {
    for (let k = 0; k < perRoom; k++) {
      const name = `${prefix}-r${r + 1}-p${k + 1}`;
      let joinUrl = room.joinUrl;
      if (options.privateRooms === true && room.roomId !== undefined) {
        joinUrl = (await client.createJoinToken(room.roomId, { participant_name: name }, { signal })).join_url;
      }
      plans.push({ name, joinUrl, room: room.label });
    }
  }
  return { rooms, plans };
}
