import { cohortTable, cohortTableText } from '../../report/cohort-table.js';
import { percentilesText } from '../../report/no-samples.js';
import type { KindRenderer } from './kind-renderer.js';
import { sloLine } from './slo.js';

/**
 * A browser step on the console: its info lines as they happen (rooms,
 * browsers, the network lab, the hold), then one line per participant with
 * its figures or its failure label, every SLO verdict, the success rate
 * with its 95 % interval and the join and first-frame percentiles, and the
 * cohorts side by side (report/cohort-table.ts).
 */
export const browserRenderer: KindRenderer = {
  info: (step, message) => `  ${step}: ${message}`,
  stepEnd(result, color) {
    if (result.kind !== 'browser' || result.summary === undefined) return undefined;
    const summary = result.summary;
    const lines = summary.participants.map((p) => {
      const q = p.quality;
      const figures = [
        p.joinTimeMs === undefined ? undefined : `join ${ms(p.joinTimeMs)}`,
        p.setupTimeMs === undefined ? undefined : `setup ${ms(p.setupTimeMs)}`,
        p.timeToFirstFrameMs === undefined ? undefined : `first frame ${ms(p.timeToFirstFrameMs)}`,
        q?.fps == null ? undefined : `${q.fps} fps`,
        q?.packetLoss == null || q.packetLoss === 0 ? undefined : `loss ${pct(q.packetLoss)}`,
        q === undefined || q.freezeCount === 0 ? undefined : `${q.freezeCount} freeze${q.freezeCount === 1 ? '' : 's'} (${pct(q.freezeRatio ?? 0)})`,
        q === undefined || q.videoRecoveryTimesMs.length === 0 ? undefined : `recovered in ${q.videoRecoveryTimesMs.map(ms).join(', ')}`,
      ].filter(Boolean);
      const verdict = p.status === 'joined' ? 'ok    ' : `FAILED ${p.label}: ${p.detail}`;
      const where = p.cohort === undefined ? p.room.padEnd(16) : `${p.room.padEnd(16)} ${p.cohort.padEnd(8)}`;
      return `  ${p.name.padEnd(12)} ${where} ${verdict} ${figures.join(', ')}`;
    });
    for (const verdict of result.slos) lines.push(sloLine(verdict, color));
    const r = summary.successRate;
    lines.push(
      `  success ${r.successes}/${r.total} (${pct(r.rate)}, 95 % CI ${pct(r.low)}–${pct(r.high)}); join_time ${percentilesText(summary.latency.join_time, ms)}; first frame ${percentilesText(summary.latency.time_to_first_frame, ms)}`,
    );
    const table = cohortTable(summary);
    if (table !== undefined) lines.push(`  ${summary.cohorts === undefined ? 'quality over the hold:' : 'cohorts:'}`, ...cohortTableText(table, '    '));
    return lines.join('\n');
  },
};

/** A window's quality in one line part: `clean fps 9.9 loss 0% freeze 0% · lossy fps 9.7 loss 13% freeze 4%` (progress.ts). */
export function windowQualityText(quality: Record<string, Record<string, number>>): string {
  return Object.entries(quality)
    .map(([cohort, q]) => {
      const parts = [
        q['fps'] === undefined ? undefined : `fps ${q['fps'].toFixed(1)}`,
        q['packet_loss'] === undefined ? undefined : `loss ${pct(q['packet_loss'])}`,
        q['freeze_ratio'] === undefined ? undefined : `frozen ${pct(q['freeze_ratio'])}`,
        q['mos'] === undefined ? undefined : `MOS ${q['mos'].toFixed(2)}`,
      ].filter(Boolean);
      return `${cohort} ${parts.join(' ')}`;
    })
    .join(' · ');
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

function pct(value: number): string {
  return Number.isNaN(value) ? 'n/a' : `${(value * 100).toFixed(1)} %`;
}
