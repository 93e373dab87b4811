import { describe, expect, it } from 'vitest';
import { EXPORTED, prometheusName, REQUEST_BOUNDS } from '../../src/exporters/exported-metrics.js';
import { histogramPoints, LiveMetrics, scalarPoints } from '../../src/exporters/live-metrics.js';
import { toMetricData } from '../../src/exporters/otlp-push.js';
import { PrometheusEndpoint } from '../../src/exporters/prometheus-endpoint.js';
import { WarnThrottle } from '../../src/exporters/warn-throttle.js';
import { loadMetricCatalog } from '../../src/load/load-metrics.js';
import { bucketCounts } from '../../src/metrics/buckets.js';
import { newHistogram } from '../../src/metrics/histogram.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import type { StepResult } from '../../src/model/result.js';
import { parseSlos } from '../../src/slo/parse.js';
import { seededRandom } from '../../src/seeded-random.js';
import { fromReportJson } from '../helpers/report-json-fixture.js';

function loadRegistry(): MetricsRegistry {
  const registry = new MetricsRegistry({ windowMs: 1000 });
  const random = seededRandom(7);
  for (let i = 0; i < 500; i++) {
    registry.record('latency', 'get_room', '2xx', 0.2 + random() * 30);
    registry.increment('requests', 'get_room');
    registry.increment('responses', 'get_room');
    registry.increment('attempts', 'get_room');
  }
  for (let i = 0; i < 7; i++) {
    registry.record('latency', 'create_room', '5xx', 120);
    registry.increment('requests', 'create_room');
    registry.increment('attempts', 'create_room');
    registry.increment('errors', 'create_room');
    registry.increment('server_errors', 'create_room');
  }
  // Three timeouts: on the wire, no response.
  for (let i = 0; i < 3; i++) {
    registry.record('latency', 'create_room', 'error', 5000);
    registry.increment('requests', 'create_room');
    registry.increment('attempts', 'create_room');
    registry.increment('errors', 'create_room');
  }
  registry.increment('late_sends', 'get_room', 4);
  return registry;
}

describe('bucketCounts', () => {
  it('counts every sample at or below each bound, off by at most one HDR bucket (0.1 %)', () => {
    const histogram = newHistogram();
    const random = seededRandom(3);
    const values: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const us = 1 + Math.floor(random() * 30_000);
      values.push(us);
      histogram.recordValue(us);
    }
    const bounds = REQUEST_BOUNDS.map((s) => s * 1e6);
    const counts = bucketCounts(histogram, bounds);
    expect(counts.count).toBe(5000);
    bounds.forEach((bound, i) => {
      const atOrBelow = values.filter((v) => v <= bound).length;
      const withinBucket = values.filter((v) => v <= bound * 1.001).length;
      expect(counts.cumulative[i]).toBeGreaterThanOrEqual(atOrBelow);
      expect(counts.cumulative[i]).toBeLessThanOrEqual(withinBucket);
    });
    const exactSum = values.reduce((a, b) => a + b, 0);
    expect(Math.abs(counts.sum - exactSum) / exactSum).toBeLessThan(0.001);
  });
});

