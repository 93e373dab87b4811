import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html/render-html.js';
import { launchReportBrowser, openReportOffline } from '../helpers/report-browser.js';
import { coverageReport } from '../helpers/coverage-report.js';

/** The coverage grids of report.html, drawn by its own script in a real Chromium, offline. */
describe('report.html coverage grids', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchReportBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws the responses and inputs grids with a state class and a title per cell, and escapes notes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-html-cov-'));
    const path = join(dir, 'report.html');
    await writeFile(path, renderHtml(coverageReport()));
    const page = await openReportOffline(browser, path);
    const seen = await page.evaluate(() => {
      const grid = (id: string) => {
        const table = document.getElementById(id);
        return [...(table?.querySelectorAll('tr') ?? [])]
          .slice(1)
          .map((tr) => [
            tr.querySelector('th')?.textContent,
            ...[...tr.querySelectorAll('td')].map((td) => `${td.className.replace('cov ', '')}:${td.textContent}`),
          ]);
      };
      return {
        figure: document.querySelector('.cov-figure')?.textContent,
        columns: [...(document.getElementById('coverage-responses-contract')?.querySelectorAll('th.cov-col') ?? [])].map((th) => th.textContent),
        responses: grid('coverage-responses-contract'),
        inputs: grid('coverage-inputs-contract'),
        failedTitle: document.querySelector('#coverage-responses-contract td.cov-failed')?.getAttribute('title'),
        injected: document.querySelectorAll('#coverage-responses-contract b').length,
      };
    });
    expect(seen.figure).toBe('coverage: responses 4/5 (1 failed), inputs 4/4 (1 failed) · min coverage 100 %: not held');
    expect(seen.columns).toEqual(['200', '201', '404', '409', '422', '500']);
    expect(seen.responses).toEqual([
      ['createRoom', 'cov-absent:', 'cov-provoked:✓', 'cov-absent:', 'cov-not-provoked:?', 'cov-failed:✗', 'cov-cannot-provoke:–'],
      ['getRoom', 'cov-provoked:✓', 'cov-absent:', 'cov-provoked:✓', 'cov-absent:', 'cov-absent:', 'cov-cannot-provoke:–'],
    ]);
    expect(seen.inputs).toEqual([
      ['createRoom', 'cov-failed:1/2', 'cov-provoked:1/1', 'cov-absent:'],
      ['getRoom', 'cov-absent:', 'cov-absent:', 'cov-provoked:1/1'],
    ]);
    expect(seen.failedTitle).toBe('createRoom 422: failed · 1 observation · same key, other body answered 201 <b>');
    expect(seen.injected).toBe(0);
    await page.close();
  }, 60_000);
});
