import type { RunReport } from './report-json.js';
import { coverageGaps, minimumText } from './coverage-view.js';
import { sloMessage } from './evidence-text.js';
import { cohortTable } from './cohort-table.js';
import { coverageFigure } from '../model/coverage.js';
import { stepCoverage } from '../model/result.js';
import type { WebhookSinkSummary } from '../model/webhook-sink-summary.js';
import type { LoadSummary } from '../model/load-summary.js';
import { NO_SAMPLES } from './no-samples.js';

/**
 * summary.md: the run in a few tables, for `$GITHUB_STEP_SUMMARY` and PR
 * comments. Everything from the target is put in code spans or escaped so it
 * cannot turn into Markdown links, images or HTML.
 */
const ICON: Record<string, string> = {
  passed: '✅',
  failed: '❌',
  errored: '💥',
  invalid: '⚠️',
  interrupted: '⏹️',
  skipped: '⏭️',
  'no-data': '❔',
};

/** Failed and not-provoked coverage cells listed per step; the rest is in report.html. */
const MAX_COVERAGE_ROWS = 30;

export function renderSummaryMarkdown(report: RunReport): string {
  const lines: string[] = [];
  const { run } = report;
  lines.push(`## roomgate ${md(run.name)}: ${ICON[run.status] ?? ''} ${run.status}${run.partial ? ' (partial)' : ''}`, '');
  lines.push(
    `Target: ${code(report.target.baseUrl)}${report.target.embedded ? ' (embedded reference server)' : ''} · ${formatSeconds(run.durationMs)} · started ${run.startedAt}`,
    '',
  );
  if (run.reason !== undefined) lines.push(`> ${md(run.reason)}`, '');
  lines.push('| step | kind | status | checks | SLOs | time | note |', '|---|---|---|---|---|---|---|');
  for (const step of report.steps) {
    const checks = step.checks.length === 0 ? '' : `${step.checks.filter((c) => c.status === 'passed').length}/${step.checks.length}`;
    const slos = step.slos.length === 0 ? '' : `${step.slos.filter((s) => s.status === 'passed').length}/${step.slos.length}`;
    lines.push(
      `| ${md(step.name)} | ${step.kind} | ${ICON[step.status] ?? ''} ${step.status} | ${checks} | ${slos} | ${formatSeconds(step.durationMs)} | ${md(step.reason ?? '')} |`,
    );
  }
  const failedChecks = report.steps.flatMap((step) =>
    step.checks.filter((c) => c.status === 'failed' || c.status === 'errored').map((c) => ({ step, check: c })),
  );
  if (failedChecks.length > 0) {
    lines.push('', '### Failed checks', '');
    for (const { step, check } of failedChecks.slice(0, 50)) {
      lines.push(
        `- ${ICON[check.status]} **${md(step.name)}** ${code(check.name)}: ${md(check.status === 'failed' || check.status === 'errored' ? check.message : '')}`,
      );
    }
    if (failedChecks.length > 50) lines.push(`- … and ${failedChecks.length - 50} more (see report.html)`);
  }
  for (const step of report.steps) {
    const map = stepCoverage(step);
    if (map === undefined) continue;
    const minimum = minimumText(map);
    lines.push('', `### Coverage: ${md(step.name)}`, '', `coverage: ${coverageFigure(map)}${minimum === undefined ? '' : ` · ${minimum}`}`);
    const gaps = coverageGaps(map);
    if (gaps.length > 0) {
      lines.push('', '| operation | response / input | state | note |', '|---|---|---|---|');
      for (const gap of gaps.slice(0, MAX_COVERAGE_ROWS)) {
        lines.push(`| ${code(gap.operationId)} | ${md(gap.what)} | ${gap.state === 'failed' ? '❌' : '⚠️'} ${gap.state} | ${md(gap.note)} |`);
      }
      if (gaps.length > MAX_COVERAGE_ROWS) lines.push('', `… ${gaps.length - MAX_COVERAGE_ROWS} more (see report.html)`);
    }
  }
  for (const step of report.steps) if (step.kind === 'webhook-sink' && step.summary !== undefined) lines.push(...webhookDeliveryLines(step.name, step.summary));
  for (const step of report.steps) if (step.kind === 'load' && step.summary !== undefined) lines.push(...roomsLeftOpenLines(step.name, step.summary.cleanup));
  for (const step of report.steps) {
    if (step.kind !== 'browser' || step.summary === undefined) continue;
    const table = cohortTable(step.summary);
    if (table === undefined) continue;
    lines.push('', `### ${step.summary.cohorts === undefined ? 'Quality' : 'Cohorts'}: ${md(step.name)}`, '');
    lines.push(`| ${table.columns.map(md).join(' | ')} |`, `|${table.columns.map(() => '---').join('|')}|`);
    for (const row of table.rows) lines.push(`| ${row.map(md).join(' | ')} |`);
  }
  if (report.slos.length > 0) {
    lines.push('', '### SLOs', '', '| step | threshold | status | observed |', '|---|---|---|---|');
    for (const slo of report.slos)
      lines.push(`| ${md(slo.step)} | ${code(slo.expression)} | ${ICON[slo.status] ?? ''} ${slo.status} | ${md(sloMessage(slo))} |`);
  }
  lines.push('');
  return lines.join('\n');
}

