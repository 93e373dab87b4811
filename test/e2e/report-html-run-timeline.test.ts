import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WindowSummary } from '../../src/model/events.js';
import type { StepResult } from '../../src/model/result.js';
import { renderHtml } from '../../src/report/html/render-html.js';
import { buildRunReport } from '../../src/report/report-json.js';
import { launchReportBrowser, openReportOffline } from '../helpers/report-browser.js';

const T0 = Date.UTC(2026, 11, 5, 3, 0, 0);
const HOSTILE_ID = '<img src=x onerror="window.__pwned=1">';

/** A soak of six 5 s windows; the fourth (during the incident) had an error and names its requests by X-Request-Id. */
function soakWindows(): WindowSummary[] {
  return Array.from({ length: 6 }, (_, i) => ({
    originMs: T0,
    startMs: i * 5000,
    endMs: (i + 1) * 5000,
    operations: { create_room: { count: 50, errors: i === 3 ? 2 : 0, p50: 8, p99: i === 3 ? 420 : 30, max: 500 } },
    ...(i === 3
      ? {
          requests: [
            { requestId: 'req-failed-1', operation: 'create_room', at: T0 + 16_000, outcome: 'reset' },
            { requestId: HOSTILE_ID, operation: 'create_room', at: T0 + 17_000, outcome: 201, latencyMs: 420 },
          ],
        }
      : {}),
  }));
}

function step(name: string, kind: 'load' | 'webhook-sink'): StepResult {
  return {
    name,
    kind,
    status: 'passed',
    startedAt: new Date(T0).toISOString(),
    finishedAt: new Date(T0 + 30_000).toISOString(),
    durationMs: 30_000,
    checks: [],
    slos: [],
    artifacts: [],
  } as StepResult;
}

describe('report.html: the run timeline, in a real browser', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    browser = await launchReportBrowser();
    dir = await mkdtemp(join(tmpdir(), 'roomgate-html-timeline-'));
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("draws phases and the incident as bands over the soak's and the sink's series on one axis, and drills into a window's requests by X-Request-Id", async () => {
    const report = buildRunReport({
      run: {
        id: 'x',
        name: 'pre-release',
        files: [],
        startedAt: new Date(T0).toISOString(),
        finishedAt: new Date(T0 + 30_000).toISOString(),
        durationMs: 30_000,
        status: 'passed',
        partial: false,
        exitCode: 0,
      },
      target: { baseUrl: 'http://127.0.0.1:1', clientId: 'c', embedded: true },
      steps: [step('soak', 'load'), step('webhooks', 'webhook-sink')],
      timeline: {
        soak: soakWindows(),
        webhooks: [0, 1, 2].map((i) => ({
          originMs: T0,
          startMs: i * 10_000,
          endMs: (i + 1) * 10_000,
          operations: {},
          webhooks: { delivered: 40, missing: i === 1 ? 1 : 0, duplicates: 0, badSignatures: 0, staleTimestamps: 0, redeliveries: 0 },
        })),
      },
      bands: [
        { type: 'band', at: T0, step: 'soak', band: { id: 'soak', kind: 'phase', label: 'soak', startMs: T0, endMs: T0 + 30_000 } },
        { type: 'band', at: T0, step: 'bursts', band: { id: 'bursts#1', kind: 'phase', label: 'bursts #1', startMs: T0 + 5000, endMs: T0 + 8000 } },
        { type: 'band', at: T0, step: 'bursts', band: { id: 'bursts#2', kind: 'phase', label: 'bursts #2', startMs: T0 + 25_000, endMs: T0 + 28_000 } },
        {
          type: 'band',
          at: T0,
          step: 'incidents',
          band: { id: 'api-slowdown', kind: 'incident', label: 'api-slowdown', startMs: T0 + 15_000, endMs: T0 + 20_000, detail: 'proxy latency 200ms on 50%' },
        },
      ],
      disturbances: [
        { incident: 'api-slowdown', startMs: T0 + 15_000, endMs: T0 + 20_000, counts: { delayed: 12 }, requestIds: ['req-delayed-7'], moreRequestIds: 11 },
      ],
    });
    expect(report.runTimeline?.bands.map((b) => b.id)).toEqual(['soak', 'bursts#1', 'api-slowdown', 'bursts#2']);
    const path = join(dir, 'report.html');
    await writeFile(path, renderHtml(report));
    const page = await openReportOffline(browser, path);
    await page.setViewport({ width: 1280, height: 900 });
    const visible = (selector: string) =>
      page.$$eval(selector, (nodes) =>
        nodes.map((n) => {
          const r = n.getBoundingClientRect();
          return r.width > 0 && r.height > 0 && getComputedStyle(n).visibility !== 'hidden';
        }),
      );
    expect(await visible('#run-timeline [data-band]')).toEqual([true, true, true, true]);
    expect(await visible('#run-timeline .tl-incident-shade')).toEqual([true]);
    expect(await visible('#run-timeline button.tl-win')).toEqual(Array(6).fill(true));
    expect(await visible('#run-timeline .tl-hook')).toEqual([true, true, true]);
    // Aligned: the incident's shade covers the soak's fourth window (15–20 s of 30 s), on the same axis.
    const geometry = await page.evaluate(() => {
      const shade = document.querySelector('#run-timeline .tl-incident-shade')!.getBoundingClientRect();
      const windows = [...document.querySelectorAll('#run-timeline button.tl-win')].map((b) => b.getBoundingClientRect());
      return { shade: [shade.left, shade.right], fourth: [windows[3]!.left, windows[3]!.right] };
    });
    expect(Math.abs(geometry.shade[0]! - geometry.fourth[0]!)).toBeLessThan(3);
    expect(Math.abs(geometry.shade[1]! - geometry.fourth[1]!)).toBeLessThan(3);

    // The drill-down opens on the window that names requests: the soak's window during the incident.
    const drill = () =>
      page.$eval('#timeline-drilldown', (n) => ({
        heading: n.querySelector('h3')?.textContent,
        ids: [...n.querySelectorAll('li code')].map((c) => c.textContent),
        shown: n.getBoundingClientRect().height > 0,
      }));
    const first = await drill();
    expect(first.shown).toBe(true);
    expect(first.heading).toContain('soak +15.0 s to +20.0 s');
    expect(first.ids).toEqual(['req-failed-1', HOSTILE_ID, 'req-delayed-7']);
    // Another window, by click.
    await page.$$eval('#run-timeline button.tl-win', (buttons) => (buttons[0] as HTMLButtonElement).click());
    expect((await drill()).heading).toContain('soak +0.0 s to +5.0 s');
    // An incident band without its step's result (a killed run) is listed, with nothing to judge.
    expect(await page.$eval('#run-timeline .tl-recovery', (n) => n.textContent)).toBe('nothing to judge (no window after it)');
    await page.screenshot({ path: join(dir, 'timeline.png'), fullPage: true });
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.close();
  });
});
