import type { WebhookEventSummary, WebhookSinkSummary } from '../../model/webhook-sink-summary.js';
import { NO_SAMPLES } from '../../report/no-samples.js';
import type { KindRenderer } from './kind-renderer.js';
import { sloLine } from './slo.js';

/** Missing events listed by room before the SLO lines; the rest are in report.json. */
const MAX_MISSING_LINES = 3;

/**
 * A webhook-sink step's result on the console: per event, how many the
 * watched steps announced, how many webhooks came (in time, late, missing),
 * duplicates and redeliveries, delivery latency; then the signature figures,
 * the first missing rooms, and every SLO verdict.
 */
export const webhookSinkRenderer: KindRenderer = {
  stepEnd(result, color) {
    if (result.kind !== 'webhook-sink') return undefined;
    const lines = result.summary === undefined ? [] : sinkTable(result.summary);
    if (result.slos.length > 0) lines.push('');
    for (const verdict of result.slos) lines.push(sloLine(verdict, color));
    return lines.length === 0 ? undefined : lines.join('\n');
  },
};

function sinkTable(summary: WebhookSinkSummary): string[] {
  const lines = ['', '  event               expected delivered  missing   late  dups  redeliv       p50       p99       max'];
  for (const [event, e] of Object.entries(summary.events)) {
    lines.push(
      `  ${event.padEnd(19)} ${num(e.expected, 8)} ${num(e.delivered, 9)} ${num(e.missing, 8)} ${num(e.late, 6)} ${num(e.duplicates, 5)} ${num(e.redeliveries, 8)} ${latencyCells(e)}`,
    );
  }
  const t = summary.totals;
  const watched = summary.watched.length === 0 ? 'no step' : summary.watched.join(', ');
  lines.push(
    '',
    `  ${t.expected} room events announced by ${watched}; ${t.deliveries} deliveries received (${t.refused} refused on purpose), ${t.unexpected} about other rooms`,
  );
  lines.push(
    summary.subscription.verified
      ? `  signatures: ${t.signaturesChecked} checked, ${t.badSignatures} bad, ${t.staleTimestamps} stale timestamps`
      : `  signatures: not judged (${summary.subscription.signature === 'none' ? 'the profile says deliveries are unsigned' : 'no signing secret known'})`,
  );
  if (t.pending > 0)
    lines.push(
      `  ${t.pending} events were still within their ${seconds(summary.deliveryBudgetMs)} budget when the step stopped (neither delivered nor missing)`,
    );
  for (const missing of summary.missingExamples.slice(0, MAX_MISSING_LINES)) {
    lines.push(
      `  missing: ${missing.event} of ${missing.roomId} (announced by ${missing.step} at ${missing.announcedAt}${missing.requestId === undefined ? '' : `, request ${missing.requestId}`})`,
    );
  }
  if (t.missing > MAX_MISSING_LINES)
    lines.push(
      `  … ${t.missing - Math.min(MAX_MISSING_LINES, summary.missingExamples.length)} more missing (report.json lists the first ${summary.missingExamples.length})`,
    );
  return lines;
}

function latencyCells(e: WebhookEventSummary): string {
  return e.latency.count === 0 ? `  ${NO_SAMPLES}` : `${ms(e.latency.p50)} ${ms(e.latency.p99)} ${ms(e.latency.max)}`;
}

function num(value: number, width: number): string {
  return String(value).padStart(width);
}

function ms(value: number): string {
  return (value >= 1000 ? `${(value / 1000).toFixed(2)}s` : `${value.toFixed(1)}ms`).padStart(9);
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
