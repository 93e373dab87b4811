import type { ProfileClient } from '../../profile/profile-client.js';
import type { AdapterRoom, PageAdapter } from '../adapters/types.js';
import { BROWSER_DEFAULTS, type BrowserStepOptions, type ParticipantPlan } from '../options.js';

export interface PlannedRoom {
  label: string;
  /** The room's id on the target's room API (the API consistency checks run only for these). */
  roomId?: string;
  /** Id on the adapter's media server, for rooms the adapter created. */
  adapterRoomId?: string;
  /** The room's name on the room API, when the profile maps it (a join token may be scoped by it). */
  roomName?: string;
  joinUrl: string;
  createdByStep: boolean;
}

/** A room the step created (through the API or the adapter), so it is deleted however the step ends. */
export interface CreatedRoom {
  delete(): Promise<void>;
}

/** The target profile gives no way to join a room it creates (no join URL): participants need an adapter. */
export class NoJoinUrlError extends Error {
  constructor(profileName: string) {
    super(
      `the target profile (${profileName}) maps no join URL (fields.joinUrl, or rooms.joinToken with joinUrl or token and tokenParam), so participants cannot open the rooms it creates; give the step an adapter that joins them (docs/adapters.md) or --join-url`,
    );
    this.name = 'NoJoinUrlError';
  }
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
 * server, or created through the target's room API as its profile says) and
 * one plan per participant: name, join URL (a per-participant join token for
 * private rooms) and room label. Every created room is pushed onto `created`
 * at once, so an interruption half-way still closes it.
 */
export async function planRooms(
  client: ProfileClient,
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
  // Through a room API the name must suit any API's rules (Daily's are [A-Za-z0-9_-]): the same words, slugged.
  const apiRoomName = (i: number) =>
    roomName(i)
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .slice(0, 100);
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
          name: apiRoomName(i),
          ...(options.maxParticipants === undefined ? {} : { maxParticipants: options.maxParticipants }),
          ...(options.privateRooms === true ? { private: true } : {}),
        },
        { signal },
      );
      created.push({ delete: async () => void (await client.closeRoom(room)) });
      // A private room is opened through each participant's own join URL (below); a public one needs the room's.
      const joinUrl = room.joinUrl ?? (options.privateRooms === true ? '' : undefined);
      if (joinUrl === undefined) throw new NoJoinUrlError(client.api.profile.name);
      rooms.push({ label: room.id, roomId: room.id, ...(room.name === undefined ? {} : { roomName: room.name }), joinUrl, createdByStep: true });
    }
  }
  for (const [r, room] of rooms.entries()) {
    for (let k = 0; k < perRoom; k++) {
      const name = `${prefix}-r${r + 1}-p${k + 1}`;
      let joinUrl = room.joinUrl;
      if (options.privateRooms === true && room.roomId !== undefined) {
        const answer = await client.joinToken({ id: room.roomId, ...(room.roomName === undefined ? {} : { name: room.roomName }) }, { name }, { signal });
        const url = client.api.participantJoinUrl(room.joinUrl === '' ? undefined : room.joinUrl, answer);
        if (url === undefined) throw new NoJoinUrlError(client.api.profile.name);
        joinUrl = url;
      }
      const roomId = room.roomId ?? room.adapterRoomId;
      plans.push({ name, joinUrl, room: room.label, index: plans.length, roomIndex: r, ...(roomId === undefined ? {} : { roomId }) });
    }
  }
  return { rooms, plans };
}
