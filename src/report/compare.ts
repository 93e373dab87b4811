import type { RunReport } from './report-json.js';

/**
 * The CI baseline gate: per step and operation, p50/p99 latency (from the
 * time windows), error rate, and for browser steps join time, compared
 * between a base run and a new run. A figure worse than base by more than
 * the tolerance (relative) is a regression.
 */
export interface Delta {
  step: string;
  operation: string;
  metric: 'p50' | 'p99' | 'error_rate' | 'join_time';
  base: number;
  current: number;
  /** (current − base) / base; Infinity when base is 0 and current is not. */
  change: number;
  regression: boolean;
}

export function compareReports(base: RunReport, current: RunReport, tolerance: number): Delta[] {
  const deltas: Delta[] = [];
  const a = figuresOf(base);
  const b = figuresOf(current);
  for (const [key, baseValue] of a) {
    const now = b.get(key);
    if (now === undefined) continue;
    const [step, operation, metric] = key.split('\u0000') as [string, string, Delta['metric']];
    const change = baseValue === 0 ? (now === 0 ? 0 : Infinity) : (now - baseValue) / baseValue;
    // Error rates near zero: a change from 0 to 0.0001 is not a regression worth failing on; compare absolutely below 0.1 %.
    const regression = metric === 'error_rate' ? now - baseValue > Math.max(0.001, baseValue * tolerance) : change > tolerance;
    deltas.push({ step, operation, metric, base: baseValue, current: now, change, regression });
  }
  return deltas;
}

function figuresOf(report: RunReport): Map<string, number> {
  const out = new Map<string, number>();
  const key = (step: string, op: string, metric: Delta['metric']) => `${step}\u0000${op}\u0000${metric}`;
  for (const [step, windows] of Object.entries(report.timeline)) {
    const ops = new Map<string, { count: number; errors: number; p50: number; p99: number }>();
    for (const window of windows) {
      for (const [op, figures] of Object.entries(window.operations)) {
        const acc = ops.get(op) ?? { count: 0, errors: 0, p50: 0, p99: 0 };
        // Count-weighted mean of window percentiles: an approximation; exact merges need the histograms.
        acc.p50 += figures.p50 * figures.count;
        acc.p99 += figures.p99 * figures.count;
        acc.count += figures.count;
        acc.errors += figures.errors;
        ops.set(op, acc);
      }
    }
    for (const [op, acc] of ops) {
      if (acc.count === 0) continue;
      out.set(key(step, op, 'p50'), acc.p50 / acc.count);
      out.set(key(step, op, 'p99'), acc.p99 / acc.count);
      out.set(key(step, op, 'error_rate'), acc.errors / acc.count);
    }
  }
  for (const step of report.steps) {
    const join = joinTimeOf(step.summary);
    if (join !== undefined) out.set(key(step.name, 'join', 'join_time'), join);
  }
  return out;
}

/** A browser step's median join time, if its summary carries one (`joinTime.p50` or `join_time.p50`). */
function joinTimeOf(summary: Record<string, unknown> | undefined): number | undefined {
  for (const name of ['joinTime', 'join_time', 'joinTimeMs']) {
    const value = summary?.[name];
    if (typeof value === 'number') return value;
    if (value !== null && typeof value === 'object' && typeof (value as { p50?: unknown }).p50 === 'number') return (value as { p50: number }).p50;
  }
  return undefined;
}
