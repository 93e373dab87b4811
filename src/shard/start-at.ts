import { sleep } from '../abortable-sleep.js';
import { parseDuration } from '../config/duration.js';
import { UsageError } from '../errors.js';

/** How this shard met the synchronized start of its measured phase (in the step summary, for `merge`). */
export interface StartSync {
  /** The agreed start, ISO. */
  startAt: string;
  /** How far past the agreed start the measured phase began (0 when on time), ms. */
  lateMs: number;
  /** How long the step waited for it after its setup, ms. */
  waitedMs: number;
  /**
   * The setup itself ended after the agreed start (the shard could not wait at all). A shard
   * that waited is still a few ms "late" (a timer fires after its time): that is in `lateMs`,
   * for the merge's skew, but it is not worth a warning.
   */
  setupOverran: boolean;
}

/**
 * `--start-at`: an ISO time (`2026-05-01T10:00:00Z`), or `+30s` relative to
 * `base`, an ISO time every shard is given (`--start-base` /
 * `ROOMGATE_START_BASE`, e.g. a CI job's output or a value templated into the
 * Kubernetes Job). Relative to each shard's own clock would not synchronize
 * anything, so a relative start without a base is a usage error.
 */
export function parseStartAt(text: string, base: string | undefined): number {
  const trimmed = text.trim();
  if (trimmed.startsWith('+')) {
    const offset = parseDuration(trimmed.slice(1));
    if (offset === undefined)
      throw new UsageError(`--start-at "${text}": "${trimmed.slice(1)}" is not a duration`, { hint: 'e.g. --start-at +30s --start-base 2026-05-01T10:00:00Z' });
    if (base === undefined || base === '') {
      throw new UsageError(`--start-at "${text}" is relative, but no base time was given`, {
        hint: 'give every shard the same base: --start-base <ISO time> or ROOMGATE_START_BASE (e.g. the time the CI pipeline or Job was created)',
      });
    }
    return isoMs(base, '--start-base') + offset;
  }
  return isoMs(trimmed, '--start-at');
}

function isoMs(text: string, from: string): number {
  // An ISO time with an explicit zone only: a local time would mean different instants on differently configured hosts.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text.trim()) || Number.isNaN(Date.parse(text))) {
    throw new UsageError(`${from} "${text}" is not an ISO time with a time zone`, {
      hint: 'e.g. 2026-05-01T10:00:00Z (date -u +%FT%TZ prints the current one)',
    });
  }
  return Date.parse(text);
}

/**
 * Waits until `startAtMs` (or the signal aborts). A shard that arrives after
 * it starts at once and says how late it was: the merge judges the skew.
 */
export async function waitForStart(startAtMs: number, signal: AbortSignal): Promise<StartSync> {
  const arrived = Date.now();
  const waitMs = startAtMs - arrived;
  await sleep(waitMs, signal);
  const began = Date.now();
  return { startAt: new Date(startAtMs).toISOString(), lateMs: Math.max(0, began - startAtMs), waitedMs: began - arrived, setupOverran: waitMs <= 0 };
}
