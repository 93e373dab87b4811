import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { launchReportBrowser, openReportOffline } from '../helpers/report-browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import type { StepResult } from '../../src/model/result.js';
import { buildPageData } from '../../src/report/html/report-data.js';
import { renderHtml } from '../../src/report/html/render-html.js';
import { buildRunReport, type RunReport } from '../../src/report/report-json.js';
import { fromReportJson } from '../helpers/report-json-fixture.js';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const now = new Date().toISOString();

/** A load step summary shaped as the load step writes it (LoadSummary): operations, windows, SerializedMetrics. */
function loadStep(): StepResult {
  let t = 0;
  const registry = new MetricsRegistry({ windowMs: 1000, startedAtMs: 0, now: () => t });
  for (let w = 0; w < 3; w++) {
    for (let i = 1; i <= 100; i++) registry.record('latency', 'create_room', '2xx', i / 10 + w);
    for (let i = 1; i <= 50; i++) registry.record('latency', 'get_room', i % 25 === 0 ? '5xx' : '2xx', i / 20);
    t = (w + 1) * 1000;
    registry.closeWindow();
  }
  registry.finish();
  const summary = (op: string) => ({
    attempts: op === 'create_room' ? 300 : 150,
    requests: 0,
    responses: 0,
    errors: op === 'get_room' ? 6 : 0,
    byOutcome: {},
    latency: registry.summary('latency', { operation: op }),
  });
  // The parts of a summary the page draws from (a trimmed report.json).
  return fromReportJson<StepResult>({
    name: 'burst',
    kind: 'load',
    status: 'passed',
    startedAt: now,
    finishedAt: now,
    durationMs: 3000,
    checks: [],
    slos: [],
    artifacts: [],
    summary: {
      mode: 'burst',
      totals: { requests: 450, errors: 6, errorRate: 6 / 450, throughput: 150 },
      operations: { create_room: summary('create_room'), get_room: summary('get_room') },
      histograms: registry.serialize(),
    },
  });
}

/** A browser step summary shaped as BrowserStepSummary: participants with milestonesMs, and its metrics. */
function browserStep(): StepResult {
  const registry = new MetricsRegistry({ startedAtMs: 0, now: () => 0 });
  registry.record('join_time', 'join', 'ok', 900);
  registry.finish(0);
  return fromReportJson<StepResult>({
    name: 'join',
    kind: 'browser',
    status: 'failed',
    reason: 'one participant failed',
    startedAt: now,
    finishedAt: now,
    durationMs: 5000,
    checks: [],
    slos: [],
    artifacts: [],
    summary: {
      kind: 'browser',
      participants: [
        {
          name: 'p1',
          room: 'rm_A',
          shard: 0,
          status: 'joined',
          milestonesMs: { navigationStart: 0, load: 200, mediaGranted: 600, joined: 900, pcConnected: 1100, firstRenderedFrame: 1400 },
          joinTimeMs: 900,
          timeToFirstFrameMs: 1400,
        },
        { name: 'p2', room: 'rm_A', shard: 0, status: 'failed', label: 'media_timeout', detail: HOSTILE, milestonesMs: { navigationStart: 0, load: 250 } },
      ],
      successRate: { successes: 1, total: 2, rate: 0.5, confidence: 0.95, low: 0.09, high: 0.91 },
      latency: { join_time: registry.summary('join_time') },
      metrics: registry.serialize(),
    },
  });
}

function report(): RunReport {
  return buildRunReport({
    run: { id: 'x', name: 'smoke', files: [], startedAt: now, durationMs: 8000, status: 'failed', partial: false, exitCode: 1 },
    target: { baseUrl: 'http://127.0.0.1:1', clientId: 'c', embedded: true },
    steps: [loadStep(), browserStep()],
    // No window events were collected (e.g. a report from a one-step command): the windows come from the summary.
    timeline: {},
  });
}

describe('report data from the real step summaries', () => {
  it('copies load `histograms` and browser `metrics` into report.histograms and decodes every metric × operation', () => {
    const r = report();
    expect(Object.keys(r.histograms).sort()).toEqual(['burst', 'join']);
    const data = buildPageData(r);
    expect(data.spectra.map((s) => `${s.step}:${s.key}:${s.count}`)).toEqual([
      'burst:create_room latency:300',
      'burst:get_room latency:150',
      'join:join join_time:1',
    ]);
    // Windows rebuilt from the serialized ones: 3 windows, 100 create_room each, get_room errors = its 5xx samples.
    expect(data.timeline['burst']!.map((w) => w.operations['create_room']!.count)).toEqual([100, 100, 100]);
    expect(data.timeline['burst']!.map((w) => w.operations['get_room']!.errors)).toEqual([2, 2, 2]);
  });
});

describe('report.html sections from the real step summaries, in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchReportBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws load over time, the operations table, the distributions and the join waterfall', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-html-sum-'));
    const path = join(dir, 'report.html');
    await writeFile(path, renderHtml(report()));
    const page = await openReportOffline(browser, path);
    const seen = await page.evaluate(() => {
      const sections = [...document.querySelectorAll('section')];
      const byTitle = (t: string) => sections.find((s) => s.querySelector('h2')?.textContent === t);
      const operations = byTitle('Operations');
      const rows = [...(operations?.querySelectorAll('tr') ?? [])].slice(1).map((tr) => [...tr.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent));
      const wf = document.getElementById('waterfall-join');
      return {
        titles: sections.map((s) => s.querySelector('h2')?.textContent),
        overTimeCanvases: byTitle('Load over time')?.querySelectorAll('canvas').length ?? 0,
        distributionCanvases: byTitle('Latency distribution')?.querySelectorAll('canvas').length ?? 0,
        operationRows: rows,
        waterfallRows: wf?.querySelectorAll('.wf-track').length ?? 0,
        segmentsPerRow: [...(wf?.querySelectorAll('.wf-track') ?? [])].map((t) => t.querySelectorAll('.wf-seg').length),
        joinedMarks: wf?.querySelectorAll('.wf-mark').length ?? 0,
        detail: wf?.querySelector('.wf-detail')?.textContent,
        pwned: (window as unknown as { __pwned?: number }).__pwned,
      };
    });
    expect(seen.titles).toEqual(expect.arrayContaining(['Load over time', 'Operations', 'Latency distribution', 'Participants: join']));
    expect(seen.overTimeCanvases).toBeGreaterThanOrEqual(2);
    expect(seen.distributionCanvases).toBe(2);
    expect(seen.operationRows).toEqual([
      ['create_room', '300', '0', '0.000 %'],
      ['get_room', '150', '6', '4.000 %'],
    ]);
    expect(seen.waterfallRows).toBe(2);
    // One segment per milestone after navigation start (navigationStart itself is 0 wide but drawn), and a tick at "joined".
    expect(seen.segmentsPerRow).toEqual([6, 2]);
    expect(seen.joinedMarks).toBe(1);
    expect(seen.detail).toBe(HOSTILE);
    expect(seen.pwned).toBeUndefined();
    await page.close();
  });
});
