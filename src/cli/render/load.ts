import type { StepResult } from '../../model/result.js';
import { NO_SAMPLES, orNoSamples } from '../../report/no-samples.js';
import type { KindRenderer } from './kind-renderer.js';
import { sloLine } from './slo.js';

/**
 * A load step's result on the console: per operation responses, errors and
 * latency (and service time for soaks), the totals, how well a soak kept its
 * schedule, the cleanup, then every SLO verdict.
 */
export const loadRenderer: KindRenderer = {
  stepEnd(result, color) {
    if (result.kind !== 'load') return undefined;
    const lines = loadTable(result);
    if (result.slos.length > 0) lines.push('');
    for (const verdict of result.slos) lines.push(sloLine(verdict, color));
    return lines.length === 0 ? undefined : lines.join('\n');
  },
};

function loadTable(result: Extract<StepResult, { kind: 'load' }>): string[] {
  const summary = result.summary;
  if (summary === undefined) return [];
  const lines: string[] = [];
  lines.push('', '  operation      responses  errors      p50       p99       max' + (summary.schedule === undefined ? '' : '   p99 service'));
  for (const [op, s] of Object.entries(summary.operations)) {
    lines.push(
      `  ${(op === '' ? '(unattributed)' : op).padEnd(14)} ${String(s.responses).padStart(9)} ${String(s.errors).padStart(7)} ${latencyCells(s.latency)}` +
        (s.serviceTime === undefined ? '' : `   ${orNoSamples(s.serviceTime, s.serviceTime.p99, ms)}`),
    );
  }
  const t = summary.totals;
  lines.push('', `  ${t.responses} responses, ${t.errors} errors, ${t.throughput}/s; schema: ${t.schemaChecked} sampled, ${t.schemaViolations} violations`);
  if (summary.schedule !== undefined) {
    const s = summary.schedule;
    lines.push(`  schedule: requested ${s.requestedRate}/s, achieved ${s.achievedRate}/s, ${s.late} late, ${s.dropped} dropped (max ${Math.round(s.maxLateMs)} ms behind)`);
  }
  const c = summary.cleanup;
  lines.push(
    'skipped' in c
      ? '  cleanup: skipped (--no-cleanup)'
      : `  cleanup: ${summary.setup.roomsCreated} pool rooms + the run's creates swept; ${c.deleted} deleted, ${c.failed} failed, ${c.leftOver} left open${c.error === undefined ? '' : ` (${c.error})`}`,
  );
  return lines;
}

/** p50, p99 and max columns, or one `n/a (no samples)` across them. */
function latencyCells(latency: { count: number; p50: number; p99: number; max: number }): string {
  return latency.count === 0 ? `  ${NO_SAMPLES}`.padEnd(29) : `${ms(latency.p50)} ${ms(latency.p99)} ${ms(latency.max)}`;
}

function ms(value: number): string {
  return `${(Math.round(value * 100) / 100).toFixed(2)}ms`.padStart(9);
}