describe('LiveMetrics', () => {
  it('exports the registry\'s figures: requests by status class, with "error" for what got no response', () => {
    const live = new LiveMetrics({ suite: 'pre-release', scenarioOf: new Map([['soak', 'soak-scenario']]), shard: '1/2' });
    live.sink({ type: 'step-start', at: 1, step: 'soak', kind: 'load' });
    const registry = loadRegistry();
    live.publish({ step: 'soak', registry });
    const snapshot = live.snapshot();
    const requests = scalarPoints(snapshot, EXPORTED.requests);
    const value = (operation: string, statusClass: string) =>
      requests.find((p) => p.labels['operation'] === operation && p.labels['status_class'] === statusClass)?.value;
    expect(value('get_room', '2xx')).toBe(500);
    expect(value('create_room', '5xx')).toBe(7);
    expect(value('create_room', 'error')).toBe(3);
    expect(requests.reduce((sum, p) => sum + p.value, 0)).toBe(registry.counter('requests'));
    expect(scalarPoints(snapshot, EXPORTED.lateSends)).toEqual([expect.objectContaining({ labels: { step: 'soak', operation: 'get_room' }, value: 4 })]);
    const durations = histogramPoints(snapshot, EXPORTED.requestDuration);
    const getRoom = durations.find((p) => p.labels['operation'] === 'get_room')!;
    expect(getRoom.count).toBe(500);
    // The +Inf bucket is the count, buckets never decrease, and the p99 bucket brackets the registry's p99.
    expect(getRoom.cumulative.at(-1)).toBeLessThanOrEqual(500);
    for (let i = 1; i < getRoom.cumulative.length; i++) expect(getRoom.cumulative[i]).toBeGreaterThanOrEqual(getRoom.cumulative[i - 1]!);
    const p99 = registry.summary('latency', { operation: 'get_room' }).p99 / 1000;
    const upperIndex = REQUEST_BOUNDS.findIndex((b) => b >= p99);
    expect(getRoom.cumulative[upperIndex]).toBeGreaterThanOrEqual(0.99 * 500);
    expect(getRoom.cumulative[upperIndex - 1]).toBeLessThan(0.99 * 500);
    expect(scalarPoints(snapshot, EXPORTED.stepInfo)[0]!.labels).toEqual({
      suite: 'pre-release',
      scenario: 'soak-scenario',
      step: 'soak',
      kind: 'load',
      shard: '1/2',
    });
    expect(scalarPoints(snapshot, EXPORTED.stepStatus)[0]!.labels).toEqual({ step: 'soak', status: 'running' });
  });

  it('judges the SLOs live on the registry at every sealed window (1 = holding)', () => {
    const live = new LiveMetrics();
    live.sink({ type: 'step-start', at: 1, step: 'soak', kind: 'load' });
    const registry = new MetricsRegistry();
    const catalog = loadMetricCatalog('soak');
    const slos = parseSlos(['error_rate < 10%', 'get_room.p99 < 1s'], catalog, ['get_room', 'create_room']);
    live.publish({ step: 'soak', registry, slos, catalog });
    const holding = () => Object.fromEntries(scalarPoints(live.snapshot(), EXPORTED.sloHolding).map((p) => [p.labels['slo'], p.value]));
    expect(holding()).toEqual({ 'error_rate < 10%': 0, 'get_room.p99 < 1s': 0 }); // no data yet is not holding
    for (let i = 0; i < 10; i++) {
      registry.record('latency', 'get_room', '2xx', 5);
      registry.increment('attempts', 'get_room');
    }
    // Re-judged when the step seals a window, as the step's own abort_on_fail watch is.
    expect(holding()).toEqual({ 'error_rate < 10%': 0, 'get_room.p99 < 1s': 0 });
    registry.closeWindow();
    expect(holding()).toEqual({ 'error_rate < 10%': 1, 'get_room.p99 < 1s': 1 });
    for (let i = 0; i < 5; i++) {
      registry.increment('attempts', 'get_room');
      registry.increment('errors', 'get_room');
    }
    registry.closeWindow();
    expect(holding()).toEqual({ 'error_rate < 10%': 0, 'get_room.p99 < 1s': 1 });
    const observed = scalarPoints(live.snapshot(), EXPORTED.sloObserved).find((p) => p.labels['slo'] === 'get_room.p99 < 1s')!;
    expect(observed.labels['unit']).toBe('seconds');
    expect(observed.value).toBeCloseTo(0.005, 4);
  });

  it('after step-end reads the serialized registry the result carries (what report.json holds)', () => {
    const live = new LiveMetrics();
    live.sink({ type: 'step-start', at: 1, step: 'soak', kind: 'load' });
    const liveRegistry = new MetricsRegistry();
    liveRegistry.record('latency', 'get_room', '2xx', 1);
    liveRegistry.increment('requests', 'get_room');
    live.publish({ step: 'soak', registry: liveRegistry });
    const reported = loadRegistry();
    reported.finish();
    // Only the part of the summary the exporters read: its serialized registry.
    const result = fromReportJson<StepResult>({
      name: 'soak',
      kind: 'load',
      status: 'failed',
      reason: 'x',
      startedAt: '',
      finishedAt: '',
      durationMs: 1,
      checks: [],
      slos: [{ expression: 'error_rate < 1%', metric: 'error_rate', threshold: 0.01, unit: 'ratio', status: 'failed', observed: 0.02 }],
      summary: { histograms: reported.serialize() },
      artifacts: [],
    });
    live.sink({ type: 'step-end', at: 2, step: 'soak', result });
    const snapshot = live.snapshot();
    expect(scalarPoints(snapshot, EXPORTED.requests).reduce((sum, p) => sum + p.value, 0)).toBe(510);
    expect(scalarPoints(snapshot, EXPORTED.stepStatus)[0]!.labels['status']).toBe('failed');
    expect(scalarPoints(snapshot, EXPORTED.sloHolding)).toEqual([expect.objectContaining({ labels: { step: 'soak', slo: 'error_rate < 1%' }, value: 0 })]);
  });

  it('maps browser outcomes: joined and one series per failure label', () => {
    const live = new LiveMetrics();
    const registry = new MetricsRegistry();
    for (const [outcome, label] of [
      ['ok', undefined],
      ['ok', undefined],
      ['failed', 'ice_failed'],
    ] as const) {
      registry.increment('participants', 'join');
      registry.record('join_time', 'join', outcome, 800);
      registry.increment(outcome === 'ok' ? 'participants_succeeded' : 'participants_failed', 'join');
      if (label !== undefined) registry.increment(`failed_${label}`, 'join');
    }
    live.publish({ step: 'browser', registry });
    const snapshot = live.snapshot();
    expect(Object.fromEntries(scalarPoints(snapshot, EXPORTED.browserParticipants).map((p) => [p.labels['outcome'], p.value]))).toEqual({
      joined: 2,
      ice_failed: 1,
    });
    expect(histogramPoints(snapshot, EXPORTED.browserJoin).map((p) => [p.labels['outcome'], p.count])).toEqual([
      ['ok', 2],
      ['failed', 1],
    ]);
  });
});

