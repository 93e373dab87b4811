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
    lines.push(
      `  schedule: requested ${s.requestedRate}/s, achieved ${s.achievedRate}/s, ${s.late} late, ${s.dropped} dropped (max ${Math.round(s.maxLateMs)} ms behind)`,
    );
  }
  if ((t.retries ?? 0) > 0) lines.push(`  ${t.retries} creates sent again with the same Idempotency-Key after their response was lost`);
  const d = summary.duplicates;
  if (d !== undefined) {
    lines.push(
      'skipped' in d
        ? `  duplicates: not counted (${d.reason})`
        : `  duplicates: ${d.duplicates} rooms created twice among the run's ${d.rooms}${d.examples.map((e) => `; ${e.name}: ${e.ids.join(', ')}`).join('')}`,
    );
  }
  const c = summary.cleanup;
  if ('skipped' in c) lines.push(`  cleanup: skipped (${c.reason === 'cleanup: false' ? '--no-cleanup' : c.reason})`);
  else {
    const ids = `${(c.leftOpen ?? []).join(', ')}${(c.leftOpen?.length ?? 0) < c.leftOver ? ', …' : ''}`;
    const left =
      c.verified === false
        ? `LEFT OPEN UNKNOWN (the rooms could not be listed after cleanup)${c.leftOver === 0 ? '' : `; at least ${c.leftOver}: ${ids}`}`
        : c.leftOver === 0
          ? '0 left open'
          : `${c.leftOver} LEFT OPEN: ${ids}`;
    lines.push(
      `  cleanup: ${summary.setup.roomsCreated} pool rooms + the run's creates swept; ${c.deleted} closed, ${c.failed} failed, ${left}${c.error === undefined ? '' : ` (${c.error})`}`,
    );
  }
  for (const note of summary.notes ?? []) lines.push(`  NOTE: ${note}`);
  return lines;
}

/** p50, p99 and max columns, or one `n/a (no samples)` across them. */
function latencyCells(latency: { count: number; p50: number; p99: number; max: number }): string {
  return latency.count === 0 ? `  ${NO_SAMPLES}`.padEnd(29) : `${ms(latency.p50)} ${ms(latency.p99)} ${ms(latency.max)}`;
}

function ms(value: number): string {
  return `${(Math.round(value * 100) / 100).toFixed(2)}ms`.padStart(9);
}
