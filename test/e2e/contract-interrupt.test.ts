import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

describe('roomgate contract interrupted by SIGINT', () => {
  let dir = '';
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('is interrupted (exit 130, partial report), not failed by the checks the signal cut short', async () => {
    dir = await mkdtemp(join(tmpdir(), 'roomgate-contract-sigint-'));
    let sent = false;
    const run = await runCli(['contract', '--out', dir], {
      timeoutMs: 150_000,
      onSpawn: (child) => {
        child.stdout?.on('data', (chunk: Buffer | string) => {
          // The header prints before the first check; the gate then runs for seconds (webhook waits).
          if (!sent && String(chunk).includes('roomgate contract:')) {
            sent = true;
            setTimeout(() => child.kill('SIGINT'), 1_500);
          }
        });
      },
    });
    expect(sent).toBe(true);
    expect(run.code, run.stdout + run.stderr).toBe(130);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as {
      run: { status: string; partial: boolean };
      steps: { name: string; status: string; reason?: string }[];
    };
    expect(report.run).toMatchObject({ status: 'interrupted', partial: true });
    // The gate is two steps (pact, then contract): the one the signal reached is interrupted, none failed.
    const interrupted = report.steps.find((s) => s.status !== 'passed' && s.status !== 'skipped');
    expect(interrupted?.status).toBe('interrupted');
    expect(interrupted?.reason).toMatch(/interrupted after \d+ check/);
    expect(report.steps.filter((s) => s.status === 'failed' || s.status === 'errored')).toEqual([]);
    expect(run.stdout).toMatch(/contract INTERRUPTED/);
  });
});
