import type { CheckResult, SloVerdict, StepStatus } from '../../model/result.js';
import type { Slo } from '../../slo/types.js';
import type { FailureLabel } from '../options.js';
import type { ParticipantSummary } from '../../model/browser-summary.js';

/** True when an SLO judges success (then a few failures may be tolerated); otherwise every participant must succeed. */
export function successJudgedBySlo(slos: readonly Slo[]): boolean {
  return slos.some((s) => ['success_rate', 'failure_rate', 'participants_failed'].includes(s.metric) || s.metric.startsWith('failed_'));
}

/** The gate when no SLO judges success: every participant joined (and saw video where it had company). */
export function allJoinedCheck(summaries: readonly ParticipantSummary[], failures: Partial<Record<FailureLabel, number>>, durationMs: number): CheckResult {
  const failed = summaries.filter((s) => s.status === 'failed');
  return failed.length === 0
    ? { name: 'participants.all-joined-and-saw-video', group: 'participants', status: 'passed', observations: summaries.length, durationMs }
    : {
        name: 'participants.all-joined-and-saw-video',
        group: 'participants',
        status: 'failed',
        durationMs,
        message: `${failed.length} of ${summaries.length} participants failed: ${Object.entries(failures)
          .map(([l, n]) => `${n} ${l}`)
          .join(', ')}`,
        evidence: failed.map((f) => ({
          expected: `${f.name} joins${summaries.length > 1 ? ' and sees remote video' : ''}`,
          actual: `${f.label}: ${f.detail}`,
        })),
      };
}

/** Status and reason, in precedence order: interrupted > invalid (harness overloaded) > failed (a check or SLO) > passed. */
export function browserVerdict(input: { interrupted: boolean; overloadDetail?: string; checks: readonly CheckResult[]; verdicts: readonly SloVerdict[] }): {
  status: StepStatus;
  reason?: string;
} {
  if (input.interrupted) return { status: 'interrupted', reason: 'interrupted; participants left and rooms were deleted' };
  if (input.overloadDetail !== undefined) {
    return { status: 'invalid', reason: `the harness was overloaded, so the figures measure this host, not the target: ${input.overloadDetail}` };
  }
  const failedChecks = input.checks.filter((c) => c.status === 'failed');
  const failedSlos = input.verdicts.filter((v) => v.status !== 'passed');
  if (failedChecks.length > 0 || failedSlos.length > 0) {
    const reasons = [
      ...failedChecks.map((c) => (c.status === 'failed' ? c.message : '')),
      ...failedSlos.map((v) => `SLO ${v.expression} ${v.status === 'no-data' ? 'had no data' : `observed ${'observed' in v ? v.observed : ''}`}`),
    ];
    return { status: 'failed', reason: reasons.join('; ') };
  }
  return { status: 'passed' };
}
