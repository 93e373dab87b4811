import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parseEventsNdjson } from '../../src/report/events-writer.js';
import type { RunReport } from '../../src/report/report-json.js';
import { runCli } from '../helpers/run-cli.js';

describe('roomgate run on the contract-gate scenario against the embedded server', () => {
  it('passes, exits 0 and leaves report.json, junit.xml, summary.md, events.ndjson and report.html that parse', async () => {
    const out = await mkdtemp(join(tmpdir(), 'roomgate-run-'));
    const summaryFile = join(out, 'step-summary.md');
    const run = await runCli(['run', 'scenarios/contract-gate.yaml', '--out', join(out, 'run'), '--json'], {
      env: { GITHUB_STEP_SUMMARY: summaryFile },
    });
    expect(run.stderr).not.toContain('unexpected error');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as { status: string; exitCode: number; steps: { name: string; status: string }[] };
    expect(summary).toMatchObject({ status: 'passed', exitCode: 0 });
    expect(summary.steps.map((s) => s.name)).toEqual(['contract']);

    const dir = join(out, 'run');
    expect((await readdir(dir)).sort()).toEqual(['events.ndjson', 'junit.xml', 'report.html', 'report.json', 'summary.md']);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as RunReport;
    expect(report.schemaVersion).toBe(1);
    expect(report.run).toMatchObject({ status: 'passed', partial: false, exitCode: 0, name: 'contract-gate' });
    expect(report.target.embedded).toBe(true);
    const contract = report.steps[0]!;
    expect(contract.status).toBe('passed');
    expect(contract.checks.length).toBeGreaterThan(10);
    const text = await readFile(join(dir, 'report.json'), 'utf8');
    expect(text).not.toContain('roomgate-local-secret');

    const xml = await readFile(join(dir, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    expect(Number(junit.testsuites.tests)).toBe(contract.checks.length);
    expect(Number(junit.testsuites.failures)).toBe(0);
    expect(Number(junit.testsuites.skipped)).toBe(contract.checks.filter((c) => c.status === 'skipped').length);

    const events = parseEventsNdjson(await readFile(join(dir, 'events.ndjson'), 'utf8'));
    expect(events[0]!.type).toBe('run-start');
    expect(events.at(-1)!.type).toBe('run-end');
    expect(events.filter((e) => e.type === 'step-start')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'check')).toHaveLength(contract.checks.length);

    expect(await readFile(summaryFile, 'utf8')).toContain('## roomgate contract-gate: ✅ passed');
  });

  it('fails with exit 1 and a JUnit failure when the embedded server breaks the envelope promise', async () => {
    const out = await mkdtemp(join(tmpdir(), 'roomgate-fault-'));
    const file = join(out, 'faulty.yaml');
    await (
      await import('node:fs/promises')
    ).writeFile(file, 'name: faulty\nembedded:\n  faults: [envelope]\nsteps:\n  - type: contract\n    options:\n      groups: [envelope, routing]\n');
    const run = await runCli(['run', file, '--out', join(out, 'run')]);
    expect(run.code).toBe(1);
    const report = JSON.parse(await readFile(join(out, 'run', 'report.json'), 'utf8')) as RunReport;
    expect(report.run.status).toBe('failed');
    expect(report.target.faults).toEqual(['envelope']);
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(await readFile(join(out, 'run', 'junit.xml'), 'utf8'));
    expect(Number(junit.testsuites.failures)).toBeGreaterThan(0);
    expect(run.stdout).toContain('FAILED');
    // The summary line counts every file of the run folder, events.ndjson included.
    expect(run.stdout).toMatch(/report: .*report\.html \(5 files\)/);
    expect((await readdir(join(out, 'run'))).sort()).toEqual(['events.ndjson', 'junit.xml', 'report.html', 'report.json', 'summary.md']);
  });

  it('on SIGINT mid-step leaves a valid partial report.json and exits 130', async () => {
    const out = await mkdtemp(join(tmpdir(), 'roomgate-sigint-'));
    const file = join(out, 'two.yaml');
    await (await import('node:fs/promises')).writeFile(file, 'name: two\nsteps:\n  - type: contract\n  - type: contract\n    name: again\n');
    const run = await runCli(['run', file, '--out', join(out, 'run')], {
      onSpawn: (child) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('▶ contract')) setTimeout(() => child.kill('SIGINT'), 300);
        });
      },
    });
    expect(run.code).toBe(130);
    const report = JSON.parse(await readFile(join(out, 'run', 'report.json'), 'utf8')) as RunReport;
    expect(report.run).toMatchObject({ status: 'interrupted', partial: true, exitCode: 130 });
    expect(report.steps[0]).toMatchObject({ name: 'contract', status: 'interrupted' });
    expect(report.steps.slice(1).every((s) => s.status === 'skipped')).toBe(true);
    const events = parseEventsNdjson(await readFile(join(out, 'run', 'events.ndjson'), 'utf8'));
    expect(events.some((e) => e.type === 'step-end' && e.result.status === 'interrupted')).toBe(true);
  });
});
