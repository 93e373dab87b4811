import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rm, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * A run folder holds one run. Two runs writing into one folder (a reused
 * `--out` in a CI script, two jobs given the same path) would interleave
 * their events.ndjson and keep only the later report, so a run takes the
 * folder with a lock file naming it (PID, host, run id, command) before it
 * writes anything, and removes it when its reports are written. A second run
 * is refused with exit 2 and the first run's name; a lock left by a run that
 * died (SIGKILL, a crash: its PID is gone, or now belongs to another process)
 * is taken over. The lock is also how a reader tells a run folder that is
 * still being written from a finished one.
 *
 * Hand-written rather than proper-lockfile & co.: those judge staleness by
 * age, but a soak legitimately holds its folder for hours; only the owner's
 * PID tells a dead run from a long one.
 */
export const LOCK_FILE = '.roomgate.lock';

/** Files a run writes at the top of its folder; a new run in a reused folder starts without the old ones. */
const RUN_FILES = ['events.ndjson', 'report.json', 'junit.xml', 'summary.md', 'report.html'] as const;

export interface LockOwner {
  pid: number;
  host: string;
  /** Process start time (Linux: clock ticks since boot, /proc/<pid>/stat field 22): tells a reused PID from the owner. */
  started?: number;
  runId: string;
  /** What the run is, for the message the other run gets: `roomgate contract`. */
  command: string;
  at: string;
}

export interface RunFolderLock {
  dir: string;
  /** Remove the lock if it is still ours. Never throws. */
  release(): Promise<void>;
}

/**
 * Take `dir` for one run: create it, refuse it when another live run holds
 * it, take it over from a dead one, and clear the previous run's report
 * files (events.ndjson above all, which would otherwise be appended to).
 */
export async function lockRunFolder(dir: string, who: { runId: string; command: string }): Promise<RunFolderLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const started = processStart(process.pid);
  const mine: LockOwner = {
    pid: process.pid,
    host: hostname(),
    ...(started === undefined ? {} : { started }),
    runId: who.runId,
    command: who.command,
    at: new Date().toISOString(),
  };
  const text = `${JSON.stringify(mine)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(text);
      } finally {
        await handle.close();
      }
      await Promise.all(RUN_FILES.map((name) => rm(join(dir, name), { force: true })));
      return { dir, release: () => releaseLock(path, text) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = await readFile(path, 'utf8').catch(() => undefined);
    // Gone in between (its run just ended), or still being written by a run that got there first.
    if (held === undefined) continue;
    const owner = parseOwner(held);
    if (owner === undefined) {
      // A lock file is written in one call right after its creation: give a run that is writing it a moment.
      if (attempt < 2) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
    } else if (ownerAlive(owner)) {
      throw new UsageError(
        `${describeDir(dir)} is in use by another run: ${owner.command} (run ${owner.runId}, PID ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`}, started ${owner.at})`,
        {
          hint:
            owner.host === hostname()
              ? 'give each run its own folder (--out), or wait for that run to finish'
              : `give each run its own folder (--out); if that run is gone, delete ${path}`,
        },
      );
    }
    // Dead owner (or an unreadable lock): take over, but only the lock we judged. Another run that
    // took it over a moment ago has written its own, which is then not removed here.
    if ((await readFile(path, 'utf8').catch(() => undefined)) === held) await unlink(path).catch(() => undefined);
  }
  throw new UsageError(`could not take the run folder ${describeDir(dir)}: its lock file ${path} keeps changing`, {
    hint: 'another run is starting in the same folder; give each run its own --out',
  });
}

/**
 * A fresh default run folder: `base`, or `base-2`, `base-3` … when another run
 * started in the same second (two CI jobs, two commands in one script) has it.
 * mkdir without `recursive` fails on an existing folder, so claiming is atomic.
 */
export async function claimRunFolder(base: string): Promise<string> {
  await mkdir(dirname(base), { recursive: true });
  for (let n = 1; n < 1000; n += 1) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      await mkdir(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`could not create a run folder next to ${base}: 1000 runs started in the same second`);
}

async function releaseLock(path: string, text: string): Promise<void> {
  try {
    if ((await readFile(path, 'utf8')) === text) await unlink(path);
  } catch {
    // already gone (or the folder was removed): nothing to release
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return {
      pid: value.pid,
      host: value.host,
      ...(typeof value.started === 'number' ? { started: value.started } : {}),
      runId: typeof value.runId === 'string' ? value.runId : '?',
      command: typeof value.command === 'string' ? value.command : 'roomgate',
      at: typeof value.at === 'string' ? value.at : '?',
    };
  } catch {
    return undefined;
  }
}

/** Another host's run cannot be checked from here: it counts as alive (the message says how to clear it). */
function ownerAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists, under another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The PID exists; after a reboot or a long time it may be another program's.
  const now = processStart(owner.pid);
  return owner.started === undefined || now === undefined || now === owner.started;
}

/** Start time of a process in clock ticks since boot (Linux), undefined elsewhere or when unreadable. */
function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

function describeDir(dir: string): string {
  return relative(process.cwd(), dir) || dir;
}
