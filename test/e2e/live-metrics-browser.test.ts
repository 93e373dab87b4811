import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/prometheus.js';
import { runCli } from '../helpers/run-cli.js';

// Chromium keeps normal priority here (--browser-nice 0): at the default nice 10 (its autogroup too) it yields
// to every other process on the host, and `npm test` runs two forks, whose load generators and servers would
// starve it. These tests judge labels and figures, not capacity, so overload detection is off too.
const QUIET = ['--max-host-cpu', '2', '--max-event-loop-delay', '0s', '--max-cpu-limited', '2', '--browser-nice', '0'];

describe('roomgate browser --metrics-port', () => {
  it('exports the judged participants by failure label, and the exit code stays the verdict', async () => {
    const port = await freePort();
    const scrapes: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    const run = await runCli(
      [
        'browser',
        '--participants',
        '2',
        '--fault',
        'join-refused',
        '--join-timeout',
        '4s',
        '--hold',
        '0s',
        '--out',
        mkdtempSync(join(tmpdir(), 'roomgate-bm-')),
        '--metrics-port',
        String(port),
        ...QUIET,
      ],
      {
        timeoutMs: 120_000,
        onSpawn: (child) => {
          timer = setInterval(() => {
            fetch(`http://127.0.0.1:${port}/metrics`)
              .then((r) => r.text())
              .then(
                (t) => scrapes.push(t),
                () => undefined,
              );
          }, 500);
          child.once('exit', () => clearInterval(timer));
        },
      },
    );
    clearInterval(timer);
    expect(run.code, run.stderr + run.stdout).toBe(1);
    expect(run.stdout).toMatch(/FAILED signaling_closed/);
    expect(scrapes.some((t) => /roomgate_step_status\{step="browser",status="running"\} 1/.test(t))).toBe(true);
    const last = scrapes.at(-1)!;
    expect(last).toMatch(/^roomgate_step_status\{step="browser",status="failed"\} 1$/m);
    expect(last).toMatch(/^roomgate_browser_participants_total\{step="browser",outcome="signaling_closed"\} 2$/m);
    expect(last).toMatch(/^roomgate_browser_participants_total\{step="browser",outcome="joined"\} 0$/m);
  }, 150_000);
});
