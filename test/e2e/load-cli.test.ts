import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULTS } from '../../src/reference/faults.js';
import { runCli } from '../helpers/run-cli.js';

// These runs check counting, gating and exit codes on a shared, busy machine;
// generator precision has its own tests, so late sends must not make them invalid.
const RELAXED = ['--max-late', '1', '--window', '1s'];

// Each test spawns the CLI for a short run; on a busy machine the spawn alone can take most of a minute.
describe('roomgate load (CLI)', { timeout: 120_000 }, () => {
  it('passes a soak on the clean embedded server and prints per-operation results as JSON', async () => {
    const run = await runCli([
      'load',
      '--mode',
      'soak',
      '--rate',
      '80',
      '--duration',
      '2s',
      ...RELAXED,
      '--slo',
      'p99 < 2s',
      '--slo',
      'error_rate < 1%',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    // The run summary every command prints; the step's whole result is in it, its histograms are in report.json.
    const json = JSON.parse(run.stdout) as {
      status: string;
      exitCode: number;
      steps: { result: { status: string; summary: { totals: { responses: number }; operations: Record<string, unknown>; histograms?: unknown } } }[];
    };
    const result = json.steps[0]!.result;
    expect(json).toMatchObject({ status: 'passed', exitCode: 0 });
    expect(result.status).toBe('passed');
    expect(result.summary.totals.responses).toBe(160);
    expect(Object.keys(result.summary.operations).sort()).toEqual(['create_room', 'delete_room', 'get_room', 'list_rooms']);
    expect(result.summary.histograms).toBeUndefined();
  });

  it('exits 1 when an SLO gate fails (fault slow-create)', async () => {
    const { slo } = FAULTS['slow-create'].caughtBy;
    const run = await runCli([
      'load',
      '--mode',
      'burst',
      '--connections',
      '4',
      '--duration',
      '2s',
      ...RELAXED,
      '--fault',
      'slow-create',
      '--room-pool',
      '2',
      '--slo',
      slo,
    ]);
    expect(run.code, run.stderr + run.stdout).toBe(1);
    expect(run.stdout).toContain(`FAIL ${slo} (observed `);
    expect(run.stdout).toMatch(/ \(observed \d+/);
  });

  it('exits 2 for a threshold naming an unknown metric, with a did-you-mean, before any load', async () => {
    const run = await runCli(['load', '--slo', 'create_room.p99 < 1s', '--slo', 'eror_rate < 1%']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown metric or operation "eror_rate" \(did you mean "error_rate"\?\)/);
    expect(run.stdout).not.toMatch(/roomgate load:/);
  });

  it('exits 3 when the target is unreachable', async () => {
    const run = await runCli(['load', '--target', 'http://127.0.0.1:9', '--client-id', 'a', '--client-secret', 'b', '--duration', '1s']);
    expect(run.code, run.stderr + run.stdout).toBe(3);
    expect(run.stdout + run.stderr).toMatch(/cannot reach/);
  });

  it('on SIGINT drains, cleans up, writes the partial report and exits 130', async () => {
    const out = await mkdtemp(join(tmpdir(), 'roomgate-load-'));
    const run = await runCli(['load', '--mode', 'soak', '--rate', '50', '--duration', '60s', ...RELAXED, '--out', out], {
      onSpawn: (child) => {
        let sent = false;
        // Progress goes to stdout (to stderr only under --json), as for every command.
        child.stdout?.on('data', (chunk: Buffer) => {
          // The first window line means the timed run is under way.
          if (!sent && chunk.toString().includes('[load-soak]')) {
            sent = true;
            child.kill('SIGINT');
          }
        });
      },
    });
    expect(run.code, run.stderr).toBe(130);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {
      run: { status: string; partial: boolean; exitCode: number };
      steps: { status: string; summary: { totals: { responses: number }; cleanup: { leftOver: number; failed: number }; histograms: { series: unknown[] } } }[];
    };
    expect(report.run).toMatchObject({ status: 'interrupted', partial: true, exitCode: 130 });
    const step = report.steps[0]!;
    expect(step.summary.totals.responses).toBeGreaterThan(0);
    expect(step.summary.cleanup).toMatchObject({ leftOver: 0, failed: 0 });
    expect(step.summary.histograms.series.length).toBeGreaterThan(0);
    const events = await readFile(join(out, 'events.ndjson'), 'utf8');
    expect(events).toMatch(/"type":"window"/);
  });
});
