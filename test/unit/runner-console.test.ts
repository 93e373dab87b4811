import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressRenderer } from '../../src/cli/progress.js';
import { CONSOLE_RENDERERS } from '../../src/cli/render/index.js';
import type { KindRenderers } from '../../src/cli/render/kind-renderer.js';
import type { RunEvent } from '../../src/model/events.js';
import type { StepResult } from '../../src/model/result.js';

function capture(options: { live: boolean; lifecycle?: boolean; transform?: (t: string) => string; renderers?: KindRenderers }) {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const renderer = createProgressRenderer({ stream: Object.assign(stream, { columns: 200 }), ...options });
  return { renderer, text: () => text };
}

const t = new Date(0).toISOString();
const result = (status: StepResult['status']): StepResult => ({
  name: 'burst',
  kind: 'load',
  status,
  ...(status === 'failed' ? { reason: 'an SLO was breached' } : {}),
  startedAt: t,
  finishedAt: t,
  durationMs: 5200,
  checks: [],
  artifacts: [],
  slos: [{ status: 'failed', expression: 'create_room.p50 < 300ms', metric: 'latency', operation: 'create_room', threshold: 300, unit: 'ms', observed: 412.5 }],
});

describe('the run console (progress.ts with lifecycle)', () => {
  it('prints the plan, a start line, one plain line per window and the result line, in CI', () => {
    const { renderer, text } = capture({ live: false, lifecycle: true });
    const events: RunEvent[] = [
      { type: 'run-start', at: 0, runId: 'r', target: 'embedded reference server', plan: ['burst'] },
      { type: 'step-start', at: 0, step: 'burst', kind: 'load' },
      { type: 'progress', at: 1000, step: 'burst', progress: { elapsedMs: 1000, totalMs: 5000, fraction: 0.2, figures: { 'req/s': 2078 } } },
      {
        type: 'window',
        at: 1000,
        step: 'burst',
        window: { startMs: 0, endMs: 1000, operations: { create_room: { count: 412, errors: 0, p50: 2, p99: 9.5, max: 20 } } },
      },
      { type: 'step-end', at: 5200, step: 'burst', result: result('failed') },
    ];
    for (const e of events) renderer.sink(e);
    expect(text()).toBe(
      [
        'roomgate: 1 step(s) → embedded reference server',
        '▶ burst (load)',
        '[burst] 0.0s–1.0s | create_room n=412 err=0 p50=2ms p99=9.5ms',
        '✗ burst failed in 5.2s (0/1 SLOs held)',
        '    an SLO was breached',
        '    ✗ SLO create_room.p50 < 300ms: observed 412.5 ms',
        '',
      ].join('\n'),
    );
  });

  it('in CI, a step that closes no windows still gets a progress line, at most every 10 s', () => {
    const { renderer, text } = capture({ live: false, lifecycle: false });
    renderer.sink({ type: 'step-start', at: 0, step: 'join', kind: 'browser' });
    for (let at = 1000; at <= 25_000; at += 1000) {
      renderer.sink({ type: 'progress', at, step: 'join', progress: { elapsedMs: at, fraction: at / 30_000, figures: { settled: at / 1000, of: 30 } } });
    }
    expect(text()).toBe('  … join 10s 33% | settled 10 | of 30\n  … join 20s 67% | settled 20 | of 30\n');
  });

  it('passes every line through the transform (the secret redactor)', () => {
    const { renderer, text } = capture({ live: false, lifecycle: true, transform: (line) => line.replaceAll('s3cret', '[redacted]') });
    renderer.sink({ type: 'log', at: 0, level: 'warn', step: 'contract', message: 'token s3cret rejected' });
    expect(text()).toBe('  warn: contract: token [redacted] rejected\n');
  });

  it('without lifecycle prints no start or result lines', () => {
    const { renderer, text } = capture({ live: false });
    renderer.sink({ type: 'step-start', at: 0, step: 'burst', kind: 'load' });
    renderer.sink({ type: 'step-end', at: 1, step: 'burst', result: result('passed') });
    expect(text()).toBe('');
  });

  it('hands each step kind its own lines: a gate its check lines as they come, a load step its table before the result line', () => {
    const { renderer, text } = capture({ live: false, lifecycle: true, renderers: CONSOLE_RENDERERS });
    renderer.sink({ type: 'step-start', at: 0, step: 'contract', kind: 'contract' });
    renderer.sink({
      type: 'check',
      at: 1,
      step: 'contract',
      result: { name: 'routing.unknown-path-404', group: 'routing', status: 'passed', durationMs: 1, observations: 1 },
    });
    renderer.sink({
      type: 'step-end',
      at: 2,
      step: 'contract',
      result: {
        name: 'contract',
        kind: 'contract',
        status: 'passed',
        startedAt: t,
        finishedAt: t,
        durationMs: 2000,
        checks: [{ name: 'routing.unknown-path-404', group: 'routing', status: 'passed', durationMs: 1, observations: 1 }],
        slos: [],
        artifacts: [],
      },
    });
    renderer.sink({ type: 'step-start', at: 3, step: 'burst', kind: 'load' });
    renderer.sink({ type: 'step-end', at: 4, step: 'burst', result: result('failed') });
    renderer.sink({
      type: 'step-end',
      at: 5,
      step: 'join',
      result: {
        name: 'join',
        kind: 'browser',
        status: 'skipped',
        reason: 'not run: interrupted',
        startedAt: t,
        finishedAt: t,
        durationMs: 0,
        checks: [],
        slos: [],
        artifacts: [],
      },
    });
    expect(text()).toBe(
      [
        '▶ contract (contract)',
        '  ✓ routing     routing.unknown-path-404 (1)',
        '',
        'contract PASSED: 1 passed, 0 failed, 0 errored, 0 skipped in 2.0 s',
        '✓ contract passed in 2.0s (1/1 checks passed)',
        '▶ burst (load)',
        '',
        '  FAIL create_room.p50 < 300ms (observed 412.5ms)',
        '✗ burst failed in 5.2s (0/1 SLOs held)',
        '    an SLO was breached',
        '    ✗ SLO create_room.p50 < 300ms: observed 412.5 ms',
        // A step that never ran has nothing of its kind to show, only its result line.
        '- join skipped',
        '    not run: interrupted',
        '',
      ].join('\n'),
    );
  });
});
