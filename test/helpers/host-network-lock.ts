import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One test file at a time builds network labs on this host: each such file
 * checks after every test that the host's namespaces, ruleset and links are
 * exactly as before, and vitest runs files in parallel forks, so a lab of
 * another file would show up as a leftover. The lock is a directory (mkdir
 * is atomic) holding its owner's pid; a lock whose owner is gone is taken
 * over. Returns the release function.
 */
export async function acquireHostNetworkLock(timeoutMs = 900_000): Promise<() => Promise<void>> {
  const dir = join(tmpdir(), 'roomgate-host-network.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(join(dir, 'owner'), String(process.pid));
      return () => rm(dir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(await readFile(join(dir, 'owner'), 'utf8').catch(() => ''));
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) await rm(dir, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`another test file held ${dir} for ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
