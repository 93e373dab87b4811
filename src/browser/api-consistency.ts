import type { CheckResult } from '../model/result.js';
import type { Room } from '../target/api-types.js';
import type { VideoConnectClient } from '../target/client.js';

export interface ExpectedRoomState {
  roomId: string;
  participantCount: number;
  /** Status the API must report; undefined means "any". */
  status?: Room['status'];
}

/**
 * Poll GET /v1/rooms/{id} until every room reports the true participant_count
 * (and status), or the propagation budget runs out. The true values come from
 * the browsers themselves (who is joined), not from the API.
 */
export async function checkRoomConsistency(
  client: VideoConnectClient,
  expected: readonly ExpectedRoomState[],
  options: { name: string; budgetMs: number; pollMs?: number; signal: AbortSignal },
): Promise<CheckResult> {
  const started = Date.now();
  const base = { name: options.name, group: 'api-consistency' };
  if (expected.length === 0) {
    return { ...base, status: 'skipped', reason: 'no room created by the step (joined URLs given directly)', durationMs: 0 };
  }
  const last = new Map<string, Room | string>();
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
            last.set(e.roomId, room);
            if (room.participant_count === e.participantCount && (e.status === undefined || room.status === e.status)) pending.delete(e.roomId);
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
      : `participant_count ${seen.participant_count}, status ${seen.status}`;
  };
  return {
    ...base,
    status: 'failed',
    durationMs,
    message: `${wrong.length} of ${expected.length} rooms did not reach the true state within ${options.budgetMs} ms: ${wrong
      .map((e) => `${e.roomId} shows ${describe(e)}`)
      .join('; ')}`,
    evidence: wrong.map((e) => ({
      expected: `GET /v1/rooms/${e.roomId} reports participant_count ${e.participantCount}${e.status === undefined ? '' : ` and status ${e.status}`} within ${options.budgetMs} ms`,
      actual: `after ${polls} polls over ${durationMs} ms it reports ${describe(e)}`,
    })),
  };
}
