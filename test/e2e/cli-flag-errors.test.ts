import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('roomgate CLI: flag and config errors name what the user wrote', () => {
  it('load --rate abc names --rate and the text, exit 2, before anything starts', async () => {
    const run = await runCli(['load', '--rate', 'abc']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('roomgate: --rate "abc": not a number');
    expect(run.stderr).not.toContain('load.rate');
    expect(run.stdout).toBe('');
  });

  it('load --mode soak --rate 0 names --rate, not the scenario path load.rate', async () => {
    const run = await runCli(['load', '--mode', 'soak', '--rate', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('roomgate: --rate must be > 0, got 0');
    expect(run.stderr).not.toContain('load.rate');
  });

  it('an unknown flag is listed once, as typed', async () => {
    const run = await runCli(['load', '--bogus-flag']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown argument: --bogus-flag\n');
    expect(run.stderr).not.toContain('bogusFlag');
    expect(occurrences(run.stderr, 'bogus-flag')).toBe(1);
  });

  it('every config error of the files is reported in one run, in file and line order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-many-errors-'));
    const schemaErrors = join(dir, 'schema-errors.yaml');
    await writeFile(
      schemaErrors,
      'name: multi\nsteps:\n  - type: contract\n    optoins:\n      seed: 1\n  - type: load\n    options:\n      mode: burst\n      duration: 5 seconds\n  - type: contract\n    options:\n      seed: "one"\n',
    );
    const sloErrors = join(dir, 'slo-errors.yaml');
    await writeFile(
      sloErrors,
      'name: slos\nsteps:\n  - type: load\n    options:\n      mode: burst\n      duration: 1s\n    slos:\n      - lantency.p99 < 1s\n      - create_room.p99 < 1s\n      - eror_rate < 1%\n',
    );
    const first = await runCli(['run', schemaErrors]);
    expect(first.code).toBe(2);
    const lines = first.stderr.split('\n').filter((l) => l.startsWith(`roomgate: ${schemaErrors}:`));
    expect(lines).toEqual([
      `roomgate: ${schemaErrors}:4: steps[0] unknown key "optoins"; did you mean "options"?`,
      `roomgate: ${schemaErrors}:9: steps[1].options.duration must be a duration like 500ms, 30s, 5m or 1h (got "5 seconds")`,
      `roomgate: ${schemaErrors}:12: steps[2].options.seed must be integer (got the string "one")`,
    ]);
    expect(first.stderr).toContain('roomgate: 3 problems in the configuration:');
    const second = await runCli(['run', sloErrors]);
    expect(second.code).toBe(2);
    expect(second.stderr.split('\n').filter((l) => l.startsWith(`roomgate: ${sloErrors}:`))).toEqual([
      `roomgate: ${sloErrors}:8: steps[0].slos[0] unknown metric or operation "lantency" (did you mean "latency"?)`,
      `roomgate: ${sloErrors}:10: steps[0].slos[2] unknown metric or operation "eror_rate" (did you mean "error_rate"?)`,
    ]);
  });
});
