import type { ResolvedOperation, TargetProfile } from '../profile/types.js';

/**
 * The operations the checks name, and where the target profile maps each of
 * them. A check speaks of `createRoom` or `deleteRoom`; the profile says which
 * operation of the user's document that is (`CreateMeeting`, a Twirp
 * `DeleteRoom`, a `POST /Rooms/{Sid}` that sets a status). The names stay the
 * reference's so check ids and citations (`{createRoom}`) read the same for
 * every API; the operations behind them are the profile's.
 */
export const GATE_ROLES = {
  issueToken: 'auth.token',
  createRoom: 'rooms.create',
  getRoom: 'rooms.get',
  listRooms: 'rooms.list',
  /** The close role: a DELETE, or an update that sets a closed status. */
  deleteRoom: 'rooms.close',
  createJoinToken: 'rooms.joinToken',
  createWebhook: 'rooms.webhooks.subscribe',
  deleteWebhook: 'rooms.webhooks.unsubscribe',
} as const;

export type GateRole = keyof typeof GATE_ROLES;

/** The profile's operation for a role, or undefined when the profile maps none. */
export function resolvedRole(profile: TargetProfile, role: GateRole): ResolvedOperation | undefined {
  const { rooms, auth } = profile;
  switch (role) {
    case 'issueToken':
      return auth.kind === 'client-credentials' ? auth.token.resolved : undefined;
    case 'createRoom':
      return rooms.create.resolved;
    case 'getRoom':
      return rooms.get.resolved;
    case 'listRooms':
      return rooms.list?.resolved;
    case 'deleteRoom':
      return rooms.close.resolved;
    case 'createJoinToken':
      return rooms.joinToken?.resolved;
    case 'createWebhook':
      return rooms.webhooks?.kind === 'api' ? rooms.webhooks.subscribe.resolved : undefined;
    case 'deleteWebhook':
      return rooms.webhooks?.kind === 'api' ? rooms.webhooks.unsubscribe?.resolved : undefined;
  }
}

/** How a message names a role's operation: the user's operationId (`FetchRoom`), else the role. */
export function roleName(profile: TargetProfile, role: GateRole): string {
  return resolvedRole(profile, role)?.operationId ?? role;
}
