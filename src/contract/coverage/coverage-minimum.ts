import { coverageFigure, type ContractCoverage } from '../../model/coverage.js';
import { fail, pass } from '../check.js';
import { cite, defineCheck } from '../check-definition.js';
import type { GateContext } from '../gate-context.js';
import { coverageShare } from './coverage-recorder.js';

export const COVERAGE_MINIMUM_CHECKS = {
  minimum: defineCheck({
    id: 'coverage.minimum',
    group: 'coverage',
    enforces: 'with --min-coverage P, at least P % of the provokable cells of each coverage map (declared responses, invalid inputs) were provoked',
    cites: [cite.guide('docs/contract-gate.md', 'Contract coverage', '--min-coverage')],
  }),
};

/** `--min-coverage P`: the finished coverage map against the floor, with the cells that were not provoked. */
export async function runCoverageMinimum(ctx: GateContext, map: ContractCoverage, min: number): Promise<void> {
  await ctx.check(COVERAGE_MINIMUM_CHECKS.minimum, async () => {
    if (map.minimum?.held === true) return pass(map.responses.length + map.inputs.length);
    const missing = [...map.responses, ...map.inputs].filter((c) => c.state === 'not-provoked');
    const shown = missing.slice(0, 8).map((c) => `${c.operationId} ${c.label ?? c.kind} (${c.note ?? 'not provoked'})`);
    return fail(
      `coverage below --min-coverage ${min} %: responses ${coverageShare(map.totals.responses).toFixed(1)} %, inputs ${coverageShare(map.totals.inputs).toFixed(1)} % (${coverageFigure(map)}); not provoked: ${shown.join('; ')}${missing.length > 8 ? '; …' : ''}`,
      [],
    );
  });
}
