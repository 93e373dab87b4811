import { percentilesText } from '../../report/no-samples.js';
import type { KindRenderer } from './kind-renderer.js';
import { sloLine } from './slo.js';

/**
 * A browser step on the console: its info lines as they happen (rooms,
 * browsers, the hold), then one line per participant with its figures or its
 * failure label, every SLO verdict, and the success rate with its 95 %
 * interval and the join and first-frame percentiles.
 */
export const browserRenderer: KindRenderer = {
  info: (step, message) => `  ${step}: ${message}`,
  stepEnd(result, color) {
    if (result.kind !== 'browser' || result.summary === undefined) return undefined;
    const summary = result.summary;
    const lines = summary.participants.map((p) => {
      const figures = [
        p.joinTimeMs === undefined ? undefined : `join ${ms(p.joinTimeMs)}`,
        p.setupTimeMs === undefined ? undefined : `setup ${ms(p.setupTimeMs)}`,
        p.timeToFirstFrameMs === undefined ? undefined : `first frame ${ms(p.timeToFirstFrameMs)}`,
        p.quality?.fps == null ? undefined : `${p.quality.fps} fps`,
      ].filter(Boolean);
      const verdict = p.status === 'joined' ? 'ok    ' : `FAILED ${p.label}: ${p.detail}`;
      return `  ${p.name.padEnd(12)} ${p.room.padEnd(16)} ${verdict} ${figures.join(', ')}`;
    });
    for (const verdict of result.slos) lines.push(sloLine(verdict, color));
    const r = summary.successRate;
    lines.push(
      `  success ${r.successes}/${r.total} (${pct(r.rate)}, 95 % CI ${pct(r.low)}–${pct(r.high)}); join_time ${percentilesText(summary.latency.join_time, ms)}; first frame ${percentilesText(summary.latency.time_to_first_frame, ms)}`,
    );
    return lines.join('\n');
  },
};

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

function pct(value: number): string {
  return Number.isNaN(value) ? 'n/a' : `${(value * 100).toFixed(1)} %`;
}
