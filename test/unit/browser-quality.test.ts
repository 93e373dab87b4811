import { describe, expect, it } from 'vitest';
import { BROWSER_COUNTERS, BROWSER_SERIES, recordQuality } from '../../src/browser/browser-metrics.js';
import { buildBrowserSummary } from '../../src/browser/build-browser-summary.js';
import type { InboundStats, RenderedVideo, StatsSample } from '../../src/browser/probe/probe-types.js';
import { estimateMos } from '../../src/browser/quality/e-model.js';
import { cohortSummaries, type CohortDescription } from '../../src/browser/quality/quality-summary.js';
import { statsInterval } from '../../src/browser/quality/stats-interval.js';
import { frozenTime, videoRecoveries } from '../../src/browser/quality/video-freezes.js';
import { browserWindowSummary, windowQuality } from '../../src/browser/quality/window-quality.js';
import { mergeBrowserStep } from '../../src/merge/merge-browser.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import type { BrowserStepResult } from '../../src/model/result.js';
import { cohortTable } from '../../src/report/cohort-table.js';

// getStats samples as the probe returns them, built by hand: the arithmetic under test is the harness's.

function inbound(kind: 'audio' | 'video', fields: Partial<InboundStats> = {}): InboundStats {
  return {
    id: `${kind}-1`,
    kind,
    bytesReceived: 0,
    concealedSamples: kind === 'audio' ? 0 : null,
    totalSamplesReceived: kind === 'audio' ? 0 : null,
    packetsReceived: 0,
    packetsLost: 0,
    jitterMs: 0,
    framesDecoded: kind === 'video' ? 0 : null,
    framesDropped: kind === 'video' ? 0 : null,
    framesPerSecond: null,
    freezeCount: null,
    totalFreezesDurationMs: null,
    frameWidth: kind === 'video' ? 160 : null,
    frameHeight: kind === 'video' ? 120 : null,
    ...fields,
  };
}

function sample(at: number, streams: InboundStats[], options: { rttMs?: number; videos?: RenderedVideo[] } = {}): StatsSample {
  return {
    at,
    remoteFramesRendered: 0,
    videos: options.videos ?? [],
    pcs: [{ id: 0, connectionState: 'connected', inbound: streams, outbound: [], rttMs: options.rttMs ?? 20, candidateType: 'host' }],
  };
}

function video(index: number, freezes: { from: number; to: number }[], open: { from: number } | null = null, active = true): RenderedVideo {
  return { index, active, frames: 100, lastFrameAt: 0, freezes, open, droppedFreezes: 0 };
}

describe('quality between two getStats samples', () => {
  it('turns cumulative counters of the same stream into rates: fps, bitrate, loss, concealment, and a MOS from the audio', () => {
    const before = sample(10_000, [
      inbound('video', { framesDecoded: 100, bytesReceived: 50_000, packetsReceived: 100 }),
      inbound('audio', { packetsReceived: 500, packetsLost: 0, totalSamplesReceived: 48_000, jitterMs: 5 }),
    ]);
    const after = sample(12_000, [
      inbound('video', { framesDecoded: 120, bytesReceived: 80_000, packetsReceived: 130, packetsLost: 0, framesDropped: 2, frameHeight: 120 }),
      inbound('audio', { packetsReceived: 590, packetsLost: 10, concealedSamples: 960, totalSamplesReceived: 144_000, jitterMs: 5 }),
    ]);
    const interval = statsInterval(before, after)!;
    expect(interval.ms).toBe(2000);
    expect(interval.fps).toBe(10);
    expect(interval.bitrateKbps).toBe(120); // 30 000 bytes in 2 s
    expect(interval.frameHeight).toBe(120);
    expect(interval.packetsReceived).toBe(120);
    expect(interval.packetsLost).toBe(10);
    expect(interval.packetLoss).toBeCloseTo(10 / 130, 12);
    expect(interval.framesDropped).toBe(2);
    expect(interval.concealedSamples).toBe(960);
    expect(interval.totalSamplesReceived).toBe(96_000);
    expect(interval.mos).toBeCloseTo(estimateMos({ rttMs: 20, jitterMs: 5, packetLossPercent: 10 }).mos, 12);
  });

  it('in a blackout: no frames (fps 0), no loss counted yet, and no sound (a MOS of 100 % loss)', () => {
    const before = sample(0, [inbound('video', { framesDecoded: 100, packetsReceived: 100 }), inbound('audio', { packetsReceived: 500 })]);
    const after = sample(1000, [inbound('video', { framesDecoded: 100, packetsReceived: 100 }), inbound('audio', { packetsReceived: 500 })]);
    const interval = statsInterval(before, after)!;
    expect(interval.fps).toBe(0);
    expect(interval.packetLoss).toBeUndefined();
    expect(interval.mos).toBeCloseTo(estimateMos({ rttMs: 20, jitterMs: 0, packetLossPercent: 100 }).mos, 12);
  });

  it('leaves out streams that appeared in between, and refuses samples out of order', () => {
    const before = sample(0, [inbound('video', { framesDecoded: 10 })]);
    const after = sample(1000, [inbound('video', { framesDecoded: 20 }), inbound('video', { id: 'video-2', framesDecoded: 5000 })]);
    expect(statsInterval(before, after)!.fps).toBe(10);
    expect(statsInterval(after, before)).toBeUndefined();
  });
});

