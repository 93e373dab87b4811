import { ApiError, VideoConnectClient } from '../../target/client.js';
import type { Target } from '../../target/target.js';

/**
 * Pact verification creates rooms on the target, and on a real API they stay
 * open unless someone closes them: the provider state "a room exists" makes
 * one, and the pact's own create interaction makes another. The relay in
 * front of the verifier saw both answers; this closes every one of them
 * through the typed client, within a deadline of its own.
 *
 * The run's signal cuts the cleanup short only when it arrives during the
 * cleanup: a verification stopped by Ctrl-C still gets its bounded attempt to
 * close what it opened (the interrupt promises "cleaning up"; a second Ctrl-C
 * exits at once). Whatever is not closed is reported with its id.
 */
export interface PactRoomCleanup {
  closed: string[];
  leftOpen: { id: string; why: string }[];
}

/** The whole cleanup's bound, and each close's. */
const CLEANUP_BUDGET_MS = 15_000;
const CLOSE_TIMEOUT_MS = 5_000;

export async function closePactRooms(target: Target, ids: readonly string[], runSignal: AbortSignal, budgetMs = CLEANUP_BUDGET_MS): Promise<PactRoomCleanup> {
  const result: PactRoomCleanup = { closed: [], leftOpen: [] };
  if (ids.length === 0) return result;
  // A signal that already fired (the verification was interrupted) does not stop the cleanup; one that fires now does.
  const watchesRun = !runSignal.aborted;
  const signal = AbortSignal.any([AbortSignal.timeout(budgetMs), ...(watchesRun ? [runSignal] : [])]);
  const stopped = () => (watchesRun && runSignal.aborted ? 'the cleanup was cut short by the interrupt' : `the cleanup's ${budgetMs / 1000} s ran out`);
  const client = new VideoConnectClient({ baseUrl: target.baseUrl, credentials: target.credentials, timeoutMs: Math.min(CLOSE_TIMEOUT_MS, budgetMs) });
  for (const id of ids) {
    if (signal.aborted) {
      result.leftOpen.push({ id, why: stopped() });
      continue;
    }
    try {
      await client.deleteRoom(id, { signal });
      result.closed.push(id);
    } catch (error) {
      // Already gone or already closed: nothing is left open.
      if (error instanceof ApiError && (error.status === 404 || error.status === 410)) result.closed.push(id);
      else result.leftOpen.push({ id, why: signal.aborted ? stopped() : (error as Error).message });
    }
  }
  return result;
}
