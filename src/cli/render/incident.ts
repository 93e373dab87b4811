import { describeRecovery } from '../../runner/incident-step.js';
import type { KindRenderer } from './kind-renderer.js';
import { sloLine } from './slo.js';

/**
 * An incidents step on the console: per incident, when it was on, what the
 * fault proxy did to roomgate's requests, its recovery time (overall and per
 * measured step) and the participants it reached; then its SLO verdicts.
 */
export const incidentRenderer: KindRenderer = {
  stepEnd(result, color) {
    if (result.kind !== 'incident') return undefined;
    const lines: string[] = [];
    for (const outcome of result.summary?.incidents ?? []) {
      const record = outcome.record;
      if (record.status === 'not-started') {
        lines.push(`  ${record.incident}: never started`);
        continue;
      }
      const disturbed = Object.entries(outcome.disturbed ?? {}).map(([action, n]) => `${n} ${action}`);
      lines.push(
        `  ${record.incident} (${record.description}), ${seconds(record.endedAt - record.startedAt)}${disturbed.length === 0 ? '' : `: ${disturbed.join(', ')}`}`,
      );
      lines.push(`    ${describeRecovery(outcome.recovery)}`);
      for (const step of outcome.recoveryBySteps) lines.push(`      ${step.step}: ${describeRecovery(step.recovery)}`);
      for (const p of outcome.participants) {
        lines.push(
          `    ${p.step}: ${p.present} in a call, ${p.interrupted} interrupted, ${p.videoBack} with video back${p.longestUntilVideoMs === undefined ? '' : ` (longest ${seconds(p.longestUntilVideoMs)})`}`,
        );
      }
    }
    if (result.slos.length > 0) lines.push('');
    for (const verdict of result.slos) lines.push(sloLine(verdict, color));
    return lines.length === 0 ? undefined : ['', ...lines].join('\n');
  },
};

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}
