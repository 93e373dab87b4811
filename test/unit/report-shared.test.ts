import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../src/model/result.js';
import { createEventsWriter, parseEventsNdjson } from '../../src/report/events-writer.js';
import { renderJunit } from '../../src/report/junit.js';
import { createRedactor } from '../../src/report/redact.js';
import { buildRunReport, readReportJson, writeReportJson } from '../../src/report/report-json.js';
import { fromReportJson } from '../helpers/report-json-fixture.js';

const now = new Date(0).toISOString();

function contractStep(): StepResult {
  return {
    name: 'contract',
    kind: 'contract',
    status: 'failed',
    reason: '1 check failed',
    startedAt: now,
    finishedAt: now,
    durationMs: 1500,
    checks: [
      { name: 'schema.create-room', group: 'schema', status: 'passed', durationMs: 12, observations: 3 },
      {
        name: 'envelope.404 <unknown> & "quoted"',
        group: 'envelope',
        status: 'failed',
        durationMs: 4,
        message: 'status field is "404" (a string)\nsecond line',
        evidence: [
          {
            expected: 'status is the number 404',
            actual: 'got "404"',
            request: { method: 'GET', url: 'http://127.0.0.1:1/v1/rooms/rm_x', headers: { authorization: 'Bearer abc.def' } },
            response: { status: 404, headers: {}, body: '{"name":"<script>alert(1)</script>\u0001"}' },
          },
        ],
      },
      { name: 'auth.boom', group: 'auth', status: 'errored', durationMs: 1, message: 'socket hang up' },
      { name: 'rate-limit.burst', group: 'rate-limit', status: 'skipped', durationMs: 0, reason: 'quota larger than budget' },
    ],
    slos: [
      { status: 'passed', expression: 'create_room p50 < 300ms', metric: 'latency.p50', threshold: 300, unit: 'ms', observed: 12 },
      { status: 'failed', expression: 'create_room p99 < 10ms', metric: 'latency.p99', threshold: 10, unit: 'ms', observed: 42 },
      { status: 'no-data', expression: 'get_room p99 < 1s', metric: 'latency.p99', threshold: 1000, unit: 'ms' },
    ],
    artifacts: [],
  };
}

describe('renderJunit', () => {
  it('writes one testcase per check and per SLO, with failure, error and skipped elements a JUnit parser reads back', () => {
    const xml = renderJunit([contractStep()], { name: 'ci-gate', timestamp: now });
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suite = doc.testsuites.testsuite;
    expect(doc.testsuites).toMatchObject({ tests: '7', failures: '3', errors: '1', skipped: '1' });
    expect(suite.name).toBe('contract');
    const cases = suite.testcase as Array<Record<string, any>>;
    expect(cases.map((c) => c.name)).toEqual([
      'schema.create-room',
      'envelope.404 <unknown> & "quoted"',
      'auth.boom',
      'rate-limit.burst',
      'create_room p50 < 300ms',
      'create_room p99 < 10ms',
      'get_room p99 < 1s',
    ]);
    expect(cases[1]!.failure.message).toBe('status field is "404" (a string)');
    expect(cases[1]!.failure['#text']).toContain('<script>alert(1)</script>');
    expect(cases[2]!.error.message).toBe('socket hang up');
    expect(cases[3]!.skipped.message).toBe('quota larger than budget');
    expect(cases[5]!.failure.message).toContain('observed 42 ms, threshold 10 ms');
    expect(cases[6]!.failure.type).toBe('slo-no-data');
  });

  it('gives a step that errored without any check a testcase with an error, so CI never shows it as green', () => {
    const step: StepResult = { ...contractStep(), status: 'errored', reason: 'chromium not found', checks: [], slos: [] };
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(renderJunit([step], { name: 'x' }));
    expect(doc.testsuites.errors).toBe('1');
    expect(doc.testsuites.testsuite.testcase.error.message).toBe('chromium not found');
  });
});

describe('report.json', () => {
  it('is written atomically, without the client secret, and read back with its schema version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-report-'));
    // A step whose summary holds histograms (a load step's kind) of a foreign shape, and an echoed secret.
    const step = fromReportJson<StepResult>({
      ...contractStep(),
      kind: 'load',
      summary: { histograms: { create_room: 'HISTFAAAA' }, echoed: 'the secret is s3cret-value' },
    });
    const report = buildRunReport({
      run: { id: 'r1', name: 'ci-gate', files: [], startedAt: now, durationMs: 1, status: 'failed', partial: false },
      target: { baseUrl: 'http://127.0.0.1:1', clientId: 'id', embedded: true },
      steps: [step],
    });
    await writeReportJson(dir, report, createRedactor(['s3cret-value']));
    expect(await readdir(dir)).toEqual(['report.json']);
    const text = await readFile(join(dir, 'report.json'), 'utf8');
    expect(text).not.toContain('s3cret-value');
    expect(text).not.toContain('abc.def');
    const back = await readReportJson(dir);
    expect(back.schemaVersion).toBe(1);
    expect(back.histograms).toEqual({ contract: { create_room: 'HISTFAAAA' } });
    expect(back.slos.map((s) => s.step)).toEqual(['contract', 'contract', 'contract']);
  });
});

describe('events.ndjson writer', () => {
  it('has each event on disk as soon as it is emitted, before the writer is closed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-events-'));
    const path = join(dir, 'events.ndjson');
    const writer = createEventsWriter(path, { redactor: createRedactor(['topsecret']) });
    writer.sink({ type: 'log', at: 1, level: 'info', message: 'token topsecret' });
    writer.sink({ type: 'step-start', at: 2, step: 'contract', kind: 'contract' });
    const events = parseEventsNdjson(await readFile(path, 'utf8'));
    expect(events.map((e) => e.type)).toEqual(['log', 'step-start']);
    expect(JSON.stringify(events)).not.toContain('topsecret');
    writer.close();
  });
});
