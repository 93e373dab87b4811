import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { launchReportBrowser } from '../helpers/report-browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHistogram, msToUnits, newHistogram } from '../../src/metrics/histogram.js';
import type { WindowSummary } from '../../src/model/events.js';
import type { StepResult } from '../../src/model/result.js';
import { createReferenceServer } from '../../src/reference/server.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import { renderHtml } from '../../src/report/html/render-html.js';
import { buildRunReport } from '../../src/report/report-json.js';
import { VideoConnectClient } from '../../src/target/client.js';
import { fromReportJson } from '../helpers/report-json-fixture.js';

const HOSTILE = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2;alert(1)">';

/**
 * Builds a report from what a real (hostile) target returned: a room whose
 * name is markup, timed for real against the reference server, then opens
 * report.html in Chromium from disk with every non-file request aborted.
 */
async function buildHostileReport(dir: string): Promise<string> {
  const server = await createReferenceServer({ port: 0, host: '127.0.0.1' });
  try {
    const client = new VideoConnectClient({ baseUrl: server.url, credentials: { ...LOCAL_CREDENTIALS } });
    const { room } = await client.createRoom({ name: HOSTILE });
    const histogram = newHistogram();
    const timeline: WindowSummary[] = [];
    const t0 = Date.now();
    for (let w = 0; w < 4; w += 1) {
      const start = Date.now();
      const samples: number[] = [];
      for (let i = 0; i < 20; i += 1) {
        const before = performance.now();
        await client.getRoom(room.room_id);
        const took = performance.now() - before;
        samples.push(took);
        histogram.recordValue(msToUnits(took));
      }
      samples.sort((a, b) => a - b);
      timeline.push({
        startMs: start - t0,
        endMs: Date.now() - t0 + 1,
        operations: { get_room: { count: 20, errors: 0, p50: samples[9]!, p99: samples[19]!, max: samples[19]! } },
      });
    }
    const body = JSON.stringify(room);
    const now = new Date().toISOString();
    // A summary of a shape no roomgate writes (histograms as bare base64 leaves), as a foreign report.json may hold.
    const step = fromReportJson<StepResult>({
      name: 'contract',
      kind: 'contract',
      status: 'failed',
      reason: `room ${room.name} broke a promise`,
      startedAt: now,
      finishedAt: now,
      durationMs: 1200,
      checks: [
        {
          name: `room-name ${room.name}`,
          group: 'schema',
          status: 'failed',
          durationMs: 3,
          message: `name was ${room.name}`,
          evidence: [{ expected: 'a plain name', actual: room.name, response: { status: 201, headers: { 'x-evil': HOSTILE }, body } }],
        },
        { name: 'envelope.ok', group: 'envelope', status: 'passed', durationMs: 2, observations: 4 },
      ],
      slos: [],
      artifacts: [{ kind: 'other', path: 'javascript:alert(1)', description: HOSTILE }],
      summary: { histograms: { get_room: encodeHistogram(histogram) }, roomName: room.name },
    });
    const load = fromReportJson<StepResult>({
      ...step,
      name: 'burst',
      kind: 'load',
      status: 'passed',
      checks: [],
      reason: undefined,
      artifacts: [],
      slos: [
        {
          status: 'passed',
          expression: 'get_room.p99 < 1s',
          metric: 'latency',
          operation: 'get_room',
          threshold: 1000,
          unit: 'ms',
          observed: timeline[0]!.operations['get_room']!.p99,
        },
      ],
    });
    const report = buildRunReport({
      run: { id: 'x', name: `smoke${HOSTILE}`, files: [], startedAt: now, durationMs: 2000, status: 'failed', partial: false, exitCode: 1 },
      target: { baseUrl: server.url, clientId: 'roomgate-local', embedded: true },
      steps: [step, load],
      timeline: { burst: timeline },
    });
    const path = join(dir, 'report.html');
    await writeFile(path, renderHtml(report));
    return path;
  } finally {
    await server.close();
  }
}

describe('report.html in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchReportBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders the verdict and charts offline and runs no script a hostile target sent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-html-'));
    const path = await buildHostileReport(dir);
    const page = await browser.newPage();
    const dialogs: string[] = [];
    const blocked: string[] = [];
    const cspViolations: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (/Content Security Policy|Refused/.test(message.text())) cspViolations.push(message.text());
    });
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.url().startsWith('file://')) void request.continue();
      else {
        blocked.push(request.url());
        void request.abort();
      }
    });
    await page.setViewport({ width: 1280, height: 2000 });
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 10_000 });

    const verdict = await page.$eval('#verdict-text', (el) => el.textContent ?? '');
    expect(verdict).toContain('FAILED');
    expect(verdict).toContain(HOSTILE); // shown as text, literally
    const canvases = await page.$$eval('canvas', (list) =>
      list.map((canvas) => {
        const ctx = canvas.getContext('2d')!;
        const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted += 1;
        return { width: canvas.width, painted };
      }),
    );
    // latency over time, throughput over time, latency distribution
    expect(canvases.length).toBeGreaterThanOrEqual(3);
    for (const canvas of canvases) expect(canvas.painted).toBeGreaterThan(100);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await page.$$eval('img[src="x"]', (list) => list.length)).toBe(0);
    expect(await page.$$eval('a[href^="javascript:"]', (list) => list.length)).toBe(0);
    // The inline scripts ran under the CSP (hash-allowed); nothing was refused that we needed.
    expect(await page.$eval('#app', (el) => el.textContent ?? '')).toContain('envelope.ok');
    expect(blocked).toEqual([]);
    await page.screenshot({ path: '/tmp/roomgate-report-hostile.png', fullPage: true });
    await page.close();
  });
});
