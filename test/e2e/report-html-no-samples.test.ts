import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'puppeteer-core';
import { EMPTY_SUMMARY } from '../../src/metrics/summary.js';
import type { StepResult } from '../../src/model/result.js';
import { renderHtml } from '../../src/report/html/render-html.js';
import { buildRunReport } from '../../src/report/report-json.js';
import { launchReportBrowser, openReportOffline } from '../helpers/report-browser.js';
import { fromReportJson } from '../helpers/report-json-fixture.js';

const now = new Date().toISOString();

/** A load step with an operation whose every attempt got no response (no latency samples), and a browser step where nobody joined. */
function steps(): StepResult[] {
  const base = { startedAt: now, finishedAt: now, durationMs: 1000, checks: [], slos: [], artifacts: [] };
  // Trimmed summaries: the page reads what a report.json holds, whatever else is missing.
  return fromReportJson<StepResult[]>([
    {
      ...base,
      name: 'burst',
      kind: 'load',
      status: 'failed',
      summary: {
        mode: 'burst',
        totals: { requests: 10, errors: 5, errorRate: 0.5, throughput: 5 },
        operations: {
          get_room: { attempts: 5, errors: 0, byOutcome: {}, latency: { ...EMPTY_SUMMARY, count: 5, p50: 2, p90: 3, p99: 4, p999: 4, max: 4 } },
          list_rooms: { attempts: 5, errors: 5, byOutcome: {}, latency: { ...EMPTY_SUMMARY } },
        },
      },
    },
    {
      ...base,
      name: 'join',
      kind: 'browser',
      status: 'failed',
      summary: {
        kind: 'browser',
        participants: [
          { name: 'p1', room: 'rm_A', shard: 0, status: 'failed', label: 'signaling_closed', detail: 'x', milestonesMs: { navigationStart: 0 } },
          { name: 'p2', room: 'rm_A', shard: 0, status: 'failed', label: 'signaling_closed', detail: 'x', milestonesMs: { navigationStart: 0 } },
        ],
        successRate: { successes: 0, total: 2, rate: 0, confidence: 0.95, low: 0, high: 0.66 },
        latency: { join_time: { ...EMPTY_SUMMARY } },
      },
    },
  ]);
}

describe('report.html: figures without samples', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchReportBrowser();
  });
  afterAll(() => browser?.close());

  it('an operation without latency samples and a join time after 0/2 joined read n/a (no samples), never 0 ms', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-html-empty-'));
    const path = join(dir, 'report.html');
    const report = buildRunReport({
      run: { id: 'x', name: 'smoke', files: [], startedAt: now, durationMs: 1000, status: 'failed', partial: false, exitCode: 1 },
      target: { baseUrl: 'http://127.0.0.1:1', clientId: 'c', embedded: true },
      steps: steps(),
      timeline: {},
    });
    await writeFile(path, renderHtml(report));
    const page = await openReportOffline(browser, path);
    const seen = await page.evaluate(() => {
      const sections = [...document.querySelectorAll('section')];
      const byTitle = (t: string) => sections.find((s) => s.querySelector('h2')?.textContent === t);
      const rows = [...(byTitle('Operations')?.querySelectorAll('tr') ?? [])]
        .slice(1)
        .map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''));
      return { rows, participants: byTitle('Participants: join')?.querySelector('p')?.textContent ?? '' };
    });
    await page.close();
    const list = seen.rows.find((r) => r[0] === 'list_rooms');
    expect(list?.slice(4, 5)).toEqual(['n/a (no samples)']);
    expect(list?.join(' ')).not.toMatch(/\b0 ms/);
    expect(seen.rows.find((r) => r[0] === 'get_room')?.[4]).toBe('2 ms');
    expect(seen.participants).toContain('join time n/a (no samples)');
    expect(seen.participants).not.toMatch(/\b0 ms/);
  });
});
