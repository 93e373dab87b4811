import { sleep } from '../abortable-sleep.js';
import { runCommand } from './run-command.js';

/** Names of the network namespaces `ip netns` knows (`ip netns list` prints `name (id: 3)`). */
export async function listNamespaces(): Promise<string[]> {
  const outcome = await runCommand('ip', ['netns', 'list']);
  if (!outcome.ok) return [];
  return outcome.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '');
}

/** Process ids inside a namespace (empty when none, or when it does not exist). */
export async function processesIn(namespace: string): Promise<number[]> {
  const outcome = await runCommand('ip', ['netns', 'pids', namespace]);
  if (!outcome.ok) return [];
  return outcome.stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/**
 * SIGKILL every process still inside `namespace` and wait (bounded) until
 * they are gone. A namespace with a process in it outlives `ip netns del`
 * (with its veth and rules), so a participant browser that was not closed,
 * or a probe the run started there, would keep the lab alive. Only processes
 * inside a namespace the run created can be hit: nothing else lives there.
 */
export async function killProcessesIn(namespace: string, budgetMs = 5_000): Promise<void> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const pids = (await processesIn(namespace)).filter((pid) => pid !== process.pid);
    if (pids.length === 0 || Date.now() > deadline) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await sleep(50, new AbortController().signal);
  }
}

/** Remove a namespace; undefined when it is gone (or never existed), else why not. */
export async function deleteNamespace(namespace: string): Promise<string | undefined> {
  const outcome = await runCommand('ip', ['netns', 'del', namespace]);
  if (outcome.ok) return undefined;
  if (!(await listNamespaces()).includes(namespace)) return undefined;
  return outcome.reason;
}
