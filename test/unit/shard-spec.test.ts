import { describe, expect, it, vi } from 'vitest';
import { shardBrowserOptions } from '../../src/browser/browser-shard.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { shardLoadOptions } from '../../src/load/load-shard.js';
import { integerShare, resolveShard, type ShardSpec } from '../../src/shard/shard-spec.js';
import { parseStartAt, waitForStart } from '../../src/shard/start-at.js';

const shards = (n: number): ShardSpec[] => Array.from({ length: n }, (_, i) => ({ index: i + 1, count: n }));

describe('shard identity', () => {
  it('comes from --shard, else ROOMGATE_SHARD, else JOB_COMPLETION_INDEX (0-based) with ROOMGATE_SHARD_COUNT', () => {
    expect(resolveShard('2/3', { ROOMGATE_SHARD: '1/3' })).toEqual({ index: 2, count: 3 });
    expect(resolveShard(undefined, { ROOMGATE_SHARD: '3/4' })).toEqual({ index: 3, count: 4 });
    expect(resolveShard(undefined, { JOB_COMPLETION_INDEX: '0', ROOMGATE_SHARD_COUNT: '5' })).toEqual({ index: 1, count: 5 });
    expect(resolveShard(undefined, { JOB_COMPLETION_INDEX: '4', ROOMGATE_SHARD_COUNT: '5' })).toEqual({ index: 5, count: 5 });
    // `shard:` in the suite: i/n, or the count for an Indexed Job's index; flags and ROOMGATE_SHARD win.
    expect(resolveShard(undefined, {}, '2/5')).toEqual({ index: 2, count: 5 });
    expect(resolveShard(undefined, { ROOMGATE_SHARD: '1/2' }, '2/5')).toEqual({ index: 1, count: 2 });
    expect(resolveShard(undefined, { JOB_COMPLETION_INDEX: '3' }, 4)).toEqual({ index: 4, count: 4 });
    expect(() => resolveShard(undefined, {}, 4)).toThrow(/the shard count is 4 \(shard: in the suite or scenario\)/);
    // An Indexed Job that is not a roomgate distributed run: no count, no shard.
    expect(resolveShard(undefined, { JOB_COMPLETION_INDEX: '2' })).toBeUndefined();
  });

  it('rejects shards outside 1..n and a count without an index, with a hint', () => {
    expect(() => resolveShard('0/3', {})).toThrow(UsageError);
    expect(() => resolveShard('4/3', {})).toThrow(/between 1 and the shard count/);
    expect(() => resolveShard('two', {})).toThrow(/is not a shard/);
    expect(() => resolveShard(undefined, { JOB_COMPLETION_INDEX: '3', ROOMGATE_SHARD_COUNT: '3' })).toThrow(UsageError);
    expect(() => resolveShard(undefined, { ROOMGATE_SHARD_COUNT: '3' })).toThrow(/JOB_COMPLETION_INDEX/);
  });
});

describe('shares', () => {
  it('spread the remainder over the first shards and always add up to the total', () => {
    for (const total of [0, 1, 7, 10, 101]) {
      for (const n of [1, 2, 3, 7]) {
        const parts = shards(n).map((s) => integerShare(total, s));
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
      }
    }
    expect(shards(3).map((s) => integerShare(10, s))).toEqual([4, 3, 3]);
  });

  it('load: rates divide exactly, connections/requests/pool/in-flight as integers, in every phase', () => {
    const parts = shards(3).map((shard) =>
      shardLoadOptions({
        mode: 'soak',
        rate: 100,
        connections: 10,
        roomPoolSize: 20,
        phases: [
          { rate: 30, durationMs: 1000 },
          { rate: 90, durationMs: 1000, rampMs: 500 },
        ],
        shard,
      }),
    );
    expect(parts.map((p) => p.rate)).toEqual([100 / 3, 100 / 3, 100 / 3]);
    expect(parts.map((p) => p.connections)).toEqual([4, 3, 3]);
    expect(parts.map((p) => p.roomPoolSize)).toEqual([7, 7, 6]);
    expect(parts.map((p) => p.phases!.map((ph) => ph.rate))).toEqual([
      [10, 30],
      [10, 30],
      [10, 30],
    ]);
    const burst = shards(2).map((shard) => shardLoadOptions({ mode: 'burst', connections: 5, requests: 101, shard }));
    expect(burst.map((p) => [p.connections, p.requests, p.rate])).toEqual([
      [3, 51, undefined],
      [2, 50, undefined],
    ]);
    expect(() => shardLoadOptions({ mode: 'burst', connections: 2, shard: { index: 1, count: 3 } })).toThrow(ConfigError);
    expect(shardLoadOptions({ mode: 'soak', rate: 5 })).toEqual({ mode: 'soak', rate: 5 });
  });

  it('browser: whole rooms per shard, join URLs in contiguous slices, names carry the shard', () => {
    const rooms = shards(2).map((shard) => shardBrowserOptions({ rooms: 3, participants: 2, arrival: { kind: 'ramp', perSecond: 4 }, shard }));
    expect(rooms.map((o) => o.rooms)).toEqual([2, 1]);
    expect(rooms.map((o) => o.namePrefix)).toEqual(['rg-s1of2', 'rg-s2of2']);
    expect(rooms.map((o) => o.arrival)).toEqual([
      { kind: 'ramp', perSecond: 2 },
      { kind: 'ramp', perSecond: 2 },
    ]);
    const urls = ['u1', 'u2', 'u3', 'u4', 'u5'];
    expect(shards(3).map((shard) => shardBrowserOptions({ joinUrls: urls, shard }).joinUrls)).toEqual([['u1', 'u2'], ['u3', 'u4'], ['u5']]);
    expect(() => shardBrowserOptions({ rooms: 1, shard: { index: 2, count: 2 } })).toThrow(/rooms \(1\) is fewer than the 2 shards/);
  });
});

describe('--start-at', () => {
  it('is an ISO time with a zone, or +duration after a base every shard is given', () => {
    expect(parseStartAt('2026-05-01T10:00:00Z', undefined)).toBe(Date.parse('2026-05-01T10:00:00Z'));
    expect(parseStartAt('+30s', '2026-05-01T10:00:00Z')).toBe(Date.parse('2026-05-01T10:00:30Z'));
    expect(() => parseStartAt('+30s', undefined)).toThrow(/no base time/);
    expect(() => parseStartAt('2026-05-01 10:00', undefined)).toThrow(/ISO time with a time zone/);
    expect(() => parseStartAt('+soon', '2026-05-01T10:00:00Z')).toThrow(/not a duration/);
  });

  it('waits until the agreed time, and a shard that arrives after it says how late it is', async () => {
    const soon = Date.now() + 150;
    const onTime = await waitForStart(soon, new AbortController().signal);
    expect(Date.now()).toBeGreaterThanOrEqual(soon);
    expect(onTime.waitedMs).toBeGreaterThan(100);
    // It waited, so a few ms of timer lateness is not a setup that overran (no warning).
    expect(onTime.setupOverran).toBe(false);
    // A late shard does not wait at all: under a frozen clock that is exact, not a timing bound.
    vi.useFakeTimers();
    try {
      const late = await waitForStart(Date.now() - 700, new AbortController().signal);
      expect(late).toMatchObject({ lateMs: 700, waitedMs: 0, setupOverran: true });
    } finally {
      vi.useRealTimers();
    }
  });
});
