import { describe, expect, it } from 'vitest';
import { compareProblems, exitCodeForProblems } from '../../src/report/compare-problems.js';
import { contractStep, loadStepWith, runReport } from '../helpers/compare-fixtures.js';

const ALL_OPS = ['create_room', 'get_room', 'list_rooms', 'delete_room'];
const base = runReport('smoke', [contractStep(), loadStepWith('burst', ALL_OPS)]);

describe('compare: what makes NEW fail against BASE whatever its figures', () => {
  it('two complete runs of the same suite with the same steps and operations have no problem (exit 0)', () => {
    const problems = compareProblems(base, runReport('smoke', [contractStep(), loadStepWith('burst', ALL_OPS)]));
    expect(problems).toEqual([]);
    expect(exitCodeForProblems(problems)).toBe(0);
  });

  it('NEW from another suite is exit 2 with both suite names', () => {
    const problems = compareProblems(base, runReport('pre-release', [contractStep(), loadStepWith('burst', ALL_OPS)]));
    expect(problems).toEqual([expect.objectContaining({ kind: 'other-suite', message: expect.stringMatching(/BASE is "smoke", NEW is "pre-release"/) })]);
    expect(exitCodeForProblems(problems)).toBe(2);
  });

  it('an invalid or errored NEW is exit 1 with its reason', () => {
    for (const status of ['invalid', 'errored'] as const) {
      const problems = compareProblems(
        base,
        runReport('smoke', [contractStep(), loadStepWith('burst', ALL_OPS, status)], { status, exitCode: 3, reason: 'generator fell behind' }),
      );
      expect(problems).toEqual([{ kind: 'untrustworthy-run', message: `NEW is ${status} (generator fell behind)` }]);
      expect(exitCodeForProblems(problems)).toBe(1);
    }
  });

  it('an interrupted NEW, or a partial report of a run still in progress or killed, is exit 1', () => {
    const interrupted = compareProblems(
      base,
      runReport('smoke', [contractStep(), loadStepWith('burst', ALL_OPS)], { status: 'interrupted', partial: true, exitCode: 130 }),
    );
    expect(interrupted.map((p) => p.kind)).toEqual(['untrustworthy-run']);
    // What afterStep leaves behind mid-run: no exit code yet.
    const killed = compareProblems(
      base,
      runReport('smoke', [contractStep(), loadStepWith('burst', ALL_OPS)], { status: 'passed', partial: false, exitCode: undefined }),
    );
    expect(killed).toEqual([expect.objectContaining({ kind: 'untrustworthy-run', message: expect.stringContaining('partial report') })]);
    expect(exitCodeForProblems(killed)).toBe(1);
  });

  it('a step BASE ran and NEW lacks or skipped is exit 1, named once (not once per operation)', () => {
    const lacking = compareProblems(base, runReport('smoke', [loadStepWith('burst', ALL_OPS)]));
    expect(lacking).toEqual([expect.objectContaining({ kind: 'missing-step', step: 'contract' })]);
    const skipped = compareProblems(
      base,
      runReport('smoke', [contractStep(), { ...loadStepWith('burst', []), status: 'skipped', reason: 'not selected by --only contract' }]),
    );
    expect(skipped).toEqual([
      expect.objectContaining({ kind: 'missing-step', step: 'burst', message: expect.stringContaining('not selected by --only contract') }),
    ]);
    expect(exitCodeForProblems(skipped)).toBe(1);
  });

  it('an operation BASE measured and NEW never called is exit 1, one problem per operation', () => {
    const problems = compareProblems(base, runReport('smoke', [contractStep(), loadStepWith('burst', ['get_room'])]));
    expect(problems.map((p) => (p.kind === 'missing-operation' ? p.operation : p.kind)).sort()).toEqual(['create_room', 'delete_room', 'list_rooms']);
    expect(exitCodeForProblems(problems)).toBe(1);
  });

  it('a partial BASE is exit 2: the baseline must be a complete run', () => {
    const partialBase = runReport('smoke', [contractStep()], { status: 'interrupted', partial: true, exitCode: 130 });
    const problems = compareProblems(partialBase, runReport('smoke', [contractStep()]));
    expect(problems).toEqual([expect.objectContaining({ kind: 'unusable-base' })]);
    expect(exitCodeForProblems(problems)).toBe(2);
  });
});
