import { describe, expect, it } from 'vitest';
import { contractStep, loadStepWith, runFolderOf, runReport } from '../helpers/compare-fixtures.js';
import { runCli } from '../helpers/run-cli.js';

const ALL_OPS = ['create_room', 'get_room', 'list_rooms', 'delete_room'];

describe('roomgate compare refuses a NEW run that cannot pass against BASE', () => {
  it('NEW invalid and lacking operations BASE has: exit 1 with each reason, though no figure regressed', async () => {
    const base = await runFolderOf(runReport('smoke', [contractStep(), loadStepWith('burst', ALL_OPS)]));
    const current = await runFolderOf(
      runReport('smoke', [contractStep(), loadStepWith('burst', ['get_room'], 'invalid')], {
        status: 'invalid',
        exitCode: 3,
        reason: 'the load generator fell behind its schedule',
      }),
    );
    const run = await runCli(['compare', base, current]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('no regression beyond 10.0%');
    expect(run.stdout).toContain('NEW cannot pass against BASE');
    expect(run.stdout).toContain('NEW is invalid (the load generator fell behind its schedule)');
    for (const op of ['create_room', 'list_rooms', 'delete_room']) expect(run.stdout).toContain(`NEW has no ${op} figures in step "burst"`);
  });

  it('NEW of another suite: exit 2, no table, the two suite names', async () => {
    const base = await runFolderOf(runReport('smoke', [loadStepWith('burst', ALL_OPS)]));
    const current = await runFolderOf(runReport('pre-release', [loadStepWith('burst', ALL_OPS)]));
    const run = await runCli(['compare', base, current, '--json']);
    expect(run.code).toBe(2);
    const parsed = JSON.parse(run.stdout) as { exitCode: number; deltas: unknown[]; problems: { kind: string; message: string }[] };
    expect(parsed).toMatchObject({ exitCode: 2, deltas: [] });
    expect(parsed.problems).toEqual([{ kind: 'other-suite', message: expect.stringContaining('BASE is "smoke", NEW is "pre-release"') }]);
  });
});
