import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockRunFolder } from '../../src/cli/run-folder.js';
import { UsageError } from '../../src/errors.js';

/**
 * A run folder holds one run (src/cli/run-folder.ts): a second live run is
 * refused naming the first, a dead run's lock is taken over, and a new run
 * never appends to the last run's events.ndjson.
 */
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'roomgate-run-folder-lock-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the run-folder lock', () => {
  it('refuses a second run while the first holds the folder (exit 2, naming it), and lets the next one in once it is released', async () => {
    const dir = join(work, 'shared');
    const first = await lockRunFolder(dir, { runId: 'run-a', command: 'roomgate load' });
    const second = lockRunFolder(dir, { runId: 'run-b', command: 'roomgate contract' });
    await expect(second).rejects.toBeInstanceOf(UsageError);
    await expect(second).rejects.toThrow(/is in use by another run: roomgate load \(run run-a, PID \d+, started /);
    await first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const third = await lockRunFolder(dir, { runId: 'run-c', command: 'roomgate load' });
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, runId: 'run-c' });
    await third.release();
  });

  it("takes over the lock of a run that died (its PID is gone) and starts without that run's report files", async () => {
    const dir = join(work, 'stale');
    await lockRunFolder(dir, { runId: 'dead', command: 'roomgate load' });
    // As a SIGKILLed run leaves it: its lock (now naming a PID no process has) and its events.
    await writeFile(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: 2 ** 22 + 7, host: hostname(), runId: 'dead', command: 'roomgate load', at: new Date().toISOString() }),
    );
    await writeFile(join(dir, 'events.ndjson'), '{"type":"run-start","runId":"dead"}\n');
    await writeFile(join(dir, 'report.json'), '{}');
    const next = await lockRunFolder(dir, { runId: 'next', command: 'roomgate load' });
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ runId: 'next' });
    expect(existsSync(join(dir, 'events.ndjson'))).toBe(false);
    expect(existsSync(join(dir, 'report.json'))).toBe(false);
    await next.release();
  });

  it("treats another host's lock as alive and says how to clear it", async () => {
    const dir = join(work, 'remote');
    await lockRunFolder(dir, { runId: 'x', command: 'roomgate load' }).then((lock) => lock.release());
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: `not-${hostname()}`, runId: 'remote-run', command: 'roomgate run', at: 'earlier' }));
    const refused = await lockRunFolder(dir, { runId: 'y', command: 'roomgate load' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as UsageError).message).toContain(`on not-${hostname()}`);
    expect((refused as UsageError).hint).toContain(`delete ${join(dir, LOCK_FILE)}`);
  });
});
