import type { SloVerdict, StepStatus } from '../model/result.js';
import type { LoadSummary } from '../model/load-summary.js';
import { unexpectedStatusesClause } from './unexpected-statuses.js';

/** Thresholds that read failed requests: when one fails, the reason says what the target answered. */
const ERROR_METRICS: readonly string[] = ['errors', 'error_rate', 'success_rate', 'availability'];

/** Everything the final status depends on, so a shard and a merged run of shards are judged by the same rules. */
export interface LoadVerdictInput {
  /** The generator threw. */
  runError?: unknown;
  interrupted: boolean;
  totals: Pick<LoadSummary['totals'], 'attempts' | 'requests' | 'responses'>;
  schedule?: LoadSummary['schedule'];
  maxLateFraction: number;
  abortedBy?: string;
  verdicts: readonly SloVerdict[];
  /** Per-operation figures; their `unexpectedStatuses` name what the target answered when an error threshold fails. */
  operations?: LoadSummary['operations'];
}

/**
 * The step's status and reason, in precedence order: errored > interrupted >
 * invalid (nothing sent or answered, generator behind schedule) > failed
 * (stopped by abort_on_fail, an SLO breached or without data) > passed.
 */
export function loadVerdict(input: LoadVerdictInput): { status: StepStatus; reason?: string } {
  const { totals, verdicts } = input;
  if (input.runError !== undefined) return { status: 'errored', reason: `the load generator failed: ${(input.runError as Error).message}` };
  if (input.interrupted) return { status: 'interrupted', reason: 'interrupted; the results cover the part that ran' };
  if (totals.attempts === 0) return { status: 'invalid', reason: 'no request was sent' };
  if (totals.responses === 0) return { status: 'invalid', reason: `the target answered none of the ${totals.requests} requests (unreachable?)` };
  const s = input.schedule;
  if (s !== undefined && s.lateFraction > input.maxLateFraction) {
    return {
      status: 'invalid',
      reason: `the load generator fell behind its schedule: ${s.late} of ${s.sent} sends (${pct(s.lateFraction)}) were more than ${s.lateThresholdMs} ms late; lower --rate or run on a quieter machine`,
    };
  }
  const bad = verdicts.filter((v) => v.status !== 'passed');
  const answered = bad.some((v) => ERROR_METRICS.includes(v.metric)) && input.operations !== undefined ? unexpectedStatusesClause(input.operations) : undefined;
  const because = answered === undefined ? '' : ` — ${answered}`;
  if (input.abortedBy !== undefined) return { status: 'failed', reason: `stopped early: ${input.abortedBy} was breached${because}` };
  if (bad.length > 0) {
    return {
      status: 'failed',
      reason: `${bad.length} of ${verdicts.length} SLOs not met: ${bad.map((v) => `${v.expression} (${v.status === 'no-data' ? 'no data' : `observed ${fmt(v.observed, v.unit)}`})`).join('; ')}${because}`,
    };
  }
  return { status: 'passed' };
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 10000) / 100}%`;
}

function fmt(value: number, unit: SloVerdict['unit']): string {
  switch (unit) {
    case 'ms':
      return `${Math.round(value * 100) / 100}ms`;
    case 'ratio':
      return pct(value);
    case 'per_second':
      return `${Math.round(value * 10) / 10}/s`;
    case 'count':
      return String(value);
  }
}
