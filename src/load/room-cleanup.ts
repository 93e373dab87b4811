import { setMaxListeners } from 'node:events';
import type { ProfileClient, RoomView } from '../profile/profile-client.js';
import type { RoomState } from '../profile/types.js';
import type { CleanupReport } from '../model/load-summary.js';
export type { CleanupReport };

const PARALLEL = 8;
const PASSES = 3;
/** Ids printed and reported for what is left open; the count is always exact. */
const MAX_IDS_REPORTED = 100;
/** After cleanup was cut short, one listing of this length says what is still open. */
const REPORT_BUDGET_MS = 3000;

export interface CleanupOptions {
  /** Cleanup's whole budget, ms. */
  deadlineMs: number;
  /** SIGINT/SIGTERM: stops closing at once (the last listing still runs, within REPORT_BUDGET_MS). */
  signal: AbortSignal;
  /** Each room closed, as it is. */
  onClosed?: (roomId: string) => void;
}

/** The states a room of the run is open in (every state but closed). */
const OPEN: readonly RoomState[] = ['waiting', 'active'];

/**
 * Close every room the run created that is still open, then say truthfully
 * what is left. Rooms are found by the run's name prefix through the
 * profile's list operation (every page, in the open states when the profile
 * maps a status) rather than from ids kept during the run, so memory stays
 * flat however many rooms a long soak creates. A few passes cover rooms that
 * paging skipped while earlier pages were being closed.
 *
 * What is left open is always a listing, never an assumption: after the last
 * pass the rooms are listed once more; when the budget ran out or a signal
 * cut cleanup short, one more listing with a small budget of its own says
 * what is still open. Only if that too fails is the figure the rooms known
 * open minus those closed, marked unverified.
 */
export async function cleanupRooms(client: ProfileClient, namePrefix: string, options: CleanupOptions): Promise<CleanupReport> {
  const work = new AbortController();
  // PARALLEL closes share this signal and each request adds an abort listener (undici adds its
  // own too): a bounded fan-out, not a leak, so raise the warning threshold to what it can reach.
  setMaxListeners(PARALLEL * 4, work.signal);
  const timer = setTimeout(() => work.abort(new CleanupCut('deadline')), options.deadlineMs);
  const onSignal = () => work.abort(new CleanupCut('signal'));
  options.signal.addEventListener('abort', onSignal, { once: true });
  const report: CleanupReport = { deleted: 0, failed: 0, leftOver: 0, leftOpen: [], verified: false, listRequests: 0 };
  const closed = new Set<string>();
  let known: RoomView[] = [];
  try {
    known = await openRooms(client, namePrefix, work.signal, report);
    for (let pass = 0; pass < PASSES && known.length > 0; pass++) {
      for (let i = 0; i < known.length; i += PARALLEL) {
        const batch = known.slice(i, i + PARALLEL);
        const results = await Promise.allSettled(batch.map((room) => client.closeRoom(room, { signal: work.signal })));
        results.forEach((result, j) => {
          if (result.status === 'fulfilled') {
            report.deleted += 1;
            closed.add(batch[j]!.id);
            options.onClosed?.(batch[j]!.id);
          } else report.failed += 1;
        });
        if (work.signal.aborted) throw work.signal.reason;
      }
      known = await openRooms(client, namePrefix, work.signal, report);
    }
    finish(report, known, true);
  } catch (error) {
    const reason = work.signal.aborted ? work.signal.reason : error;
    if (reason instanceof CleanupCut) report.cutShort = reason.why;
    report.error = reason instanceof CleanupCut ? reason.message : (reason as Error).message;
    // What is still open, from a listing of its own (the budget above is spent or cut).
    try {
      finish(report, await openRooms(client, namePrefix, AbortSignal.timeout(REPORT_BUDGET_MS), report), true);
    } catch {
      finish(
        report,
        known.filter((room) => !closed.has(room.id)),
        false,
      );
    }
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onSignal);
  }
  return report;
}

function finish(report: CleanupReport, open: readonly RoomView[], verified: boolean): void {
  report.leftOver = open.length;
  report.leftOpen = open.slice(0, MAX_IDS_REPORTED).map((room) => room.id);
  report.verified = verified;
}

async function openRooms(client: ProfileClient, namePrefix: string, signal: AbortSignal, report: CleanupReport): Promise<RoomView[]> {
  return client.listRunRooms(namePrefix, { signal, states: OPEN, onPage: () => (report.listRequests += 1) });
}

/** Why cleanup stopped before it was done. */
class CleanupCut extends Error {
  constructor(readonly why: 'deadline' | 'signal') {
    super(why === 'deadline' ? 'cleanup ran out of time' : 'cleanup was cut short by a signal');
    this.name = 'CleanupCut';
  }
}

/** The run's rooms by name after the run: how many, and how many a create made twice. */
export interface DuplicateAudit {
  rooms: number;
  duplicates: number;
  /** List requests (pages) the audit made. */
  listRequests: number;
  /** A few names that more than one room has, with their ids (evidence). */
  examples: { name: string; ids: string[] }[];
}

/**
 * List every room of the run (every state, all pages) and count the rooms
 * beyond the first that share a name: each create has a name of its own
 * (and its own Idempotency-Key, which a retry repeats), so two rooms with one
 * name are one create done twice. Rooms an API forgets once closed are not
 * seen; the room a lost answer created is never known to the run, so it is
 * never closed by it and is always there to count.
 */
export async function auditDuplicates(client: ProfileClient, namePrefix: string, signal: AbortSignal): Promise<DuplicateAudit> {
  let listRequests = 0;
  const rooms = await client.listRunRooms(namePrefix, { signal, onPage: () => (listRequests += 1) });
  const byName = new Map<string, string[]>();
  for (const room of rooms) {
    if (room.name === undefined) continue;
    byName.set(room.name, [...(byName.get(room.name) ?? []), room.id]);
  }
  const doubled = [...byName.entries()].filter(([, ids]) => ids.length > 1);
  return {
    rooms: rooms.length,
    duplicates: doubled.reduce((sum, [, ids]) => sum + ids.length - 1, 0),
    listRequests,
    examples: doubled.slice(0, 5).map(([name, ids]) => ({ name, ids })),
  };
}
