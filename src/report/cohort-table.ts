import type { LatencySummary } from '../metrics/summary.js';
import type { BrowserStepSummary, CohortChangeSummary, ProportionInterval, QualitySummary } from '../model/browser-summary.js';
import { NO_SAMPLES } from './no-samples.js';

/**
 * A browser step's cohorts side by side: one column per cohort, one row per
 * figure (join and first-frame percentiles, success with its Wilson
 * interval, the quality figures). A step without cohorts gets one column,
 * `all`, when it sampled any quality. The console, summary.md and
 * report.html all print this one table, so they say the same thing.
 */
export interface CohortTable {
  /** The column heads: `''` for the figure names, then the cohorts. */
  columns: string[];
  /** Each row: the figure's name, then one cell per cohort. */
  rows: string[][];
}

interface Column {
  name: string;
  network?: string;
  changes?: readonly CohortChangeSummary[];
  participants: number;
  successRate?: ProportionInterval;
  latency?: { join_time: LatencySummary; time_to_first_frame: LatencySummary };
  quality: QualitySummary;
}

export function cohortTable(summary: BrowserStepSummary): CohortTable | undefined {
  const columns: Column[] =
    summary.cohorts !== undefined && summary.cohorts.length > 0
      ? summary.cohorts
      : summary.quality !== undefined && summary.quality.fps.count + summary.quality.packet_loss.count > 0
        ? [{ name: 'all', participants: summary.participants.length, successRate: summary.successRate, latency: summary.latency, quality: summary.quality }]
        : [];
  if (columns.length === 0) return undefined;
  const row = (name: string, cell: (c: Column) => string): string[] => [name, ...columns.map(cell)];
  const q = (c: Column) => c.quality;
  const rows: string[][] = [];
  if (columns.some((c) => c.network !== undefined)) rows.push(row('network', (c) => networkText(c)));
  rows.push(row('participants', (c) => String(c.participants)));
  rows.push(row('success (95 % CI)', (c) => (c.successRate === undefined ? '' : successText(c.successRate))));
  rows.push(row('join time p50 / p95', (c) => pair(c.latency?.join_time, ms)));
  rows.push(row('first frame p50 / p95', (c) => pair(c.latency?.time_to_first_frame, ms)));
  rows.push(row('fps p50', (c) => stat(q(c).fps, 'p50', (v) => v.toFixed(1))));
  rows.push(row('bitrate p50', (c) => stat(q(c).bitrate, 'p50', (v) => `${v.toFixed(1)} kbit/s`)));
  rows.push(row('frame height p50', (c) => stat(q(c).frame_height, 'p50', (v) => `${Math.round(v)} px`)));
  rows.push(row('packet loss p50 / p95', (c) => pair(q(c).packet_loss, percent)));
  rows.push(row('jitter p50', (c) => stat(q(c).jitter, 'p50', ms)));
  rows.push(row('RTT p50', (c) => stat(q(c).rtt, 'p50', ms)));
  rows.push(row('MOS p50 (1–5)', (c) => stat(q(c).mos, 'p50', (v) => v.toFixed(2))));
  rows.push(row('freeze ratio p50 / p95', (c) => pair(q(c).freeze_ratio, percent)));
  rows.push(row('freezes', (c) => String(q(c).freezes)));
  rows.push(row('frames dropped', (c) => String(q(c).frames_dropped)));
  rows.push(row('audio concealment p50', (c) => stat(q(c).audio_concealment, 'p50', percent)));
  rows.push(
    row('video recovery p95 (n)', (c) => {
      const r = q(c).video_recovery_time;
      const lost = q(c).video_not_recovered;
      const text = r.count === 0 ? (lost > 0 ? 'never' : 'no interruption') : `${ms(r.p95)} (${r.count})`;
      return lost > 0 && r.count > 0 ? `${text}, ${lost} never` : text;
    }),
  );
  return { columns: ['', ...columns.map((c) => c.name)], rows };
}

/** The table as aligned plain-text lines (the console). */
export function cohortTableText(table: CohortTable, indent = '  '): string[] {
  const all = [table.columns, ...table.rows];
  const widths = table.columns.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map(
    (r) =>
      indent +
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
  );
}

function networkText(c: Column): string {
  const changes = (c.changes ?? []).map((ch) => `${ch.label} at ${seconds(ch.atMs)} for ${seconds(ch.forMs)}`);
  return [c.network ?? '', ...changes].filter((t) => t !== '').join('; ');
}

function successText(r: ProportionInterval): string {
  if (r.total === 0) return NO_SAMPLES;
  return `${r.successes}/${r.total} ${percent(r.rate)} (${percent(r.low)}–${percent(r.high)})`;
}

function stat(summary: LatencySummary | undefined, key: 'p50' | 'p95', format: (v: number) => string): string {
  return summary === undefined || summary.count === 0 ? NO_SAMPLES : format(summary[key]);
}

function pair(summary: LatencySummary | undefined, format: (v: number) => string): string {
  return summary === undefined || summary.count === 0 ? NO_SAMPLES : `${format(summary.p50)} / ${format(summary.p95)}`;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

function percent(ratio: number): string {
  if (Number.isNaN(ratio)) return 'n/a';
  const p = ratio * 100;
  return `${p === 0 || p >= 10 ? p.toFixed(1) : p.toFixed(2)} %`;
}

function seconds(value: number): string {
  return `${Number((value / 1000).toFixed(1))}s`;
}
