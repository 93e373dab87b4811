import type { CheckResult } from '../model/result.js';
import type { ProfileClient, RoomView } from '../profile/profile-client.js';
import type { RoomState } from '../profile/types.js';

export interface ExpectedRoomState {
  roomId: string;
  participantCount: number;
  /** State the API must report (when the profile maps a status); undefined means "any". */
  state?: RoomState;
}

/**
 * Poll the profile's get operation until every room reports the true
 * participant count (and state, where the profile maps a status), or the
 * propagation budget runs out. The true values come from the browsers
 * themselves (who is joined), not from the API. A profile that maps no
 * participant count makes this a skip that says so: the API promises nothing
 * roomgate could read.
 */
export async function checkRoomConsistency(
  client: ProfileClient,
  expected: readonly ExpectedRoomState[],
  options: { name: string; budgetMs: number; pollMs?: number; signal: AbortSignal },
): Promise<CheckResult> {
  const started = Date.now();
  const base = { name: options.name, group: 'api-consistency' };
  if (expected.length === 0) {
    return { ...base, status: 'skipped', reason: 'no room created by the step (joined URLs given directly)', durationMs: 0 };
  }
  if (!client.api.has('participantCount')) {
    return {
      ...base,
      status: 'skipped',
      reason: `the target profile (${client.api.profile.name}) maps no participant count (fields.participantCount), so what the API says about who is in cannot be read`,
      durationMs: 0,
    };
  }
  const judgesState = client.api.has('status');
  const holds = (room: RoomView, e: ExpectedRoomState) =>
    room.participantCount === e.participantCount && (!judgesState || e.state === undefined || room.state === e.state);
  const last = new Map<string, RoomView | string>();
  const pending = new Set(expected.map((e) => e.roomId));
  let polls = 0;
  while (pending.size > 0 && !options.signal.aborted) {
    polls++;
    await Promise.all(
      expected
        .filter((e) => pending.has(e.roomId))
        .map(async (e) => {
          try {
            const room = await client.getRoom(e.roomId, { signal: options.signal });
            if (room === undefined) {
              last.set(e.roomId, 'the API says the room does not exist');
              return;
            }
            last.set(e.roomId, room);
            if (holds(room, e)) pending.delete(e.roomId);
          } catch (error) {
            last.set(e.roomId, (error as Error).message);
          }
        }),
    );
    if (pending.size === 0 || Date.now() - started >= options.budgetMs) break;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
  }
  const durationMs = Date.now() - started;
  if (pending.size === 0) return { ...base, status: 'passed', observations: polls * expected.length, durationMs };
  const wrong = expected.filter((e) => pending.has(e.roomId));
  const describe = (e: ExpectedRoomState) => {
    const seen = last.get(e.roomId);
    return typeof seen === 'string' || seen === undefined
      ? `could not read: ${seen ?? 'no answer'}`
      : `participant count ${seen.participantCount ?? 'absent'}${judgesState ? `, status ${seen.status ?? 'absent'}` : ''}`;
  };
  const get = client.api.profile.rooms.get.resolved;
  return {
    ...base,
    status: 'failed',
    durationMs,
    message: `${wrong.length} of ${expected.length} rooms did not reach the true state within ${options.budgetMs} ms: ${wrong
      .map((e) => `${e.roomId} shows ${describe(e)}`)
      .join('; ')}`,
    evidence: wrong.map((e) => ({
      expected: `${get.operationId} of ${e.roomId} reports participant count ${e.participantCount}${judgesState && e.state !== undefined ? ` and state ${e.state}` : ''} within ${options.budgetMs} ms`,
      actual: `after ${polls} polls over ${durationMs} ms it reports ${describe(e)}`,
    })),
  };
}
