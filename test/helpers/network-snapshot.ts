import { execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { removeStaleNetworkLabs } from '../../src/network/index.js';

const run = promisify(execFile);

/** What a network lab must leave exactly as it found it: namespaces, the root ruleset and root links. */
export interface HostNetworkSnapshot {
  namespaces: string;
  ruleset: string;
  links: string;
}

export async function hostNetworkSnapshot(): Promise<HostNetworkSnapshot> {
  const [namespaces, ruleset, links] = await Promise.all([run('ip', ['netns', 'list']), run('nft', ['list', 'ruleset']), run('ip', ['link'])]);
  return { namespaces: namespaces.stdout, ruleset: ruleset.stdout, links: links.stdout };
}

/**
 * CLI runs a test started that may own network labs. After each test, pass or
 * fail (a timed-out test leaves its run going): `stop()` interrupts the ones
 * still running (SIGINT, so they tear down as a user's Ctrl-C would; SIGKILL
 * after `graceMs`), and `removeLeftovers()` deletes the namespaces of these
 * runs only, never another process's. A test asserts the host snapshot
 * between the two, so a leak fails it while the host is still cleaned.
 */
export class LabRuns {
  private readonly children = new Set<ChildProcess>();

  /** Give this to runCli's `onSpawn`. */
  readonly track = (child: ChildProcess): void => {
    this.children.add(child);
  };

  async stop(graceMs = 30_000): Promise<void> {
    await Promise.all(
      [...this.children].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Remove the namespaces these runs left (with everything inside them); the names removed. */
  async removeLeftovers(): Promise<string[]> {
    const pids = new Set([...this.children].map((c) => c.pid));
    this.children.clear();
    // Only namespaces named after one of these runs' pids, and only once that process is gone.
    return removeStaleNetworkLabs({ isAlive: (pid) => !pids.has(pid) });
  }
}
