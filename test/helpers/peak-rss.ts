import { existsSync, readFileSync } from 'node:fs';
import { BIN, runProcess, type CliOptions, type CliRun } from './run-cli.js';

/**
 * Run the built CLI and measure its peak memory the way `/usr/bin/time -f %M`
 * does: the largest resident set of any one process of the run (getrusage of
 * the waited-for children, so a Chromium or Pact verifier child counts too).
 * Without /usr/bin/time, /proc/<pid>/status VmHWM (the CLI's own high-water
 * mark) is sampled until it exits: coarser, but still a cap a test can assert.
 */
export interface MeasuredRun extends CliRun {
  /** Peak RSS in bytes (0 when neither way could measure it). */
  peakRssBytes: number;
  measuredBy: '/usr/bin/time' | '/proc VmHWM' | 'none';
}

const TIME = '/usr/bin/time';
const MARK = 'roomgate-peak-rss-kb=';

export async function runCliMeasured(args: readonly string[], options: CliOptions = {}): Promise<MeasuredRun> {
  if (existsSync(TIME)) {
    const run = await runProcess(TIME, ['-f', `${MARK}%M`, process.execPath, BIN, ...args], options);
    const kb = Number(new RegExp(`${MARK}(\\d+)`).exec(run.stderr)?.[1] ?? 0);
    // time's own lines are not the CLI's output.
    const stderr = run.stderr.replace(new RegExp(`^(Command exited with non-zero status \\d+|Command terminated by signal \\d+|${MARK}\\d+)\\n?`, 'gm'), '');
    return { ...run, stderr, peakRssBytes: kb * 1024, measuredBy: '/usr/bin/time' };
  }
  let peakKb = 0;
  let timer: NodeJS.Timeout | undefined;
  const run = await runProcess(process.execPath, [BIN, ...args], {
    ...options,
    onSpawn: (child) => {
      options.onSpawn?.(child);
      timer = setInterval(() => {
        try {
          const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
          peakKb = Math.max(peakKb, kb);
        } catch {
          // exited between two samples
        }
      }, 100);
    },
  });
  clearInterval(timer);
  return { ...run, peakRssBytes: peakKb * 1024, measuredBy: peakKb > 0 ? '/proc VmHWM' : 'none' };
}