describe('freezes and recovery', () => {
  const last = sample(20_000, [], {
    videos: [
      video(0, [
        { from: 5000, to: 7000 },
        { from: 11_900, to: 13_500 },
      ]),
      video(1, [{ from: 11_950, to: 12_400 }]),
    ],
  });

  it('measures the frozen share of a span over the videos shown, an open freeze until the span ends', () => {
    expect(frozenTime(last, { from: 0, to: 20_000 })).toEqual({ frozenMs: 2000 + 1600 + 450, freezes: 3, videos: 2, ratio: (2000 + 1600 + 450) / 40_000 });
    expect(frozenTime(last, { from: 6000, to: 8000 }).frozenMs).toBe(1000);
    const stillFrozen = sample(20_000, [], { videos: [video(0, [], { from: 18_000 })] });
    expect(frozenTime(stillFrozen, { from: 10_000, to: 30_000 })).toMatchObject({ frozenMs: 2000, freezes: 1, ratio: 0.2 });
  });

  it('times recovery from the end of a network change to the first frame after it, the slowest video of the participant', () => {
    // A blackout from 12 000 to 13 000: video 0 came back at 13 500, video 1 already at 12 400 (while the change was on: 0).
    expect(videoRecoveries(last, [{ from: 12_000, to: 13_000 }])).toEqual({ recoveredMs: [500], notRecovered: 0 });
    // A change that froze nothing has no recovery time.
    expect(videoRecoveries(last, [{ from: 15_000, to: 16_000 }])).toEqual({ recoveredMs: [], notRecovered: 0 });
    const stillFrozen = sample(20_000, [], { videos: [video(0, [], { from: 11_000 })] });
    expect(videoRecoveries(stillFrozen, [{ from: 12_000, to: 13_000 }])).toEqual({ recoveredMs: [], notRecovered: 1 });
  });
});

describe('per-window quality of each cohort', () => {
  it('takes the median of each per-interval series per cohort, and the mean frozen share of its participants', () => {
    const registry = new MetricsRegistry({ startedAtMs: 0, windowMs: 5000, now: () => 0 });
    for (const fps of [10, 10, 9, 8]) recordQuality(registry, 'fps', 'clean', fps);
    for (const fps of [0, 0, 2]) recordQuality(registry, 'fps', 'lossy', fps);
    for (const loss of [0, 0.001]) recordQuality(registry, 'packet_loss', 'clean', loss);
    for (const loss of [0.2, 0.18, 0.25]) recordQuality(registry, 'packet_loss', 'lossy', loss);
    recordQuality(registry, 'mos', 'lossy', 1.2);
    registry.record(BROWSER_SERIES.joinTime, 'lossy', 'ok', 800);
    registry.record(BROWSER_SERIES.joinTime, 'lossy', 'failed', 2000);
    const window = registry.closeWindow(5000);
    const quality = windowQuality(
      window,
      new Map([
        ['clean', [0, 0]],
        ['lossy', [1, 0.5]],
      ]),
    );
    // Medians as HDR histograms give them: within 0.1 % of the recorded value (3 significant digits).
    expect(Object.keys(quality)).toEqual(['clean', 'lossy']);
    expect(Object.keys(quality['lossy']!).sort()).toEqual(['fps', 'freeze_ratio', 'mos', 'packet_loss', 'samples']);
    const near = (actual: number | undefined, expected: number) =>
      expect(Math.abs((actual ?? Number.NaN) - expected)).toBeLessThanOrEqual(expected * 0.001 + 1e-9);
    near(quality['clean']!['fps'], 9);
    near(quality['lossy']!['fps'], 0);
    near(quality['lossy']!['packet_loss'], 0.2);
    near(quality['lossy']!['mos'], 1.2);
    expect(quality['clean']!['packet_loss']).toBe(0);
    expect([quality['clean']!['samples'], quality['lossy']!['samples']]).toEqual([4, 3]);
    expect([quality['clean']!['freeze_ratio'], quality['lossy']!['freeze_ratio']]).toEqual([0, 0.75]);
    const summary = browserWindowSummary(window, quality);
    expect(summary).toMatchObject({ startMs: 0, endMs: 5000, quality, operations: { lossy: { count: 2, errors: 1 } } });
    // A step without cohorts shows its one operation as `all`.
    expect(Object.keys(windowQuality(window, new Map(), (op) => (op === 'clean' ? 'all' : op)))).toEqual(['all', 'lossy']);
  });
});

