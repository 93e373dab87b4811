import { writeFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import puppeteer, { type Browser, type BrowserContext } from 'puppeteer-core';
import { chromiumFlags, isRoot } from './chromium-flags.js';
import { findChromium } from './find-chromium.js';
import { treePids } from './process-memory.js';
import { withTimeout } from '../../with-timeout.js';

export interface BrowserPoolOptions {
  /** How many browser processes; participants are spread over them round-robin. */
  shards: number;
  executablePath?: string | undefined;
  fakeVideoFile?: string | undefined;
  /** Appended after roomgate's own flags. */
  extraArgs?: readonly string[] | undefined;
  /**
   * Per browser, what to start instead of Chromium itself: a network lab's
   * wrapper that execs Chromium inside a participant's namespace (given the
   * resolved Chromium path). One entry per shard when given.
   */
  wrap?: ((chromium: string, shard: number) => Promise<string>) | undefined;
  signal?: AbortSignal;
}

/**
 * Several headless Chromium processes, each holding many isolated browser
 * contexts (one per participant: separate cookies, storage and media
 * permissions, but one renderer budget per process). Sharding keeps one
 * crashing or saturated browser from taking every participant with it.
 */
export class BrowserPool {
  private constructor(private readonly browsers: Browser[]) {}

  static async launch(options: BrowserPoolOptions): Promise<BrowserPool> {
    const executablePath = findChromium(options.executablePath);
    const args = [...chromiumFlags({ fakeVideoFile: options.fakeVideoFile, runningAsRoot: isRoot() }), ...(options.extraArgs ?? [])];
    const launched: Browser[] = [];
    try {
      // Launched one after another: parallel cold starts on a small host only slow each other down.
      for (let i = 0; i < Math.max(1, options.shards); i++) {
        options.signal?.throwIfAborted();
        launched.push(
          await puppeteer.launch({
            executablePath: options.wrap === undefined ? executablePath : await options.wrap(executablePath, i),
            headless: true,
            args,
            // The pool closes browsers itself; puppeteer's own signal handlers would race the CLI's.
            handleSIGINT: false,
            handleSIGTERM: false,
            handleSIGHUP: false,
            protocolTimeout: 60_000,
            // CDP over the process's own pipes, not a WebSocket: Chromium ends its session when the pipe
            // closes, whatever ended the harness (SIGKILL by a CI timeout included), and no debugging port is
            // opened on the host at all.
            pipe: true,
          }),
        );
      }
    } catch (error) {
      await Promise.allSettled(launched.map((b) => b.close()));
      throw error;
    }
    return new BrowserPool(launched);
  }

  get size(): number {
    return this.browsers.length;
  }

  /** A fresh isolated context on shard `index % size`. */
  async newContext(index: number): Promise<BrowserContext> {
    const browser = this.browsers[index % this.browsers.length]!;
    return browser.createBrowserContext();
  }

  /**
   * Lower the scheduling priority (raise the nice value) of every process of
   * the browsers. Chromium is the load; the harness is the measuring
   * instrument. On a saturated host the kernel otherwise shares CPU equally,
   * and the harness's timers and CDP replies queue behind a dozen busy
   * renderers: its event loop stalls and the run is judged invalid although
   * the harness itself uses little CPU. Reniced, Chromium still gets every
   * cycle the harness does not need. Renderers forked later (from the
   * reniced zygote) inherit the value, so call this after launch and again
   * once pages exist. Best effort: a process we may not renice is skipped.
   *
   * The per-process nice alone does nothing on a kernel with autogroup
   * scheduling (sched_autogroup_enabled=1, the default on most desktop and
   * many VM kernels): puppeteer starts each Chromium detached, in a session
   * of its own, and the kernel first shares the CPU equally between
   * sessions, using nice only inside one. Measured here: with a busy core,
   * the reniced browsers still held the harness off the CPU for up to 1.6 s
   * while it used 1 ms of CPU (involuntary context switches, not work). So
   * the browsers' autogroup gets the same nice (/proc/PID/autogroup).
   */
  async deprioritize(nice: number): Promise<void> {
    if (nice <= 0) return;
    for (const pid of this.pids()) await setAutogroupNice(pid, nice);
    for (const pid of await treePids(this.pids())) {
      try {
        setPriority(pid, nice);
      } catch {
        // gone, or not ours to change
      }
    }
  }

  /** Process ids of the browser main processes (their renderers are children). */
  pids(): number[] {
    return this.browsers.map((b) => b.process()?.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Close every browser; one that does not close within `budgetMs` (wedged, starved) is killed by its PID. */
  async close(budgetMs = 15_000): Promise<void> {
    await Promise.allSettled(
      this.browsers.map(async (browser) => {
        try {
          await withTimeout(browser.close(), budgetMs, 'browser did not close');
        } catch {
          browser.process()?.kill('SIGKILL');
        }
      }),
    );
  }
}

/**
 * The nice value of the autogroup (session) `pid` leads, where the kernel has
 * autogroups (/proc/PID/autogroup, see sched(7)). Raising it needs no
 * privilege; anything else (no autogroups, not ours) is skipped.
 */
async function setAutogroupNice(pid: number, nice: number): Promise<void> {
  try {
    await writeFile(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    // no autogroup scheduling here, or not ours to change
  }
}
