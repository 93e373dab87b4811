import type { Evidence } from '../model/evidence.js';
import type { SloVerdict } from '../model/result.js';

/**
 * Evidence as plain text, for JUnit failure bodies, summary.md and the
 * console: enough to understand and reproduce a failure without re-running.
 */
export function evidenceText(evidence: readonly Evidence[]): string {
  return evidence
    .map((item, index) => {
      const lines: string[] = [];
      if (evidence.length > 1) lines.push(`--- evidence ${index + 1} of ${evidence.length}`);
      lines.push(`expected: ${item.expected}`);
      if (item.cites !== undefined && item.cites.length > 0) lines.push(`cites:    ${item.cites.join('; ')}`);
      if (item.actual !== undefined) lines.push(`actual:   ${item.actual}`);
      if (item.request !== undefined) {
        lines.push(`request:  ${item.request.method} ${item.request.url}`);
        for (const [name, value] of Object.entries(item.request.headers)) lines.push(`  ${name}: ${value}`);
        if (item.request.body !== undefined) lines.push(`  body: ${item.request.body}`);
      }
      if (item.response !== undefined) {
        const took = item.response.durationMs === undefined ? '' : ` (${Math.round(item.response.durationMs)} ms)`;
        lines.push(`response: ${item.response.status}${took}`);
        for (const [name, value] of Object.entries(item.response.headers)) lines.push(`  ${name}: ${value}`);
        if (item.response.body !== undefined) {
          lines.push(`  body: ${item.response.body}${item.response.truncated === true ? ' …(truncated)' : ''}`);
        }
      }
      if (item.curl !== undefined) lines.push(`reproduce: ${item.curl}`);
      return lines.join('\n');
    })
    .join('\n');
}

/** A figure in the SLO's own unit, for messages: `412 ms`, `0.20 %`, `35 req/s`. */
export function formatSloValue(value: number, unit: SloVerdict['unit']): string {
  switch (unit) {
    case 'ms':
      return value >= 1000 ? `${(value / 1000).toFixed(value >= 10_000 ? 1 : 2)} s` : `${round(value)} ms`;
    case 'ratio':
      return `${round(value * 100)} %`;
    case 'per_second':
      return `${round(value)}/s`;
    case 'count':
      return `${round(value)}`;
  }
}

function round(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(1) : value.toPrecision(2);
}

/** One sentence on an SLO verdict: `observed 412 ms against < 300 ms`. */
export function sloMessage(verdict: SloVerdict): string {
  if (verdict.status === 'no-data') {
    return `no samples for ${verdict.metric}${verdict.operation === undefined ? '' : ` of ${verdict.operation}`}: an SLO over nothing proves nothing`;
  }
  const at = verdict.status === 'failed' && verdict.breachedAtMs !== undefined ? ` (first breached at ${Math.round(verdict.breachedAtMs / 1000)} s)` : '';
  return `observed ${formatSloValue(verdict.observed, verdict.unit)}, threshold ${formatSloValue(verdict.threshold, verdict.unit)}${at}`;
}
