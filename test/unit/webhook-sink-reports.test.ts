import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressRenderer } from '../../src/cli/progress.js';
import { CONSOLE_RENDERERS } from '../../src/cli/render/index.js';
import { renderRunSummaryJson } from '../../src/cli/summary-json.js';
import { buildPageData } from '../../src/report/html/report-data.js';
import { renderJunit } from '../../src/report/junit.js';
import { buildRunReport } from '../../src/report/report-json.js';
import { renderSummaryMarkdown } from '../../src/report/summary-md.js';
import { webhookSinkResult } from '../helpers/webhook-sink-fixture.js';

function report() {
  const result = webhookSinkResult();
  return buildRunReport({
    run: { id: 'x', name: 'pre-release', files: [], startedAt: result.startedAt, durationMs: result.durationMs, status: 'failed', partial: false, exitCode: 1 },
    target: { baseUrl: 'http://127.0.0.1:1', clientId: 'c', embedded: true },
    steps: [result],
  });
}

describe('a webhook-sink step in every report', () => {
  it('the fixture is what the ledger makes of the script: 8 expected, 7 delivered, 1 missing, 1 duplicate', () => {
    const { summary } = webhookSinkResult();
    expect(summary!.totals).toMatchObject({ expected: 8, delivered: 7, missing: 1, duplicates: 1, deliveries: 8 });
    expect(summary!.events['room_closed']).toMatchObject({ expected: 4, delivered: 3, missing: 1, types: ['room.closed'] });
  });

  it('console: per-event table, the totals, the first missing room with its request, then the SLO lines', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const progress = createProgressRenderer({ stream: Object.assign(stream, { columns: 200 }), live: false, lifecycle: false, renderers: CONSOLE_RENDERERS });
    progress.sink({ type: 'step-end', at: 0, step: 'webhooks-under-load', result: webhookSinkResult() });
    const lines = text.split('\n');
    expect(lines).toContain('  event               expected delivered  missing   late  dups  redeliv       p50       p99       max');
    expect(lines.find((l) => l.startsWith('  room_closed'))).toMatch(/^ {2}room_closed\s+4\s+3\s+1\s+0\s+0\s+0\s+1\.50s\s+1\.50s\s+1\.50s$/);
    expect(lines.find((l) => l.startsWith('  room_created'))).toMatch(/^ {2}room_created\s+4\s+4\s+0\s+0\s+1\s+0\s/);
    expect(text).toContain('  8 room events announced by soak; 8 deliveries received (0 refused on purpose), 0 about other rooms');
    expect(text).toContain('  signatures: not judged (no signing secret known)');
    expect(text).toContain('  missing: room_closed of rm_4 (announced by soak at 2023-11-14T22:13:20.700Z)');
    expect(text).toContain('  FAIL webhooks_missing == 0 (observed 1)');
    expect(text).toContain('  ok   webhook_delivery.p99 < 5s (observed 1510ms)');
  });

  it('summary.md: a Webhook delivery table per sink step, and its SLOs with the rest', () => {
    const md = renderSummaryMarkdown(report());
    expect(md).toContain('### Webhook delivery: webhooks-under-load');
    expect(md).toContain('| `room_closed` | 4 | 3 | 1 | 0 | 0 | 0 | 1.50 s | 1.50 s |');
    expect(md).toContain('| `room_created` | 4 | 4 | 0 | 0 | 1 | 0 |');
    expect(md).toContain('| webhooks-under-load | `webhooks_missing == 0` | ❌ failed |');
  });

  it('junit.xml: each SLO of the step is a test case, the failed one a failure', () => {
    const xml = renderJunit([webhookSinkResult()], { name: 'pre-release' });
    expect(xml).toContain('<property name="kind" value="webhook-sink"/>');
    expect(xml).toMatch(/<testcase [^>]*name="[^"]*webhooks_missing == 0[^"]*"[^>]*>\s*<failure /);
    expect(xml).toMatch(/<testcase [^>]*name="[^"]*webhook_delivery\.p99 &lt; 5s[^"]*"[^>]*\/>/);
  });

  it('report.json: the registry goes to `histograms`, and the page decodes the delivery spectra per event', () => {
    const r = report();
    expect(Object.keys(r.histograms)).toEqual(['webhooks-under-load']);
    const spectra = buildPageData(r).spectra.map((s) => `${s.key}:${s.count}`);
    expect(spectra).toEqual(['room_closed webhook_delivery:3', 'room_created webhook_delivery:4']);
  });

  it("--json: the step's result without the serialized registry", () => {
    const json = renderRunSummaryJson(report(), 'reports/x');
    const step = json.steps[0]!;
    expect(step.kind).toBe('webhook-sink');
    expect(step.slos.map((s) => s.status)).toEqual(['failed', 'passed']);
    expect(step.result.summary).not.toHaveProperty('metrics');
    expect(step.result.summary).toHaveProperty('totals');
  });
});
