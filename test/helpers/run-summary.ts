import type { RunSummaryJson } from '../../src/cli/summary-json.js';
import type { ContractCoverage } from '../../src/model/coverage.js';
import type { CheckResult, StepKind } from '../../src/model/result.js';

/** The `--json` summary every plan-running command prints (stdout holds exactly this one document). */
export function parseRunSummary(stdout: string): RunSummaryJson {
  return JSON.parse(stdout) as RunSummaryJson;
}

/** One step's whole result, by kind (the first of that kind). */
export function stepResultOf(summary: RunSummaryJson, kind: StepKind): RunSummaryJson['steps'][number]['result'] | undefined {
  return summary.steps.find((s) => s.kind === kind)?.result;
}

/**
 * What `roomgate contract --json` printed before it became a plan: the gate as one result, its
 * checks those of every step (pact's, then the contract step's), its coverage map the contract step's.
 */
export function gateResultOf(summary: RunSummaryJson): { checks: CheckResult[]; coverage?: ContractCoverage } {
  const contract = stepResultOf(summary, 'contract');
  const coverage = contract?.kind === 'contract' ? contract.coverage : undefined;
  return { checks: summary.steps.flatMap((s) => s.result.checks), ...(coverage === undefined ? {} : { coverage }) };
}
