import type { EventSink } from '../model/events.js';
import { stepMetrics, type SloVerdict, type StepResult } from '../model/result.js';
import { evaluateInScope, type Interval } from '../slo/scope.js';
import { formatObserved } from '../slo/format-observed.js';
import type { StepJudging } from './incident-step.js';

/**
 * A step's scoped thresholds (`join_time.p95 < 8s during burst`), judged by
 * the runner once the steps and incidents they name have ended, with the same
 * evaluator over the step's own windows (src/slo/scope.ts). The verdicts join
 * the step's own; a step that passed fails when one of them is not met, with
 * the same wording as its own SLO failures. A worse status (invalid,
 * interrupted, errored) is kept: it says more than any threshold.
 */
export function judgeScopedSlos(result: StepResult, rules: StepJudging, intervalsOf: (name: string) => Interval[], emit: EventSink): StepResult {
  const metrics = stepMetrics(result);
  const verdicts: SloVerdict[] = rules.scoped.map((slo) => {
    if (metrics !== undefined) return evaluateInScope(slo, metrics, rules.catalog, intervalsOf(slo.scope!.of));
    const { expression, metric, threshold, unit } = slo;
    return {
      expression,
      metric,
      ...(slo.operation === undefined ? {} : { operation: slo.operation }),
      threshold,
      unit,
      ...(slo.scope === undefined ? {} : { scope: slo.scope }),
      status: 'no-data',
    };
  });
  for (const verdict of verdicts) emit({ type: 'slo', at: Date.now(), step: result.name, verdict });
  const bad = verdicts.filter((v) => v.status !== 'passed');
  const judged = { ...result, slos: [...result.slos, ...verdicts] };
  if (result.status !== 'passed' || bad.length === 0) return judged;
  return { ...judged, status: 'failed', reason: `${bad.length} of ${verdicts.length} scoped SLOs not met: ${bad.map(describe).join('; ')}` };
}

function describe(verdict: SloVerdict): string {
  if (verdict.status === 'no-data')
    return `${verdict.expression} (no data${verdict.windows === 0 ? `: no window ${verdict.scope?.mode ?? 'in'} ${verdict.scope?.of ?? 'it'}` : ''})`;
  return `${verdict.expression} (observed ${formatObserved(verdict.observed, verdict.unit)})`;
}