describe('cohorts over shards', () => {
  const cohorts: CohortDescription[] = [
    { name: 'clean', share: 0.5, network: 'unshaped', changes: [] },
    {
      name: 'lossy',
      share: 0.5,
      network: '300kbit down, 10% loss',
      changes: [{ index: 0, label: 'blackout', atMs: 6000, forMs: 6000, appliedAt: 1, revertedAt: 2 }],
    },
  ];

  /** One shard's browser step as it reports itself, from what its participants recorded. */
  function shard(
    index: number,
    figures: { cohort: string; ok: boolean; joinMs: number; fps: number[]; loss: number[]; recoveryMs?: number }[],
  ): BrowserStepResult {
    const registry = new MetricsRegistry({ startedAtMs: 1_000_000, windowMs: 5000, now: () => 1_020_000 });
    for (const f of figures) {
      registry.increment(BROWSER_COUNTERS.participants, f.cohort);
      registry.increment(f.ok ? BROWSER_COUNTERS.succeeded : BROWSER_COUNTERS.failed, f.cohort);
      registry.record(BROWSER_SERIES.joinTime, f.cohort, f.ok ? 'ok' : 'failed', f.joinMs);
      for (const v of f.fps) recordQuality(registry, 'fps', f.cohort, v);
      for (const v of f.loss) recordQuality(registry, 'packet_loss', f.cohort, v);
      if (f.recoveryMs !== undefined) recordQuality(registry, 'video_recovery_time', f.cohort, f.recoveryMs);
      registry.increment(BROWSER_COUNTERS.freezes, f.cohort, f.recoveryMs === undefined ? 0 : 1);
    }
    registry.finish(1_020_000);
    const summary = buildBrowserSummary({
      adapter: 'reference',
      arrival: 'burst',
      layout: '1 room × 2 participants',
      holdMs: 20_000,
      shards: 2,
      rooms: [],
      participants: [],
      failures: {},
      registry,
      overload: { signals: [], peakHostCpu: 0, peakEventLoopDelayMs: 0, hostCpuSaturatedMs: 0, overloaded: false },
      statsResolutionMs: 100,
      cohorts,
    });
    const slos = ['lossy:packet_loss.p95 < 1%', 'clean:packet_loss.p95 < 1%', 'lossy:video_recovery_time.p95 < 5s'].map((expression) => ({
      expression,
      status: 'passed' as const,
      metric: 'x',
      threshold: 0,
      unit: 'ms' as const,
      observed: 0,
    }));
    return {
      name: 'browser',
      kind: 'browser',
      status: 'passed',
      startedAt: new Date(1_000_000).toISOString(),
      finishedAt: new Date(1_020_000).toISOString(),
      durationMs: 20_000,
      checks: [],
      slos,
      summary,
      artifacts: [],
    };
  }

  const a = [
    { cohort: 'clean', ok: true, joinMs: 900, fps: [10, 10], loss: [0, 0] },
    { cohort: 'lossy', ok: true, joinMs: 1500, fps: [9, 0], loss: [0.2, 0.8], recoveryMs: 1200 },
  ];
  const b = [
    { cohort: 'clean', ok: true, joinMs: 1100, fps: [9, 10], loss: [0, 0.004] },
    { cohort: 'lossy', ok: false, joinMs: 4000, fps: [3, 0], loss: [0.15, 0.3], recoveryMs: 4300 },
  ];

  it("merges each cohort's counters and histograms exactly, and judges the cohort SLOs once over the whole", () => {
    const merged = mergeBrowserStep(
      [
        { shard: { index: 1, count: 2 }, dir: 'a', result: shard(1, a) },
        { shard: { index: 2, count: 2 }, dir: 'b', result: shard(2, b) },
      ],
      10_000,
    );
    const summary = merged.result.kind === 'browser' ? merged.result.summary! : undefined;
    // The same figures recorded by one process: what the merge must reproduce exactly.
    const whole = new MetricsRegistry({ startedAtMs: 1_000_000, windowMs: 5000, now: () => 1_020_000 });
    whole.merge(shard(1, [...a, ...b]).summary!.metrics);
    expect(summary?.cohorts).toEqual(
      cohortSummaries(
        whole,
        cohorts.map((c) => ({ ...c, changes: c.changes.map(({ index, label, atMs, forMs }) => ({ index, label, atMs, forMs })) })),
      ),
    );
    const lossy = summary!.cohorts!.find((c) => c.name === 'lossy')!;
    expect(lossy.successRate).toMatchObject({ successes: 1, total: 2 });
    expect(lossy.quality.video_recovery_time.count).toBe(2);
    expect(lossy.quality.freezes).toBe(2);
    expect(merged.result.slos.map((v) => [v.expression, v.status])).toEqual([
      ['lossy:packet_loss.p95 < 1%', 'failed'],
      ['clean:packet_loss.p95 < 1%', 'passed'],
      ['lossy:video_recovery_time.p95 < 5s', 'passed'],
    ]);
    const table = cohortTable(summary!)!;
    expect(table.columns).toEqual(['', 'clean', 'lossy']);
    expect(table.rows.find((r) => r[0] === 'success (95 % CI)')).toEqual(['success (95 % CI)', '2/2 100.0 % (34.2 %–100.0 %)', '1/2 50.0 % (9.45 %–90.5 %)']);
    expect(table.rows.find((r) => r[0] === 'network')).toEqual(['network', 'unshaped', '300kbit down, 10% loss; blackout at 6s for 6s']);
  });
});
