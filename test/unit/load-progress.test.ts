import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressRenderer } from '../../src/cli/progress.js';
import type { RunEvent } from '../../src/model/events.js';

function capture(live: boolean) {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const renderer = createProgressRenderer({ stream: Object.assign(stream, { columns: 200 }), live });
  return { renderer, text: () => text };
}

const window: RunEvent = {
  type: 'window',
  at: 1,
  step: 'load-soak',
  window: { startMs: 0, endMs: 10_000, targetRate: 100, achievedRate: 99.5, operations: { get_room: { count: 700, errors: 1, p50: 2, p99: 12.34, max: 40 } } },
};
const progress = (at: number): RunEvent => ({
  type: 'progress',
  at,
  step: 'load-soak',
  progress: { elapsedMs: 12_000, totalMs: 60_000, fraction: 0.2, figures: { 'target/s': 100, 'req/s': 99, inflight: 3 } },
});

describe('console progress', () => {
  it('prints one plain line per window when not live (CI, pipes), and nothing for progress ticks', () => {
    const { renderer, text } = capture(false);
    renderer.sink(progress(1000));
    renderer.sink(window);
    expect(text()).toBe('[load-soak] 0.0s–10s target 100/s achieved 99.5/s | get_room n=700 err=1 p50=2ms p99=12.3ms\n');
  });

  it('redraws a single live line with elapsed/total, the step’s figures and the last window’s p99 per operation', () => {
    const { renderer, text } = capture(true);
    renderer.sink(window);
    renderer.sink(progress(1000));
    renderer.sink(progress(2000));
    const out = text();
    expect(out).not.toContain('\n');
    expect(out).toContain('load-soak 12s/60s 20% | target/s 100 | req/s 99 | inflight 3 | p99 get 12.3ms');
    renderer.stop();
  });
});
