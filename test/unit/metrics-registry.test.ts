import { describe, expect, it } from 'vitest';
import { MetricsRegistry, outcomeOfStatus } from '../../src/metrics/index.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('metrics registry', () => {
  it('summarizes samples per operation with sub-millisecond resolution', () => {
    const c = clock();
    const registry = new MetricsRegistry({ now: c.now });
    for (let i = 1; i <= 100; i++) registry.record('latency', 'get_room', '2xx', i / 10);
    registry.record('latency', 'create_room', '5xx', 500);
    const get = registry.summary('latency', { operation: 'get_room' });
    expect(get.count).toBe(100);
    expect(get.p50).toBeCloseTo(5, 1);
    expect(get.p99).toBeCloseTo(9.9, 1);
    expect(get.max).toBeCloseTo(10, 1);
    expect(registry.summary('latency').count).toBe(101);
    expect(registry.summary('latency', { outcomes: ['5xx'] }).max).toBeCloseTo(500, 0);
    expect(registry.failures('latency')).toBe(1);
    expect(registry.operations()).toEqual(['create_room', 'get_room']);
  });

  it('sums counters per operation and overall', () => {
    const registry = new MetricsRegistry();
    registry.increment('requests', 'get_room', 3);
    registry.increment('requests', 'create_room');
    expect(registry.counter('requests')).toBe(4);
    expect(registry.counter('requests', { operation: 'get_room' })).toBe(3);
    expect(registry.counter('never')).toBe(0);
  });

  it('seals windows with their own samples and offsets', () => {
    const c = clock();
    const registry = new MetricsRegistry({ now: c.now, windowMs: 1000 });
    registry.record('latency', 'get_room', '2xx', 1);
    registry.increment('requests', 'get_room');
    c.advance(1000);
    const first = registry.closeWindow();
    registry.record('latency', 'get_room', '2xx', 2);
    registry.record('latency', 'get_room', '2xx', 3);
    c.advance(1000);
    registry.finish();
    const windows = registry.windows();
    expect(first).toMatchObject({ index: 0, startMs: 0, endMs: 1000 });
    expect(windows).toHaveLength(2);
    expect(windows[1]).toMatchObject({ index: 1, startMs: 1000, endMs: 2000 });
    expect(windows[1]!.series[0]!.summary.count).toBe(2);
    expect(windows[0]!.counters).toEqual([{ name: 'requests', operation: 'get_room', value: 1 }]);
    expect(registry.durationMs).toBe(2000);
  });

  it('merges serialized shards exactly: the same percentiles as one registry that saw every sample', () => {
    const c = clock();
    const whole = new MetricsRegistry({ now: c.now });
    const shardA = new MetricsRegistry({ now: c.now });
    const shardB = new MetricsRegistry({ now: c.now });
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let i = 0; i < 5000; i++) {
      const value = random() * random() * 900;
      const shard = i % 2 === 0 ? shardA : shardB;
      whole.record('latency', 'get_room', '2xx', value);
      shard.record('latency', 'get_room', '2xx', value);
      whole.increment('requests', 'get_room');
      shard.increment('requests', 'get_room');
    }
    c.advance(500);
    for (const r of [whole, shardA, shardB]) r.finish();
    const merged = MetricsRegistry.fromSerialized(JSON.parse(JSON.stringify(shardA.serialize())));
    merged.merge(JSON.parse(JSON.stringify(shardB.serialize())));
    expect(merged.summary('latency')).toEqual(whole.summary('latency'));
    expect(merged.counter('requests')).toBe(5000);
    expect(merged.windows()).toHaveLength(1);
    expect(merged.windows()[0]!.series[0]!.summary).toEqual(whole.windows()[0]!.series[0]!.summary);
  });

  it('maps HTTP statuses to outcome classes and a missing response to error', () => {
    expect(outcomeOfStatus(201)).toBe('2xx');
    expect(outcomeOfStatus(404)).toBe('4xx');
    expect(outcomeOfStatus(503)).toBe('5xx');
    expect(outcomeOfStatus(0)).toBe('error');
  });

  it('keeps memory bounded: a million samples add no per-sample storage', () => {
    const registry = new MetricsRegistry();
    for (let i = 0; i < 1_000_000; i++) registry.record('latency', 'get_room', '2xx', (i % 1000) / 10);
    const encoded = registry.serialize();
    expect(encoded.series[0]!.summary.count).toBe(1_000_000);
    // The compressed histogram stays a few KB, independent of the sample count.
    expect(encoded.series[0]!.histogram.length).toBeLessThan(20_000);
  });
});
