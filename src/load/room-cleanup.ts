import type { VideoConnectClient } from '../target/client.js';
import { setMaxListeners } from 'node:events';
import type { CleanupReport } from '../model/load-summary.js';
export type { CleanupReport };

const PAGE = 100;
const PARALLEL = 8;
const PASSES = 3;

/**
 * Delete every room the run created and that is still open. Rooms are found by
 * the run's name prefix through `GET /v1/rooms?status=…` rather than from a
 * list of ids kept during the run, so memory stays flat however many rooms a
 * long soak creates. A few passes cover rooms that cursor pagination skipped
 * while earlier pages were being closed.
 */
export async function cleanupRooms(client: VideoConnectClient, namePrefix: string, signal: AbortSignal): Promise<CleanupReport> {
  // PARALLEL deletes share this one deadline signal and each request adds an abort
  // listener (undici adds its own too): a bounded fan-out, not a leak, so raise
  // the warning threshold to what this function can legitimately reach.
  setMaxListeners(PARALLEL * 4, signal);
  const report: CleanupReport = { deleted: 0, failed: 0, leftOver: 0, listRequests: 0 };
  try {
    for (let pass = 0; pass < PASSES; pass++) {
      const ids = await openRoomsOfRun(client, namePrefix, signal, report);
      if (pass === PASSES - 1 || ids.length === 0) {
        report.leftOver = ids.length;
        if (ids.length === 0 || pass === PASSES - 1) break;
      }
      for (let i = 0; i < ids.length; i += PARALLEL) {
        const results = await Promise.allSettled(ids.slice(i, i + PARALLEL).map((id) => client.deleteRoom(id, { signal })));
        for (const result of results) {
          if (result.status === 'fulfilled') report.deleted += 1;
          else report.failed += 1;
        }
      }
    }
  } catch (error) {
    report.error = (error as Error).message;
  }
  return report;
}

async function openRoomsOfRun(client: VideoConnectClient, namePrefix: string, signal: AbortSignal, report: CleanupReport): Promise<string[]> {
  const ids: string[] = [];
  for (const status of ['waiting', 'active'] as const) {
    let cursor: string | undefined;
    do {
      report.listRequests += 1;
      const page = await client.listRooms({ status, limit: PAGE, ...(cursor === undefined ? {} : { cursor }) }, { signal });
      for (const room of page.data) if (room.name.startsWith(namePrefix)) ids.push(room.room_id);
      cursor = page.has_more && page.next_cursor !== null ? page.next_cursor : undefined;
    } while (cursor !== undefined);
  }
  return ids;
}
