import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from '../fixtures/webrtc-pair/fixture-server.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { parseRunSummary } from '../helpers/run-summary.js';

// Chromium keeps normal priority here (--browser-nice 0): at the default nice 10 (its autogroup too) it yields
// to every other process on the host, and `npm test` runs two forks, whose load generators and servers would
// starve it. These tests judge labels and figures, not capacity, so overload detection is off too.
const QUIET = ['--max-host-cpu', '2', '--max-event-loop-delay', '0s', '--max-cpu-limited', '2', '--browser-nice', '0'];

describe('roomgate browser (CLI)', () => {
  let fixture: FixtureServer;
  beforeAll(async () => {
    fixture = await startFixtureServer();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('drives a page it did not write through --join-url and --adapter, and exits 0 when both see video', async () => {
    const out = mkdtempSync(join(tmpdir(), 'roomgate-cli-'));
    const run = await runCli([
      'browser',
      '--join-url',
      `${fixture.url}/call?room=cli`,
      '--adapter',
      join(REPO_ROOT, 'test/fixtures/webrtc-pair/adapter.yaml'),
      '--participants',
      '2',
      '--hold',
      '1s',
      '--json',
      '--out',
      out,
      '--slo',
      'time_to_first_frame.p95 < 60s',
      ...QUIET,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = parseRunSummary(run.stdout).steps[0]!.result;
    if (result.kind !== 'browser' || result.summary === undefined) throw new Error(`no browser summary: ${run.stdout}`);
    const summary = result.summary;
    expect(summary.adapter).toBe('fixture call page');
    expect(summary.participants.every((p) => p.status === 'joined' && p.timeToFirstFrameMs! > 0)).toBe(true);
    expect(result.slos).toMatchObject([{ status: 'passed', metric: 'time_to_first_frame' }]);
  });

  it('exits 1 with the label when the fault breaks joining, and 2 for an SLO on an unknown metric', async () => {
    const failed = await runCli([
      'browser',
      '--participants',
      '1',
      '--fault',
      'join-refused',
      '--join-timeout',
      '4s',
      '--hold',
      '0s',
      '--out',
      mkdtempSync(join(tmpdir(), 'roomgate-cli-')),
      ...QUIET,
    ]);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout).toMatch(/FAILED signaling_closed/);
    const usage = await runCli(['browser', '--slo', 'join_tme.p95 < 5s']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/join_tme/);
  });
});
