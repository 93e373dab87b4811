import { describe, expect, it } from 'vitest';
import { histogramOfWindows, MetricsRegistry } from '../../src/metrics/registry.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function windowCount(registry: MetricsRegistry, index: number): number {
  const histogram = histogramOfWindows([registry.windows()[index]!], 'latency');
  const count = histogram.totalCount;
  histogram.destroy();
  return count;
}

describe('metrics registry: the last window at finish', () => {
  it('folds a tail shorter than a quarter window into the window before (no 5.0s–5.0s window), keeping every sample', () => {
    const c = clock();
    const registry = new MetricsRegistry({ now: c.now, windowMs: 1000 });
    for (let i = 0; i < 10; i++) registry.record('latency', 'get_room', '2xx', 1);
    registry.increment('responses', 'get_room', 10);
    c.advance(1000);
    registry.closeWindow();
    // Responses that were in flight when the timer sealed the window.
    for (let i = 0; i < 3; i++) registry.record('latency', 'get_room', '2xx', 5);
    registry.increment('responses', 'get_room', 3);
    c.advance(40);
    registry.finish();
    const windows = registry.windows();
    expect(windows.map((w) => [w.index, w.startMs, w.endMs])).toEqual([[0, 0, 1040]]);
    expect(windowCount(registry, 0)).toBe(13);
    expect(windows[0]!.counters).toEqual([{ name: 'responses', operation: 'get_room', value: 13 }]);
    expect(registry.summary('latency').count).toBe(13);
    expect(registry.durationMs).toBe(1040);
  });

  it('keeps a tail of a quarter window or more as its own window', () => {
    const c = clock();
    const registry = new MetricsRegistry({ now: c.now, windowMs: 1000 });
    registry.record('latency', 'get_room', '2xx', 1);
    c.advance(1000);
    registry.closeWindow();
    registry.record('latency', 'get_room', '2xx', 1);
    c.advance(250);
    registry.finish();
    expect(registry.windows().map((w) => [w.startMs, w.endMs])).toEqual([
      [0, 1000],
      [1000, 1250],
    ]);
  });

  it('a run shorter than a quarter window still has its one window', () => {
    const c = clock();
    const registry = new MetricsRegistry({ now: c.now, windowMs: 1000 });
    registry.record('latency', 'get_room', '2xx', 1);
    c.advance(10);
    registry.finish();
    expect(registry.windows().map((w) => [w.startMs, w.endMs])).toEqual([[0, 10]]);
  });
});
