import { readdir, readFile } from 'node:fs/promises';

/**
 * One process's parent and the figure being summed (absent when unreadable: the
 * process still links its descendants to their root), or undefined to skip it.
 */
type ProcessReading = { ppid: number; value?: number | undefined } | undefined;

/**
 * Sum `read(pid)` over the given processes and all their live descendants,
 * from /proc (Linux). Chromium runs a renderer, GPU and utility process per
 * browser, so the main process alone would undercount by far. Returns
 * undefined where /proc is not available.
 */
async function sumOverProcessTree(rootPids: readonly number[], read: (pid: string) => Promise<ProcessReading>): Promise<number | undefined> {
  const tree = await readProcessTree(rootPids, read);
  if (tree === undefined) return undefined;
  let total = 0;
  for (const pid of tree.members) total += tree.valueOf.get(pid) ?? 0;
  return total;
}

/** Every live process under /proc with its parent and reading, and which of them descend from `rootPids` (roots included). */
async function readProcessTree(
  rootPids: readonly number[],
  read: (pid: string) => Promise<ProcessReading>,
): Promise<{ members: number[]; valueOf: Map<number, number> } | undefined> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return undefined;
  }
  const parentOf = new Map<number, number>();
  const valueOf = new Map<number, number>();
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        try {
          const reading = await read(e);
          if (reading === undefined) return;
          parentOf.set(Number(e), reading.ppid);
          if (reading.value !== undefined) valueOf.set(Number(e), reading.value);
        } catch {
          // the process ended while we looked
        }
      }),
  );
  const roots = new Set(rootPids);
  const members: number[] = [];
  for (const pid of parentOf.keys()) {
    let cursor: number | undefined = pid;
    for (let depth = 0; cursor !== undefined && depth < 64; depth++) {
      if (roots.has(cursor)) {
        members.push(pid);
        break;
      }
      cursor = parentOf.get(cursor);
    }
  }
  return { members, valueOf };
}

/** The given processes and all their live descendants (Linux /proc; empty elsewhere). */
export async function treePids(rootPids: readonly number[]): Promise<number[]> {
  const tree = await readProcessTree(rootPids, async (pid) => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return { ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) };
  });
  return tree?.members ?? [];
}

/**
 * Memory (bytes) of the given processes and all their descendants. Summing
 * RSS would count shared libraries once per process, so each process counts
 * its PSS (proportional set size, /proc/PID/smaps_rollup) when readable, else
 * RSS.
 */
export function treeRssBytes(rootPids: readonly number[]): Promise<number | undefined> {
  return sumOverProcessTree(rootPids, async (pid) => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const ppid = /^PPid:\s+(\d+)/m.exec(status);
    if (!ppid) return undefined;
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    const pss = /^Pss:\s+(\d+) kB/m.exec(rollup);
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
    const kB = pss ? Number(pss[1]) : rss ? Number(rss[1]) : undefined;
    return { ppid: Number(ppid[1]), value: kB === undefined ? undefined : kB * 1024 };
  });
}

/** Linux USER_HZ: /proc/PID/stat reports CPU time in these ticks (100 on every mainstream kernel). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (seconds, user + system) consumed so far by the given processes
 * and all their live descendants, read from /proc/PID/stat. Two readings
 * bracket a window: their difference divided by the window's length is how
 * many cores the browsers kept busy, whatever else runs on the host.
 */
export async function treeCpuSeconds(rootPids: readonly number[]): Promise<number | undefined> {
  const ticks = await sumOverProcessTree(rootPids, async (pid) => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), value: Number(fields[11]) + Number(fields[12]) };
  });
  return ticks === undefined ? undefined : ticks / CLOCK_TICKS_PER_SECOND;
}
