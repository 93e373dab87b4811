import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/prometheus.js';
import { runCli } from '../helpers/run-cli.js';

/**
 * `roomgate run` with `metrics:` in the scenario: the endpoint is up during the
 * run (the runner hands the step's registry to it), labels carry suite and
 * scenario, and a scraper seen during the run gets the final figures before
 * the CLI exits. Bad `metrics:` keys are config errors (exit 2) before anything runs.
 */
describe('roomgate run with metrics: in the scenario', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('serves live figures during the run and the final ones before exiting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-run-metrics-'));
    dirs.push(dir);
    const port = await freePort();
    const scenario = join(dir, 'soak-metrics.yaml');
    await writeFile(
      scenario,
      [
        'name: soak-metrics',
        'metrics:',
        `  port: ${port}`,
        '  linger: 20s',
        'steps:',
        '  - type: load',
        '    name: soak',
        '    options: { mode: soak, rate: 40, duration: 6s, window: 1s, maxLateFraction: 1, schemaSampleRate: 0, mix: { get_room: 1 }, roomPoolSize: 1 }',
        '    slos: [availability >= 99%]',
        '',
      ].join('\n'),
    );
    const scrapes: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    // Shard 1 of 2: the shard label says which part of a distributed run this endpoint is (half the rate).
    const run = await runCli(['run', scenario, '--shard', '1/2', '--out', join(dir, 'out')], {
      timeoutMs: 120_000,
      onSpawn: (child) => {
        // A scraper every 500 ms for as long as the CLI lives.
        timer = setInterval(() => {
          fetch(`http://127.0.0.1:${port}/metrics`)
            .then((r) => r.text())
            .then((text) => scrapes.push(text))
            .catch(() => undefined);
        }, 500);
        child.once('exit', () => clearInterval(timer));
      },
    });
    clearInterval(timer);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain(`metrics → http://127.0.0.1:${port}/metrics`);
    const total = (text: string) => Number(/^roomgate_requests_total\{step="soak",operation="get_room",status_class="2xx"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    const live = scrapes.filter((t) => /roomgate_step_status\{step="soak",status="running"\} 1/.test(t) && total(t) > 0);
    expect(live.length, 'scrapes while the step ran with requests counted').toBeGreaterThan(0);
    const last = scrapes.at(-1)!;
    expect(last).toMatch(/roomgate_step_status\{step="soak",status="passed"\} 1/);
    expect(total(last)).toBeGreaterThanOrEqual(50);
    // The counter grew while the step ran (the last "running" scrape may already see the final count: cleanup runs after the timed part).
    expect(Math.min(...live.map(total))).toBeLessThan(total(last));
    expect(last).toMatch(/roomgate_step_info\{suite="soak-metrics",scenario="soak-metrics",step="soak",kind="load",shard="1\/2"\} 1/);
    expect(last).toMatch(/roomgate_slo_holding\{step="soak",slo="availability >= 99%"\} 1/);
  }, 150_000);

  it('rejects an unknown key under metrics: with a did-you-mean, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-run-metrics-'));
    dirs.push(dir);
    const scenario = join(dir, 'bad.yaml');
    await writeFile(
      scenario,
      ['name: bad', 'metrics:', '  prot: 9464', 'steps:', '  - type: load', '    options: { mode: burst, duration: 1s }', ''].join('\n'),
    );
    const run = await runCli(['run', scenario, '--out', join(dir, 'out')]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/bad\.yaml:3.*prot.*port/);
  });
});
