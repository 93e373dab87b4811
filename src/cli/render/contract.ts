import { stepCoverage, type CheckResult, type StepResult } from '../../model/result.js';
import type { CheckListing } from '../../contract/check-catalog.js';
import { coverageFigure } from '../../model/coverage.js';
import { evidenceText } from '../../report/evidence-text.js';
import { ansi } from '../color.js';
import type { KindRenderer } from './kind-renderer.js';

/**
 * Console lines for the contract-gate steps (contract, pact, webhooks): one
 * line per check as it completes (✓ ✗ ! – with group and name), the evidence
 * of failures indented below it, and a one-line summary per step. Colour by
 * the one colour rule (color.ts).
 */
const MARK: Record<CheckResult['status'], string> = { passed: '✓', failed: '✗', errored: '!', skipped: '–' };

export const gateRenderer: KindRenderer = {
  check: (result, color) => formatCheckLine(result, color),
  stepEnd: (result, color) => formatSummary(result, color),
};

function paint(colour: boolean, code: number, text: string): string {
  return ansi(code, text, colour);
}

export function formatCheckLine(result: CheckResult, colour: boolean): string {
  const mark = MARK[result.status];
  const code = result.status === 'passed' ? 32 : result.status === 'skipped' ? 90 : 31;
  const head = `  ${paint(colour, code, mark)} ${result.group.padEnd(11)} ${result.name}`;
  switch (result.status) {
    case 'passed':
      return `${head}${result.observations === undefined ? '' : paint(colour, 90, ` (${result.observations})`)}`;
    case 'skipped':
      return `${head}${paint(colour, 90, ` — skipped: ${result.reason}`)}`;
    case 'errored':
      return `${head}\n      error: ${result.message}`;
    case 'failed': {
      const evidence = evidenceText(result.evidence)
        .split('\n')
        .map((line) => `      ${line}`)
        .join('\n');
      // Evidence items carry the citations; a failure without evidence shows them on their own line.
      const cites = result.evidence.length === 0 && result.cites !== undefined ? `\n      cites:    ${result.cites.join('; ')}` : '';
      return `${head}\n      ${result.message}${cites}${evidence === '' ? '' : `\n${evidence}`}`;
    }
  }
}

/** `roomgate contract --list-checks`: one block per check — id, what it enforces, where that is written, and whether this document states it. */
export function formatCheckList(rows: readonly CheckListing[]): string {
  const lines: string[] = [];
  let group = '';
  for (const row of rows) {
    if (row.group !== group) {
      group = row.group;
      lines.push('', `${group}`);
    }
    lines.push(`  ${row.id}${row.notApplicable === undefined ? '' : `  [skipped with this spec: ${row.notApplicable}]`}`);
    lines.push(`      enforces: ${row.enforces}`);
    for (const cite of row.cites) lines.push(`      cites:    ${cite}`);
  }
  const skipped = rows.filter((r) => r.notApplicable !== undefined).length;
  lines.push('', `${rows.length} checks${skipped === 0 ? '' : `, ${skipped} not applicable to this spec`}`);
  return lines.join('\n').trimStart();
}

/** `contract PASSED: 60 passed, 0 failed, 0 errored, 2 skipped in 12.3 s; coverage …`, named after the step. */
export function formatSummary(result: StepResult, colour: boolean): string {
  const counts = { passed: 0, failed: 0, errored: 0, skipped: 0 };
  for (const check of result.checks) counts[check.status] += 1;
  const verdict = result.status === 'passed' ? paint(colour, 32, 'PASSED') : paint(colour, 31, result.status.toUpperCase());
  const map = stepCoverage(result);
  const coverage = map === undefined ? '' : `; coverage ${coverageFigure(map)}`;
  return `\n${result.name} ${verdict}: ${counts.passed} passed, ${counts.failed} failed, ${counts.errored} errored, ${counts.skipped} skipped in ${(result.durationMs / 1000).toFixed(1)} s${coverage}`;
}
