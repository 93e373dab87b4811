import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { BrowserPool } from '../../src/browser/launch/browser-pool.js';
import { treePids } from '../../src/browser/launch/process-memory.js';

const autogroups = (() => {
  try {
    return readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1';
  } catch {
    return false;
  }
})();

describe('BrowserPool.deprioritize', () => {
  it('renices every Chromium process, and on an autogroup kernel the browser’s own session too (else the nice does nothing against the harness)', async () => {
    const pool = await BrowserPool.launch({ shards: 1 });
    try {
      const context = await pool.newContext(0);
      await context.newPage();
      await pool.deprioritize(7);
      const pids = await treePids(pool.pids());
      expect(pids.length).toBeGreaterThan(1);
      const nices = pids.flatMap((pid) => {
        try {
          return [getPriority(pid)];
        } catch {
          return []; // ended meanwhile
        }
      });
      expect(new Set(nices)).toEqual(new Set([7]));
      if (autogroups) {
        // Chromium runs in a session of its own (puppeteer starts it detached): its autogroup carries the nice.
        const [browserPid] = pool.pids();
        expect(readFileSync(`/proc/${browserPid}/autogroup`, 'utf8')).toMatch(/ nice 7$/m);
        expect(readFileSync(`/proc/${process.pid}/autogroup`, 'utf8')).not.toBe(readFileSync(`/proc/${browserPid}/autogroup`, 'utf8'));
      }
    } finally {
      await pool.close();
    }
  });
});
