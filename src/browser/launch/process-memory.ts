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
