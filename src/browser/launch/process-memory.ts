import { readdir, readFile } from 'node:fs/promises';

/**
 * Memory (bytes) of the given processes and all their descendants, read from
 * /proc (Linux). Chromium runs a renderer, GPU and utility process per
 * browser, so the main process alone would undercount by far; and summing RSS
 * would count shared libraries once per process, so each process counts its
 * PSS (proportional set size, /proc/PID/smaps_rollup) when readable, else RSS.
 * Returns undefined where /proc is not available.
 */
export async function treeRssBytes(rootPids: readonly number[]): Promise<number | undefined> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return undefined;
  }
  const parentOf = new Map<number, number>();
  const rssOf = new Map<number, number>();
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        try {
          const status = await readFile(`/proc/${e}/status`, 'utf8');
          const ppid = /^PPid:\s+(\d+)/m.exec(status);
          const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
          if (ppid) parentOf.set(Number(e), Number(ppid[1]));
          if (rss) rssOf.set(Number(e), Number(rss[1]) * 1024);
          if (ppid && rootPids.length > 0) {
            const rollup = await readFile(`/proc/${e}/smaps_rollup`, 'utf8').catch(() => '');
            const pss = /^Pss:\s+(\d+) kB/m.exec(rollup);
            if (pss) rssOf.set(Number(e), Number(pss[1]) * 1024);
          }
        } catch {
          // the process ended while we looked
        }
      }),
  );
  const roots = new Set(rootPids);
  let total = 0;
  for (const [pid, rss] of rssOf) {
    let cursor: number | undefined = pid;
    for (let depth = 0; cursor !== undefined && depth < 64; depth++) {
      if (roots.has(cursor)) {
        total += rss;
        break;
      }
      cursor = parentOf.get(cursor);
    }
  }
  return total;
}

/** Linux USER_HZ: /proc/PID/stat reports CPU time in these ticks (100 on every mainstream kernel). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (seconds, user + system) consumed so far by the given processes
 * and all their live descendants, read from /proc/PID/stat (Linux). Two
 * readings bracket a window: their difference divided by the window's length
 * is how many cores the browsers kept busy, whatever else runs on the host.
 * Returns undefined where /proc is not available.
 */
export async function treeCpuSeconds(rootPids: readonly number[]): Promise<number | undefined> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return undefined;
  }
  const parentOf = new Map<number, number>();
  const ticksOf = new Map<number, number>();
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        try {
          const stat = await readFile(`/proc/${e}/stat`, 'utf8');
          // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          parentOf.set(Number(e), Number(fields[1]));
          ticksOf.set(Number(e), Number(fields[11]) + Number(fields[12]));
        } catch {
          // the process ended while we looked
        }
      }),
  );
  const roots = new Set(rootPids);
  let ticks = 0;
  for (const [pid, t] of ticksOf) {
    let cursor: number | undefined = pid;
    for (let depth = 0; cursor !== undefined && depth < 64; depth++) {
      if (roots.has(cursor)) {
        ticks += t;
        break;
      }
      cursor = parentOf.get(cursor);
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}
