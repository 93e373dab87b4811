import { ConfigError } from '../errors.js';
import { ProfileApiError } from '../profile/http-exchange.js';
import type { ProfileClient } from '../profile/profile-client.js';
import type { TargetProfile } from '../profile/types.js';
import { loadSpec } from '../spec/load-spec.js';
import type { LoadOperations } from './load-operations.js';
import { LOAD_DEFAULTS, type LoadStepOptions } from './options.js';
import { auditDuplicates, cleanupRooms, type CleanupReport, type DuplicateAudit } from './room-cleanup.js';
import type { RoomWorkload } from './room-workload.js';
import { SchemaSampler } from './schema-sampler.js';

/** Cleanup's whole budget after a run that ended normally. */
const CLEANUP_DEADLINE_MS = 60_000;
/**
 * After an interruption the runner waits 15 s for the step to return (its
 * grace): cleanup gets a budget well inside it, and says what it left.
 */
const CLEANUP_AFTER_INTERRUPTION_MS = 8_000;
const AUDIT_DEADLINE_MS = 30_000;

/** What cleanup did, or why it did not run. */
export type CleanupOutcome = CleanupReport | { skipped: true; reason: string };
export type AuditOutcome = DuplicateAudit | { skipped: true; reason: string };

/**
 * Setup is not measured, so a transient 5xx there should not end the run: retry
 * (same Idempotency-Key, so a retry never creates a second room) a few times.
 */
export async function retryServerErrors<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ProfileApiError) || error.status < 500 || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/**
 * The room pool gets and closes start from. Not measured; each create has the
 * run's name prefix and, when the profile maps one, its own Idempotency-Key,
 * so a retry never doubles a room and cleanup finds them all. `onCreated`
 * hears of each room as it is made.
 */
export async function createRoomPool(
  client: ProfileClient,
  workload: RoomWorkload,
  size: number,
  signal: AbortSignal,
  onCreated: (roomId: string, requestId: string) => void,
): Promise<number> {
  let created = 0;
  for (let i = 0; i < size && !signal.aborted; i++) {
    const requestId = `${workload.runTag}-pool-${i}`;
    const { room } = await retryServerErrors(() =>
      // No signal here: each create is short (bounded by the client's timeout) and the
      // loop checks for an interruption between them; passing the run's signal to
      // every setup request would pile abort listeners onto it.
      client.createRoom({ name: `${workload.namePrefix}pool-${i}`, idempotencyKey: requestId }, { requestId }),
    );
    created += 1;
    workload.addRoom(room.id);
    onCreated(room.id, requestId);
  }
  return created;
}

/**
 * The schema sampler, over the profile's own OpenAPI document (already
 * loaded with the profile), or the one the step's `spec:` names.
 */
export async function loadSampler(options: LoadStepOptions, profile: TargetProfile, operations: LoadOperations): Promise<SchemaSampler | undefined> {
  const rate = options.schemaSampleRate ?? LOAD_DEFAULTS.schemaSampleRate;
  if (rate === 0) return undefined;
  const document =
    options.specPath === undefined
      ? profile.spec.document
      : await loadSpec(options.specPath).catch((error: unknown) => {
          throw error instanceof ConfigError
            ? new ConfigError(error.message, { path: 'load.spec', ...(error.hint === undefined ? {} : { hint: error.hint }), cause: error })
            : error;
        });
  return SchemaSampler.create(document, profile, operations, rate);
}

/** Why the run's rooms cannot be found by listing them, or undefined when they can. */
function unlistable(client: ProfileClient): string | undefined {
  if (!client.api.has('list')) return "the target profile maps no rooms.list operation, so the run's rooms cannot be found";
  if (!client.api.has('name')) return "the target profile maps no room name (fields.name), so the run's rooms cannot be found by their name prefix";
  return undefined;
}

/**
 * Close every room of the run still open (see cleanupRooms). After an
 * interruption (`signal` already aborted) it has a short budget of its own;
 * a signal that arrives during cleanup cuts it short. `problem` says what
 * went wrong when cleanup did not finish or left rooms open.
 */
export async function cleanupAfter(
  client: ProfileClient,
  workload: RoomWorkload,
  options: LoadStepOptions,
  signal: AbortSignal,
  onClosed: (roomId: string) => void,
): Promise<{ report: CleanupOutcome; problem?: string }> {
  if (options.cleanup === false) return { report: { skipped: true, reason: 'cleanup: false' } };
  const why = unlistable(client);
  if (why !== undefined) return { report: { skipped: true, reason: why }, problem: `skipped: ${why}` };
  const interrupted = signal.aborted;
  const report = await cleanupRooms(client, workload.namePrefix, {
    deadlineMs: interrupted ? CLEANUP_AFTER_INTERRUPTION_MS : CLEANUP_DEADLINE_MS,
    // After an interruption nothing can cut it shorter than its budget (a second signal exits the process).
    signal: interrupted ? new AbortController().signal : signal,
    onClosed,
  });
  const problems = [
    ...(report.error === undefined ? [] : [report.error]),
    ...(report.verified === false
      ? [
          `what is left open is unknown: the run's rooms could not be listed${report.leftOver === 0 ? '' : `; at least ${report.leftOver}: ${report.leftOpen?.join(', ') ?? ''}`}`,
        ]
      : report.leftOver === 0
        ? []
        : [`${report.leftOver} of the run's rooms left open: ${report.leftOpen?.join(', ') ?? ''}`]),
  ];
  return problems.length === 0 ? { report } : { report, problem: problems.join('; ') };
}

/** The duplicate audit (`duplicate_rooms`), when the profile lets the run's rooms be listed by name. */
export async function auditAfter(client: ProfileClient, workload: RoomWorkload, signal: AbortSignal): Promise<AuditOutcome> {
  const why = unlistable(client);
  if (why !== undefined) return { skipped: true, reason: why };
  const budget = AbortSignal.any([signal, AbortSignal.timeout(AUDIT_DEADLINE_MS)]);
  try {
    return await auditDuplicates(client, workload.namePrefix, budget);
  } catch (error) {
    return { skipped: true, reason: `listing the run's rooms failed: ${(error as Error).message}` };
  }
}
