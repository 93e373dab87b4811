import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRunReport, writeReportJson } from '../../src/report/report-json.js';
import { runCli } from '../helpers/run-cli.js';

async function runFolder(p99: number, errors: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'roomgate-cmp-'));
  const now = new Date().toISOString();
  await writeReportJson(
    dir,
    buildRunReport({
      run: { id: 'x', name: 'bench', files: [], startedAt: now, durationMs: 1, status: 'passed', partial: false, exitCode: 0 },
      target: { baseUrl: 'http://127.0.0.1:1', clientId: 'c', embedded: true },
      steps: [{ name: 'burst', kind: 'load', status: 'passed', startedAt: now, finishedAt: now, durationMs: 1, checks: [], slos: [], artifacts: [] }],
      timeline: { burst: [{ startMs: 0, endMs: 10_000, operations: { create_room: { count: 1000, errors, p50: 10, p99, max: p99 } } }] },
    }),
  );
  return dir;
}

describe('roomgate compare', () => {
  it('exits 1 on a p99 regression beyond the tolerance and 0 within it', async () => {
    const base = await runFolder(100, 0);
    const worse = await runFolder(130, 0);
    const regressed = await runCli(['compare', base, worse, '--tolerance', '10%']);
    expect(regressed.code).toBe(1);
    expect(regressed.stdout).toMatch(/burst \/ create_room\s+p99\s+100\.0ms\s+130\.0ms\s+\+30\.0%\s+windows\s+REGRESSION/);
    // These runs carry only time windows (no step summary): the output says the figures are approximate.
    expect(regressed.stdout).toContain('source "windows"');
    const tolerated = await runCli(['compare', base, worse, '--tolerance', '50%', '--json']);
    expect(tolerated.code).toBe(0);
    expect(JSON.parse(tolerated.stdout)).toMatchObject({ regressions: 0, tolerance: 0.5 });
  });

  it('flags a rise in error rate', async () => {
    const run = await runCli(['compare', await runFolder(100, 0), await runFolder(100, 50)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/error_rate.*REGRESSION/);
  });

  it('exits 2 with a hint when a folder has no report.json', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'roomgate-empty-'));
    const run = await runCli(['compare', empty, empty]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('hint: pass a run folder written by `roomgate run`');
  });
});

describe('roomgate report', () => {
  it('re-renders report.html, junit.xml and summary.md from report.json', async () => {
    const dir = await runFolder(100, 0);
    const run = await runCli(['report', dir]);
    expect(run.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'summary.md']);
  });
});