/** A webhook-sink step's figures per event: what the run announced, what came, what went missing, and how fast. */
function webhookDeliveryLines(name: string, summary: WebhookSinkSummary): string[] {
  const lines = [
    '',
    `### Webhook delivery: ${md(name)}`,
    '',
    '| event | expected | delivered | missing | late | duplicates | redeliveries | p50 | p99 |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [event, e] of Object.entries(summary.events)) {
    const latency = e.latency.count === 0 ? [NO_SAMPLES, ''] : [`${formatMs(e.latency.p50)}`, `${formatMs(e.latency.p99)}`];
    lines.push(`| ${code(event)} | ${e.expected} | ${e.delivered} | ${e.missing} | ${e.late} | ${e.duplicates} | ${e.redeliveries} | ${latency.join(' | ')} |`);
  }
  const t = summary.totals;
  lines.push(
    '',
    summary.subscription.verified
      ? `Signatures: ${t.signaturesChecked} checked, ${t.badSignatures} bad, ${t.staleTimestamps} stale timestamps.`
      : 'Signatures: not judged (no signing secret, or the profile says deliveries are unsigned).',
  );
  return lines;
}

/** A load step's rooms still open after its cleanup, with their ids: what someone has to close by hand. Nothing when none are. */
function roomsLeftOpenLines(name: string, cleanup: LoadSummary['cleanup']): string[] {
  if ('skipped' in cleanup || (cleanup.leftOver === 0 && cleanup.verified !== false)) return [];
  const ids = cleanup.leftOpen ?? [];
  const more = cleanup.leftOver > ids.length ? ` and ${cleanup.leftOver - ids.length} more` : '';
  const head =
    cleanup.verified === false
      ? `What is left open is unknown: the run's rooms could not be listed after cleanup${cleanup.leftOver === 0 ? '.' : `; at least ${cleanup.leftOver}:`}`
      : `${cleanup.leftOver} of the run's rooms are still open on the target (listed after cleanup):`;
  return ['', `### Rooms left open: ${md(name)}`, '', `${head} ${ids.map(code).join(', ')}${more}`.trimEnd()];
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/** Escape Markdown and HTML so target text renders literally (and on one table row). */
function md(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]{}()#+!|~])/g, '\\$1');
}

function code(text: string): string {
  const clean = text.replace(/\r?\n/g, ' ').replace(/\|/g, '¦');
  const fence = clean.includes('`') ? '``' : '`';
  return `${fence}${clean}${fence}`;
}

function formatSeconds(ms: number): string {
  return ms >= 60_000 ? `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s` : `${(ms / 1000).toFixed(1)}s`;
}
