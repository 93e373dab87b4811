import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../src/cli/render/contract.js';
import { coverageTotals, type ContractCoverage, type CoverageCell } from '../../src/model/coverage.js';
import { buildCoverageView, coverageGaps } from '../../src/report/coverage-view.js';
import { buildPageData } from '../../src/report/html/report-data.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderSummaryMarkdown } from '../../src/report/summary-md.js';
import { coverageReport, coverageStep, smallCoverage } from '../helpers/coverage-report.js';

describe('coverage in the console summary', () => {
  it('appends the figure to the contract summary line', () => {
    const line = formatSummary(coverageStep(), false);
    expect(line).toBe('\ncontract FAILED: 1 passed, 1 failed, 0 errored, 0 skipped in 2.5 s; coverage responses 4/5 (1 failed), inputs 4/4 (1 failed)');
  });

  it('is unchanged without a coverage map', () => {
    expect(formatSummary(coverageStep(null), false)).toBe('\ncontract FAILED: 1 passed, 1 failed, 0 errored, 0 skipped in 2.5 s');
  });
});

describe('coverage in summary.md', () => {
  it('prints the figure line, the minimum and only the failed and not-provoked cells', () => {
    const text = renderSummaryMarkdown(coverageReport());
    const lines = text.split('\n');
    const at = lines.indexOf('### Coverage: contract');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 2]).toBe('coverage: responses 4/5 (1 failed), inputs 4/4 (1 failed) · min coverage 100 %: not held');
    const rows = lines.slice(at + 4).filter((l) => l.startsWith('| `'));
    expect(rows).toEqual([
      '| `createRoom` | response 422 | ❌ failed | same key, other body answered 201 &lt;b&gt; |',
      '| `createRoom` | input name of the wrong type | ❌ failed | accepted with 201 |',
      '| `createRoom` | response 409 | ⚠️ not-provoked | no concurrent duplicate was answered 409 |',
    ]);
    // provoked and cannot-provoke cells are not listed
    expect(text).not.toContain('a 5xx cannot be provoked');
    expect(text).not.toContain('recording of the wrong type');
  });

  it('caps the listed cells at 30 with the count of the rest', () => {
    const inputs: CoverageCell[] = Array.from({ length: 42 }, (_, i) => ({
      operationId: 'createRoom',
      kind: 'too-long',
      label: `case ${i}`,
      state: 'not-provoked',
      observations: 0,
      note: 'no request body',
    }));
    const coverage: ContractCoverage = { responses: [], inputs, totals: { responses: coverageTotals([]), inputs: coverageTotals(inputs) } };
    const text = renderSummaryMarkdown(coverageReport(coverageStep(coverage)));
    expect(text).toContain('coverage: responses 0/0, inputs 0/42\n');
    expect(text.split('\n').filter((l) => l.startsWith('| `createRoom`'))).toHaveLength(30);
    expect(text).toContain('… 12 more (see report.html)');
  });

  it('has no coverage section for a step without a map', () => {
    expect(renderSummaryMarkdown(coverageReport(coverageStep(null)))).not.toContain('Coverage');
  });
});

describe('coverage grids (the data report.html draws)', () => {
  it('lays out responses by declared status and inputs by kind, worst state per input cell', () => {
    const view = buildCoverageView('contract', smallCoverage());
    expect(view.figure).toBe('responses 4/5 (1 failed), inputs 4/4 (1 failed)');
    expect(view.minimum).toBe('min coverage 100 %: not held');
    expect(view.responses.columns).toEqual(['200', '201', '404', '409', '422', '500']);
    expect(view.responses.rows.map((r) => [r.operationId, r.cells.map((c) => c.state ?? 'absent')])).toEqual([
      ['createRoom', ['absent', 'provoked', 'absent', 'not-provoked', 'failed', 'cannot-provoke']],
      ['getRoom', ['provoked', 'absent', 'provoked', 'absent', 'absent', 'cannot-provoke']],
    ]);
    expect(view.responses.rows[0]!.cells[4]!.title).toBe('createRoom 422: failed · 1 observation · same key, other body answered 201 <b>');
    expect(view.responses.rows[0]!.cells[0]!.title).toBe('createRoom 200: not declared');
    expect(view.inputs.columns).toEqual(['wrong-type', 'above-maximum', 'path']);
    expect(view.inputs.rows.map((r) => [r.operationId, r.cells.map((c) => `${c.state ?? 'absent'} ${c.text}`)])).toEqual([
      ['createRoom', ['failed 1/2', 'provoked 1/1', 'absent ']],
      ['getRoom', ['absent ', 'absent ', 'provoked 1/1']],
    ]);
    expect(view.inputs.rows[0]!.cells[0]!.title.split('\n')).toEqual([
      'createRoom wrong-type: 1 of 2 provoked',
      'recording of the wrong type: provoked',
      'name of the wrong type: failed — accepted with 201',
    ]);
  });

  it('is in the page data only for steps with a map, and coverage passes through report.json', () => {
    const report = coverageReport();
    expect(JSON.parse(JSON.stringify(report)).steps[0].coverage).toEqual(smallCoverage());
    expect(buildPageData(report).coverage.map((v) => v.step)).toEqual(['contract']);
    expect(buildPageData(coverageReport(coverageStep(null))).coverage).toEqual([]);
  });

  it('lists gaps failed first', () => {
    expect(coverageGaps(smallCoverage()).map((g) => `${g.state} ${g.what}`)).toEqual([
      'failed response 422',
      'failed input name of the wrong type',
      'not-provoked response 409',
    ]);
  });

  it('adds a coverage property to the JUnit testsuite', () => {
    expect(renderJunit([coverageStep()], { name: 'x' })).toContain('<property name="coverage" value="responses 4/5 (1 failed), inputs 4/4 (1 failed)"/>');
    expect(renderJunit([coverageStep(null)], { name: 'x' })).not.toContain('name="coverage"');
  });
});