describe('names', () => {
  it('follow the Prometheus conventions the OpenTelemetry Collector translates to', () => {
    expect(prometheusName(EXPORTED.requests)).toBe('roomgate_requests_total');
    expect(prometheusName(EXPORTED.requestDuration)).toBe('roomgate_request_duration_seconds');
    expect(prometheusName(EXPORTED.inFlight)).toBe('roomgate_requests_in_flight');
    expect(prometheusName(EXPORTED.lateSends)).toBe('roomgate_late_sends_total');
    expect(prometheusName(EXPORTED.browserFirstFrame)).toBe('roomgate_browser_first_frame_duration_seconds');
    expect(prometheusName(EXPORTED.sloHolding)).toBe('roomgate_slo_holding');
  });
});

describe('PrometheusEndpoint', () => {
  it('serves the exposition format with pre-counted histogram buckets, and 404 elsewhere', async () => {
    const live = new LiveMetrics();
    live.sink({ type: 'step-start', at: 1, step: 'soak', kind: 'load' });
    live.publish({ step: 'soak', registry: loadRegistry() });
    const endpoint = await PrometheusEndpoint.start(live, { port: 0, processMetrics: false });
    try {
      expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const response = await fetch(endpoint.url);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toContain('# TYPE roomgate_request_duration_seconds histogram');
      expect(text).toContain('# TYPE roomgate_requests_total counter');
      expect(text).toContain('roomgate_requests_total{step="soak",operation="create_room",status_class="error"} 3');
      const buckets = [
        ...text.matchAll(/^roomgate_request_duration_seconds_bucket\{step="soak",operation="get_room",status_class="2xx",le="([^"]+)"\} (\d+)$/gm),
      ];
      expect(buckets.map((m) => m[1])).toEqual([...REQUEST_BOUNDS.map(String), '+Inf']);
      expect(buckets.at(-1)![2]).toBe('500');
      expect(text).toMatch(/^roomgate_request_duration_seconds_count\{step="soak",operation="get_room",status_class="2xx"\} 500$/m);
      expect((await fetch(endpoint.url.replace('/metrics', '/'))).status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });

  it('waits for a scrape of the final figures when someone was scraping, and not at all otherwise', async () => {
    const live = new LiveMetrics();
    const endpoint = await PrometheusEndpoint.start(live, { port: 0, processMetrics: false });
    try {
      live.finish();
      expect(await endpoint.awaitFinalScrape(endpoint.finalScrapeWaitMs(60_000))).toEqual({ kind: 'not-scraped' });
    } finally {
      await endpoint.close();
    }

    const running = new LiveMetrics();
    const scraped = await PrometheusEndpoint.start(running, { port: 0, processMetrics: false });
    try {
      await (await fetch(scraped.url)).text();
      await (await fetch(scraped.url)).text();
      running.finish();
      const waitMs = scraped.finalScrapeWaitMs(60_000);
      expect(waitMs).toBeGreaterThanOrEqual(2000); // 3 intervals + 2 s
      expect(waitMs).toBeLessThan(60_000);
      const waiting = scraped.awaitFinalScrape(waitMs);
      await (await fetch(scraped.url)).text();
      expect((await waiting).kind).toBe('scraped');
      // Nobody scrapes again: the wait runs out.
      expect(scraped.finalScrapeWaitMs(60_000)).toBe(0);
    } finally {
      await scraped.close();
    }
  });
});

describe('toMetricData (OTLP)', () => {
  it('turns cumulative buckets into per-bucket counts that add up to the count', () => {
    const live = new LiveMetrics();
    live.publish({ step: 'soak', registry: loadRegistry() });
    const data = toMetricData(live.snapshot());
    const duration = data.find((m) => m.descriptor.name === 'roomgate.request.duration')!;
    expect(duration.descriptor.unit).toBe('s');
    if (duration.dataPointType !== 0) throw new Error('expected a histogram');
    for (const point of duration.dataPoints) {
      expect(point.value.buckets.counts).toHaveLength(REQUEST_BOUNDS.length + 1);
      expect(point.value.buckets.counts.reduce((a, b) => a + b, 0)).toBe(point.value.count);
    }
  });
});

describe('WarnThrottle', () => {
  it('reports the first failure at once and at most one a minute after, folding the rest into a count', () => {
    let now = 0;
    const lines: string[] = [];
    const throttle = new WarnThrottle(
      (m) => lines.push(m),
      60_000,
      () => now,
    );
    for (; now < 59_000; now += 1000) throttle.warn('export failed');
    expect(lines).toEqual(['export failed']);
    now = 61_000;
    throttle.warn('export failed');
    expect(lines).toEqual(['export failed', 'export failed (58 more since the last warning)']);
    expect(throttle.count).toBe(60);
  });
});
