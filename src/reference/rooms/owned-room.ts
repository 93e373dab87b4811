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
