import type { FaultName, FaultSet } from '../faults.js';
import { ApiProblem } from '../http/api-problem.js';
import type { RoomStore, StoredRoom } from './room-store.js';

export function roomNotFound(roomId: string): ApiProblem {
  return new ApiProblem(404, 'room_not_found', `No room with id ${roomId} exists.`);
}

/** The caller's room; undefined also for other clients' rooms (their existence is not disclosed). */
export function findOwnedRoom(store: RoomStore, clientId: string, roomId: string): StoredRoom | undefined {
  const room = store.get(roomId);
  return room !== undefined && room.ownerClientId === clientId ? room : undefined;
}

/** What a client does to one room by its id. */
export type RoomAction = 'read' | 'close' | 'mint-join-token';

/** The fault that lets one action through for another client's room (and only that action). */
const CROSS_CLIENT_FAULTS = {
  read: 'cross-client-read',
  close: 'cross-client-close',
  'mint-join-token': 'cross-client-join-token',
} as const satisfies Record<RoomAction, FaultName>;

export type RoomFinder = (clientId: string, roomId: string, action: RoomAction) => StoredRoom | undefined;

/**
 * The room a client may act on: its own, else undefined (a 404, as for a room
 * that does not exist). Under a cross-client fault, any client's room for
 * that one action. The faults are looked up once here, not per request (the
 * GET hot path calls this).
 */
export function roomFinder(store: RoomStore, faults: FaultSet): RoomFinder {
  const crossClient = new Set((Object.keys(CROSS_CLIENT_FAULTS) as RoomAction[]).filter((action) => faults.has(CROSS_CLIENT_FAULTS[action])));
  if (crossClient.size === 0) return (clientId, roomId) => findOwnedRoom(store, clientId, roomId);
  return (clientId, roomId, action) => (crossClient.has(action) ? store.get(roomId) : findOwnedRoom(store, clientId, roomId));
}
