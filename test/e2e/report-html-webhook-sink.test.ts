import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html/render-html.js';
import { buildRunReport } from '../../src/report/report-json.js';
import { launchReportBrowser, openReportOffline } from '../helpers/report-browser.js';
import { webhookSinkResult } from '../helpers/webhook-sink-fixture.js';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';

describe('report.html: the Webhook delivery section, in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchReportBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("lists each event's figures and the first missing rooms as text (a target's room id never becomes markup)", async () => {
    const result = webhookSinkResult({ roomIdOfMissing: HOSTILE });
    const report = buildRunReport({
      run: {
        id: 'x',
        name: 'pre-release',
        files: [],
        startedAt: result.startedAt,
        durationMs: result.durationMs,
        status: 'failed',
        partial: false,
        exitCode: 1,
      },
      target: { baseUrl: 'http://127.0.0.1:1', clientId: 'c', embedded: true },
      steps: [result],
    });
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-html-sink-'));
    const path = join(dir, 'report.html');
    await writeFile(path, renderHtml(report));
    const page = await openReportOffline(browser, path);
    const seen = await page.evaluate(() => {
      const section = [...document.querySelectorAll('section')].find((s) => s.querySelector('h2')?.textContent === 'Webhook delivery');
      return {
        heading: section?.querySelector('h3')?.textContent,
        rows: [...(section?.querySelectorAll('tr') ?? [])].slice(1).map((tr) => [...tr.querySelectorAll('td')].slice(0, 7).map((td) => td.textContent)),
        missing: [...(section?.querySelectorAll('li') ?? [])].map((li) => li.textContent),
        distribution: [...document.querySelectorAll('section')].some((s) => s.querySelector('h2')?.textContent === 'Latency distribution'),
        pwned: (window as unknown as { __pwned?: number }).__pwned,
      };
    });
    expect(seen.heading).toBe('webhooks-under-load (watching soak)');
    expect(seen.rows).toEqual([
      ['room_created', '4', '4', '0', '0', '1', '0'],
      ['room_closed', '4', '3', '1', '0', '0', '0'],
    ]);
    expect(seen.missing).toHaveLength(1);
    expect(seen.missing[0]).toContain(`room_closed ${HOSTILE}`);
    expect(seen.distribution).toBe(true);
    expect(seen.pwned).toBeUndefined();
    await page.close();
  });
});
