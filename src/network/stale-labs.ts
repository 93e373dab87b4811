import { parseLabNamespace } from './lab-names.js';
import { deleteNamespace, killProcessesIn, listNamespaces } from './namespace-ops.js';

/**
 * The last resort: remove the namespaces of labs whose run is gone (killed
 * with SIGKILL, a CI job cancelled, a crash before teardown). A lab's
 * namespaces are named after the pid of the process that made them
 * (lab-names.ts); those whose owner no longer exists are removed with
 * everything inside them (links, qdiscs, nftables tables all live there).
 * Labs of runs still going are left alone, so concurrent runs are safe.
 * Returns the names removed.
 */
export async function removeStaleNetworkLabs(options: { isAlive?: (pid: number) => boolean } = {}): Promise<string[]> {
  const isAlive = options.isAlive ?? processExists;
  const removed: string[] = [];
  for (const namespace of await listNamespaces()) {
    const owner = parseLabNamespace(namespace);
    if (owner === undefined || isAlive(owner.ownerPid)) continue;
    await killProcessesIn(namespace);
    if ((await deleteNamespace(namespace)) === undefined) removed.push(namespace);
  }
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
