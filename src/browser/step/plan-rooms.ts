import type { VideoConnectClient } from '../../target/client.js';
import type { AdapterRoom, PageAdapter } from '../adapters/types.js';
import { BROWSER_DEFAULTS, type BrowserStepOptions, type ParticipantPlan } from '../options.js';

export interface PlannedRoom {
  label: string;
  /** VideoConnect room id (the API consistency checks run only for these). */
  roomId?: string;
  /** Id on the adapter's media server, for rooms the adapter created. */
  adapterRoomId?: string;
  joinUrl: string;
  createdByStep: boolean;
}

/** A room the step created (through the API or the adapter), so it is deleted however the step ends. */
export interface CreatedRoom {
  delete(): Promise<void>;
}

/** The adapter's `createRoom` failed: the step is errored (no verdict), with the adapter's message. */
export class AdapterRoomError extends Error {
  constructor(adapterName: string, cause: unknown) {
    super(`the adapter "${adapterName}" could not create a room: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'AdapterRoomError';
  }
}

/**
 * The rooms (the given join URLs, created by the adapter on its own media
 * server, or created through the VideoConnect API) and one plan per
 * participant: name, join URL (a per-participant join token for private
 * rooms) and room label. Every created room is pushed onto `created` at once,
 * so an interruption half-way still deletes it.
 */
export async function planRooms(
  client: VideoConnectClient,
  adapter: PageAdapter,
  stepName: string,
  options: BrowserStepOptions,
  created: CreatedRoom[],
  signal: AbortSignal,
): Promise<{ rooms: PlannedRoom[]; plans: ParticipantPlan[] }> {
  const d = BROWSER_DEFAULTS;
  const perRoom = options.participants ?? d.participants;
  const prefix = options.namePrefix ?? d.namePrefix;
  const count = options.rooms ?? d.rooms;
  // A shard's rooms say so, on the API and on an adapter's media server alike: shards never share a room name.
  const shardPart = options.shard === undefined || options.shard.count === 1 ? '' : ` shard ${options.shard.index}/${options.shard.count}`;
  const roomName = (i: number) => `roomgate ${stepName}${shardPart} ${i + 1}`;
  const rooms: PlannedRoom[] = [];
  const plans: ParticipantPlan[] = [];
  if (options.joinUrls !== undefined && options.joinUrls.length > 0) {
    options.joinUrls.forEach((url, i) => rooms.push({ label: `url${i + 1}`, joinUrl: url, createdByStep: false }));
  } else if (adapter.createRoom !== undefined) {
    // The adapter creates rooms on its own media server; the VideoConnect API is not involved.
    for (let i = 0; i < count; i++) {
      let room: AdapterRoom;
      try {
        room = await adapter.createRoom({
          index: i,
          name: roomName(i),
          participants: perRoom,
          ...(options.maxParticipants === undefined ? {} : { maxParticipants: options.maxParticipants }),
          signal,
        });
      } catch (error) {
        throw new AdapterRoomError(adapter.name, error);
      }
      const made = room;
      created.push({ delete: async () => adapter.deleteRoom?.(made) });
      rooms.push({ label: `room${i + 1}:${room.id}`, adapterRoomId: room.id, joinUrl: room.joinUrl, createdByStep: true });
    }
  } else {
    for (let i = 0; i < count; i++) {
      const { room } = await client.createRoom(
        {
          name: roomName(i),
          ...(options.maxParticipants === undefined ? {} : { max_participants: options.maxParticipants }),
          ...(options.privateRooms === true ? { is_private: true } : {}),
        },
        { signal },
      );
      created.push({ delete: async () => void (await client.deleteRoom(room.room_id)) });
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
      const roomId = room.roomId ?? room.adapterRoomId;
      plans.push({ name, joinUrl, room: room.label, index: plans.length, roomIndex: r, ...(roomId === undefined ? {} : { roomId }) });
    }
  }
  return { rooms, plans };
}
