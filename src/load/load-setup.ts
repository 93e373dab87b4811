import { access } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { ApiError, type VideoConnectClient } from '../target/client.js';
import { LOAD_DEFAULTS, type LoadStepOptions } from './options.js';
import { cleanupRooms, type CleanupReport } from './room-cleanup.js';
import type { RoomWorkload } from './room-workload.js';
import { SchemaSampler } from './schema-sampler.js';

const CLEANUP_DEADLINE_MS = 60_000;

/** What cleanup did, or why it did not run. */
export type CleanupOutcome = CleanupReport | { skipped: true; reason: string };

/**
 * Setup is not measured, so a transient 5xx there should not end the run: retry
 * (same Idempotency-Key, so a retry never creates a second room) a few times.
 */
export async function retryServerErrors<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status < 500 || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/**
 * The room pool gets and deletes start from. Not measured; each create has the
 * run's name prefix and its own Idempotency-Key, so a retry never doubles a
 * room and cleanup finds them all. Returns how many were created.
 */
export async function createRoomPool(client: VideoConnectClient, workload: RoomWorkload, size: number, signal: AbortSignal): Promise<number> {
  let created = 0;
  for (let i = 0; i < size && !signal.aborted; i++) {
    const { room } = await retryServerErrors(() =>
      client.createRoom(
        { name: `${workload.namePrefix}pool-${i}`, max_participants: 10 },
        // No signal here: each create is short (bounded by the client's timeout) and the
        // loop checks for an interruption between them; passing the run's signal to
        // every setup request would pile abort listeners onto it.
        { idempotencyKey: `${workload.runTag}-pool-${i}` },
      ),
    );
    created += 1;
    workload.addRoom(room.room_id);
  }
  return created;
}

export async function loadSampler(options: LoadStepOptions, log: (level: 'info' | 'warn', message: string) => void): Promise<SchemaSampler | undefined> {
  const rate = options.schemaSampleRate ?? LOAD_DEFAULTS.schemaSampleRate;
  if (rate === 0) return undefined;
  const path = options.specPath ?? LOAD_DEFAULTS.specPath;
  try {
    await access(path);
  } catch {
    if (options.specPath !== undefined) throw new ConfigError(`the OpenAPI document ${path} does not exist`, { path: 'load.spec' });
    log('warn', `no OpenAPI document at ${path}: responses are not schema-checked under load (schema_violations has no data)`);
    return undefined;
  }
  return SchemaSampler.load(path, rate);
}

export async function cleanupAfter(
  client: VideoConnectClient,
  workload: RoomWorkload,
  options: LoadStepOptions,
): Promise<{ report: CleanupOutcome; kind: string }> {
  if (options.cleanup === false) return { report: { skipped: true, reason: 'cleanup: false' }, kind: '' };
  const report = await cleanupRooms(client, workload.namePrefix, AbortSignal.timeout(CLEANUP_DEADLINE_MS));
  return { report, kind: report.error === undefined ? '' : ` (cleanup: ${report.error})` };
}
