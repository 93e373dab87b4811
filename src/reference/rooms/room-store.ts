import { newParticipantId, newRoomId } from './room-id.js';

/**
 * The reference server's rooms, in memory. This is the domain: lifecycle
 * (`waiting → active → closed`, monotonic), capacity and participants. The
 * HTTP layer, the signaling WebSocket and the webhook dispatcher all work
 * through it and observe it through `subscribe`.
 */

export type StoredRoomStatus = 'waiting' | 'active' | 'closed';

export interface StoredParticipant {
  id: string;
  name: string;
  joinedAtMs: number;
}

export interface StoredRoom {
  id: string;
  /** The API client that created it; other clients get 404 for it. */
  ownerClientId: string;
  name: string;
  maxParticipants: number;
  isPrivate: boolean;
  recording: boolean;
  createdAtMs: number;
  status: StoredRoomStatus;
  /** When the first participant connected (the room became active). */
  activeSinceMs: number | undefined;
  closedAtMs: number | undefined;
  participants: Map<string, StoredParticipant>;
  /** Insertion order, the basis of cursor pagination. */
  seq: number;
  /**
   * Wire strings that never change for a room, filled in by the representation
   * on first use: building them (Date → ISO string, URL concatenation) was the
   * largest cost of our own code in GET /v1/rooms/{id}.
   */
  wireCache: { createdAt: string; joinUrl: string } | undefined;
}

export interface NewRoom {
  name: string;
  maxParticipants: number;
  isPrivate: boolean;
  recording: boolean;
  /** The status to start in instead of `waiting` (only the `read-only-status-writable` fault sets it). */
  status?: StoredRoomStatus;
}

export type RoomStoreEvent =
  | { type: 'room.created'; room: StoredRoom; atMs: number }
  | { type: 'participant.joined'; room: StoredRoom; participant: StoredParticipant; atMs: number }
  | { type: 'participant.left'; room: StoredRoom; participant: StoredParticipant; atMs: number }
  | { type: 'room.closed'; room: StoredRoom; atMs: number };

export type JoinOutcome =
  { ok: true; room: StoredRoom; participant: StoredParticipant } | { ok: false; reason: 'room_not_found' | 'room_full' | 'room_closed' };

export interface RoomStoreOptions {
  now?: () => number;
  /** Issue ids without the `rm_` prefix (the `id-prefix` fault). */
  unprefixedIds?: boolean;
}

export class RoomStore {
  private readonly rooms = new Map<string, StoredRoom>();
  /** Each client's rooms in seq order, so a page costs O(log n + page) instead of a scan of every room. */
  private readonly byOwner = new Map<string, StoredRoom[]>();
  private readonly listeners = new Set<(event: RoomStoreEvent) => void>();
  private nextSeq = 1;
  private readonly now: () => number;

  constructor(private readonly options: RoomStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  create(ownerClientId: string, input: NewRoom): StoredRoom {
    const createdAtMs = this.now();
    const status = input.status ?? 'waiting';
    const room: StoredRoom = {
      id: newRoomId(this.options.unprefixedIds !== true),
      ownerClientId,
      name: input.name,
      maxParticipants: input.maxParticipants,
      isPrivate: input.isPrivate,
      recording: input.recording,
      createdAtMs,
      status,
      activeSinceMs: status === 'waiting' ? undefined : createdAtMs,
      closedAtMs: status === 'closed' ? createdAtMs : undefined,
      participants: new Map(),
      seq: this.nextSeq++,
      wireCache: undefined,
    };
    this.rooms.set(room.id, room);
    let owned = this.byOwner.get(ownerClientId);
    if (owned === undefined) {
      owned = [];
      this.byOwner.set(ownerClientId, owned);
    }
    owned.push(room);
    this.publish({ type: 'room.created', room, atMs: room.createdAtMs });
    return room;
  }

  get(roomId: string): StoredRoom | undefined {
    return this.rooms.get(roomId);
  }

  /** A client's rooms in creation order, after `afterSeq`, optionally filtered by status. */
  list(ownerClientId: string, query: { status?: StoredRoomStatus; afterSeq?: number; limit: number }): StoredRoom[] {
    const owned = this.byOwner.get(ownerClientId) ?? [];
    const page: StoredRoom[] = [];
    for (let i = firstAfter(owned, query.afterSeq ?? 0); i < owned.length && page.length < query.limit; i += 1) {
      const room = owned[i] as StoredRoom;
      if (query.status === undefined || room.status === query.status) page.push(room);
    }
    return page;
  }

  /**
   * Every client's rooms in creation order, filtered like `list`: what the
   * `cross-client-list` fault answers. A scan of every room; only that fault uses it.
   */
  listEveryClient(query: { status?: StoredRoomStatus; afterSeq?: number; limit: number }): StoredRoom[] {
    const page: StoredRoom[] = [];
    for (const room of this.rooms.values()) {
      if (page.length >= query.limit) break;
      if (room.seq > (query.afterSeq ?? 0) && (query.status === undefined || room.status === query.status)) page.push(room);
    }
    return page;
  }

  /** Close a room: every participant is disconnected (each fires participant.left), then room.closed. */
  close(roomId: string): StoredRoom | undefined {
    const room = this.rooms.get(roomId);
    if (room === undefined || room.status === 'closed') return room;
    for (const participant of [...room.participants.values()]) this.leave(roomId, participant.id);
    room.status = 'closed';
    room.closedAtMs = this.now();
    this.publish({ type: 'room.closed', room, atMs: room.closedAtMs });
    return room;
  }

  join(roomId: string, name: string): JoinOutcome {
    const room = this.rooms.get(roomId);
    if (room === undefined) return { ok: false, reason: 'room_not_found' };
    if (room.status === 'closed') return { ok: false, reason: 'room_closed' };
    if (room.participants.size >= room.maxParticipants) return { ok: false, reason: 'room_full' };
    const participant: StoredParticipant = { id: newParticipantId(), name, joinedAtMs: this.now() };
    room.participants.set(participant.id, participant);
    if (room.status === 'waiting') {
      room.status = 'active';
      room.activeSinceMs = participant.joinedAtMs;
    }
    this.publish({ type: 'participant.joined', room, participant, atMs: participant.joinedAtMs });
    return { ok: true, room, participant };
  }

  /** Returns false when the participant was not in the room (already left). */
  leave(roomId: string, participantId: string): boolean {
    const room = this.rooms.get(roomId);
    const participant = room?.participants.get(participantId);
    if (room === undefined || participant === undefined) return false;
    room.participants.delete(participantId);
    this.publish({ type: 'participant.left', room, participant, atMs: this.now() });
    return true;
  }

  /** Whole seconds the room has been active: 0 while waiting, frozen once closed. */
  durationSeconds(room: StoredRoom): number {
    if (room.activeSinceMs === undefined) return 0;
    const end = room.closedAtMs ?? this.now();
    return Math.max(0, Math.floor((end - room.activeSinceMs) / 1000));
  }

  get size(): number {
    return this.rooms.size;
  }

  subscribe(listener: (event: RoomStoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(event: RoomStoreEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/** Index of the first room with seq > afterSeq (rooms are in ascending seq order). */
function firstAfter(rooms: readonly StoredRoom[], afterSeq: number): number {
  let low = 0;
  let high = rooms.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((rooms[mid] as StoredRoom).seq <= afterSeq) low = mid + 1;
    else high = mid;
  }
  return low;
}
