import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/index.js';
import type { StepResult } from '../../src/model/result.js';
import { compareReports, figuresOf } from '../../src/report/compare.js';
import { buildRunReport, type RunReport } from '../../src/report/report-json.js';
import { fromReportJson } from '../helpers/report-json-fixture.js';

const now = new Date().toISOString();

/** A load step whose two windows have very different latencies: averaging window p99s would be wrong. */
function loadStep(slowMs: number, errors: number): StepResult {
  let t = 0;
  const registry = new MetricsRegistry({ windowMs: 1000, startedAtMs: 0, now: () => t });
  for (let i = 0; i < 990; i++) registry.record('latency', 'create_room', '2xx', 1);
  t = 1000;
  registry.closeWindow();
  for (let i = 0; i < 10; i++) registry.record('latency', 'create_room', errors > i ? '5xx' : '2xx', slowMs);
  t = 2000;
  registry.finish();
  const histograms = registry.serialize();
  // The figures compare reads (operations and histograms), as a trimmed report.json holds them.
  return fromReportJson<StepResult>({
    name: 'burst',
    kind: 'load',
    status: 'passed',
    startedAt: now,
    finishedAt: now,
    durationMs: 2000,
    checks: [],
    slos: [],
    artifacts: [],
    summary: {
      mode: 'burst',
      operations: {
        create_room: {
          attempts: 1000,
          requests: 1000,
          responses: 1000,
          errors,
          byOutcome: {},
          latency: registry.summary('latency', { operation: 'create_room' }),
        },
      },
      histograms,
    },
  });
}

function browserStep(joinMs: number[], failed: number): StepResult {
  const registry = new MetricsRegistry({ startedAtMs: 0, now: () => 0 });
  for (const ms of joinMs) registry.record('join_time', 'join', 'ok', ms);
  registry.finish(0);
  const participants = [
    ...joinMs.map((_, i) => ({ name: `p${i}`, status: 'joined' })),
    ...Array.from({ length: failed }, (_, i) => ({ name: `f${i}`, status: 'failed' })),
  ];
  return fromReportJson<StepResult>({
    name: 'join',
    kind: 'browser',
    status: 'passed',
    startedAt: now,
    finishedAt: now,
    durationMs: 1,
    checks: [],
    slos: [],
    artifacts: [],
    summary: { kind: 'browser', participants, latency: { join_time: registry.summary('join_time') }, metrics: registry.serialize() },
  });
}

function report(steps: StepResult[]): RunReport {
  return buildRunReport({
    run: { id: 'x', name: 'bench', files: [], startedAt: now, durationMs: 1, status: 'passed', partial: false },
    target: { baseUrl: 'http://127.0.0.1:1', clientId: 'c', embedded: true },
    steps,
    // Window p99s a naive comparison would average: 1 ms (n=990) and the slow window (n=10).
    timeline: { burst: [{ startMs: 0, endMs: 1000, operations: { create_room: { count: 990, errors: 0, p50: 1, p99: 1, max: 1 } } }] },
  });
}

describe('compare: figures from the real step summaries', () => {
  it('takes exact whole-run p50/p99 from the merged serialized histograms, not averaged window percentiles', () => {
    const figures = figuresOf(report([loadStep(200, 0)]));
    // 10 of 1000 samples at 200 ms: the exact p99 is the 990th value (1 ms) and p99.x would be 200; p50 is 1 ms.
    expect(figures.get('burst\u0000create_room\u0000p50')).toEqual({ value: 1, source: 'histogram' });
    expect(figures.get('burst\u0000create_room\u0000p99')?.source).toBe('histogram');
    expect(figures.get('burst\u0000create_room\u0000p99')?.value).toBeCloseTo(1, 1);
    expect(figures.get('burst\u0000create_room\u0000error_rate')).toEqual({ value: 0, source: 'summary' });
  });

  it('flags a p99 regression that only the merged histogram shows', () => {
    // 20 slow samples out of 1000 push the exact p99 to the slow value.
    const slow = loadStep(200, 0);
    if (slow.kind !== 'load' || slow.summary === undefined) throw new Error('loadStep() makes a load step with a summary');
    const registry = MetricsRegistry.fromSerialized(slow.summary.histograms);
    for (let i = 0; i < 10; i++) registry.record('latency', 'create_room', '2xx', 200);
    slow.summary.histograms = registry.serialize();
    const deltas = compareReports(report([loadStep(200, 0)]), report([slow]), 0.1);
    const p99 = deltas.find((d) => d.operation === 'create_room' && d.metric === 'p99');
    expect(p99).toMatchObject({ source: 'histogram', regression: true });
    expect(p99!.current).toBeCloseTo(200, 0);
  });

  it('compares error rate per operation from the load summary', () => {
    const deltas = compareReports(report([loadStep(200, 0)]), report([loadStep(200, 5)]), 0.1);
    expect(deltas.find((d) => d.metric === 'error_rate' && d.operation === 'create_room')).toMatchObject({ base: 0, current: 0.005, regression: true });
  });

  it('compares browser join time (median of the join_time histogram) and the share of failed joins', () => {
    const deltas = compareReports(report([browserStep([1000, 1000, 1000], 0)]), report([browserStep([1500, 1500, 1500], 1)]), 0.1);
    const join = deltas.find((d) => d.step === 'join' && d.metric === 'join_time');
    expect(join).toMatchObject({ source: 'histogram', regression: true });
    expect(join!.base).toBeCloseTo(1000, 0);
    expect(join!.current).toBeCloseTo(1500, 0);
    expect(deltas.find((d) => d.step === 'join' && d.metric === 'error_rate')).toMatchObject({ base: 0, current: 0.25, regression: true });
  });

  it('falls back to the time windows (marked as such) for a step that left no summary', () => {
    const bare: StepResult = {
      name: 'burst',
      kind: 'load',
      status: 'interrupted',
      startedAt: now,
      finishedAt: now,
      durationMs: 1,
      checks: [],
      slos: [],
      artifacts: [],
    };
    const figures = figuresOf(report([bare]));
    expect(figures.get('burst\u0000create_room\u0000p99')).toEqual({ value: 1, source: 'windows' });
  });
});
