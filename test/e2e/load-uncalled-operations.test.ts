import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

/** The run summary of `roomgate load --json`: the plan's notes, and the load step's SLO verdicts. */
interface LoadJson {
  status: string;
  exitCode: number;
  notes?: string[];
  steps: { slos: { expression: string; status: string }[] }[];
}

// Each test spawns the CLI for a short run; on a busy machine the spawn alone can take most of a minute.
describe('roomgate load --mix get=100 (an operation mix that never creates rooms)', { timeout: 120_000 }, () => {
  it('leaves the default create_room.p50 and duplicate_rooms SLOs out with a note each and passes; no progress window is a sliver', async () => {
    const run = await runCli(['load', '--duration', '2s', '--window', '1s', '--mix', 'get=100', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as LoadJson;
    const slos = result.steps[0]!.slos;
    expect(result.notes).toEqual([
      'default SLO create_room.p50 < 300ms skipped: the mix never calls create_room',
      'default SLO duplicate_rooms == 0 skipped: the mix never calls create_room',
    ]);
    expect(slos.map((s) => s.expression)).not.toContain('create_room.p50 < 300ms');
    expect(slos.map((s) => s.status)).toEqual(slos.map(() => 'passed'));
    // Progress goes to stderr: every window line spans at least a quarter window (no `2.0s–2.0s 8026.3/s`).
    const spans = [...run.stderr.matchAll(/\] (\d+\.\d)s–(\d+\.\d)s/g)].map((m) => Number(m[2]) - Number(m[1]));
    expect(spans.length).toBeGreaterThan(0);
    for (const span of spans) expect(span).toBeGreaterThanOrEqual(0.2);
  });

  it('an explicit SLO on the uncalled operation still fails as no data (exit 1)', async () => {
    const run = await runCli(['load', '--duration', '1s', '--mix', 'get=100', '--slo', 'create_room.p50 < 300ms', '--json']);
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as LoadJson;
    expect(result.notes).toBeUndefined();
    expect(result.steps[0]!.slos).toEqual([expect.objectContaining({ expression: 'create_room.p50 < 300ms', status: 'no-data' })]);
  });
});
