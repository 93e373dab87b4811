import type { StepStatus } from '../model/result.js';
import { figureKeyParts, figuresOf } from './compare.js';
import type { RunReport } from './report-json.js';

/**
 * Why two runs cannot be compared figure by figure, or why the new run
 * cannot pass a baseline gate whatever its figures say. Without these,
 * `compare` compared only the figures both runs had: a new run that was
 * invalid, cut short, of another suite, or that lost a step or an operation
 * "passed" with exit 0.
 *
 * - `other-suite`: the runs are of different suites (exit 2: the user picked the wrong pair);
 * - `unusable-base`: the baseline itself is partial or has no verdict (exit 2: pick another baseline);
 * - `untrustworthy-run`: the new run is invalid, errored, interrupted or partial (exit 1);
 * - `missing-step` / `missing-operation` / `missing-metric`: BASE measured something NEW did not (exit 1).
 */
export type CompareProblem =
  | { kind: 'other-suite'; message: string }
  | { kind: 'unusable-base'; message: string }
  | { kind: 'untrustworthy-run'; message: string }
  | { kind: 'missing-step'; step: string; message: string }
  | { kind: 'missing-operation'; step: string; operation: string; message: string }
  | { kind: 'missing-metric'; step: string; operation: string; metric: string; message: string };

/** Statuses whose figures are not a measurement of the target that a gate can trust. */
const NO_VERDICT: readonly StepStatus[] = ['invalid', 'errored', 'interrupted'];

export function compareProblems(base: RunReport, current: RunReport): CompareProblem[] {
  if (base.run.name !== current.run.name) {
    return [
      {
        kind: 'other-suite',
        message: `the runs are of different suites: BASE is "${base.run.name}", NEW is "${current.run.name}"; compare two runs of the same suite`,
      },
    ];
  }
  const problems: CompareProblem[] = [];
  const baseState = unusableState(base);
  if (baseState !== undefined) problems.push({ kind: 'unusable-base', message: `BASE ${baseState}; use a complete run as the baseline` });
  const currentState = unusableState(current);
  if (currentState !== undefined) problems.push({ kind: 'untrustworthy-run', message: `NEW ${currentState}` });
  problems.push(...missingInCurrent(base, current));
  return problems;
}

/** The exit code the problems call for on their own (0 when there are none). */
export function exitCodeForProblems(problems: readonly CompareProblem[]): 0 | 1 | 2 {
  if (problems.some((p) => p.kind === 'other-suite' || p.kind === 'unusable-base')) return 2;
  return problems.length > 0 ? 1 : 0;
}

function unusableState(report: RunReport): string | undefined {
  const why = report.run.reason === undefined ? '' : ` (${report.run.reason})`;
  if (NO_VERDICT.includes(report.run.status)) return `is ${report.run.status}${why}`;
  if (report.run.partial || report.run.exitCode === undefined) return `is a partial report (the run did not finish)${why}`;
  return undefined;
}

/** Steps, operations and figures BASE has and NEW lacks, most general first (a missing step is not also reported per operation). */
function missingInCurrent(base: RunReport, current: RunReport): CompareProblem[] {
  const problems: CompareProblem[] = [];
  const ranSteps = (report: RunReport) => new Set(report.steps.filter((s) => s.status !== 'skipped').map((s) => s.name));
  const baseSteps = ranSteps(base);
  const currentSteps = ranSteps(current);
  const missingSteps = new Set<string>();
  for (const step of baseSteps) {
    if (currentSteps.has(step)) continue;
    missingSteps.add(step);
    const skipped = current.steps.find((s) => s.name === step);
    problems.push({
      kind: 'missing-step',
      step,
      message: `NEW lacks step "${step}" that BASE ran${skipped === undefined ? '' : ` (NEW skipped it: ${skipped.reason ?? 'no reason given'})`}`,
    });
  }
  const currentFigures = figuresOf(current);
  const opKey = (k: string) => {
    const { step, operation } = figureKeyParts(k);
    return JSON.stringify([step, operation]);
  };
  const currentOps = new Set([...currentFigures.keys()].map(opKey));
  const reportedOps = new Set<string>();
  for (const k of figuresOf(base).keys()) {
    if (currentFigures.has(k)) continue;
    const { step, operation, metric } = figureKeyParts(k);
    if (missingSteps.has(step)) continue;
    const op = opKey(k);
    if (!currentOps.has(op)) {
      if (reportedOps.has(op)) continue;
      reportedOps.add(op);
      problems.push({
        kind: 'missing-operation',
        step,
        operation,
        message: `NEW has no ${operation} figures in step "${step}"; BASE has them (the new run never called it, or every sample was lost)`,
      });
    } else {
      problems.push({ kind: 'missing-metric', step, operation, metric, message: `NEW has no ${metric} for ${operation} in step "${step}"; BASE has one` });
    }
  }
  return problems;
}
