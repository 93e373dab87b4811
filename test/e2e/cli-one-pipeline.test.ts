import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/model/events.js';
import type { RunReport } from '../../src/report/report-json.js';
import { REPO_ROOT, runCli, type CliRun } from '../helpers/run-cli.js';
import { parseRunSummary } from '../helpers/run-summary.js';

/**
 * `roomgate run`, `contract`, `load` and `browser` take one path (runAndReport):
 * each writes the same five files into its run folder and prints one JSON
 * summary on stdout, held here to the one schema schemas/run-summary.schema.json.
 */
const RUN_FOLDER = ['events.ndjson', 'junit.xml', 'report.html', 'report.json', 'summary.md'];
// The host is shared: overload detection would judge it, not the pipeline (see browser-cli.test.ts).
const QUIET = ['--max-host-cpu', '2', '--max-event-loop-delay', '0s', '--max-cpu-limited', '2', '--browser-nice', '0'];

const validate = new Ajv2020({ allErrors: true });
addFormatsModule.default(validate);
let validateSummary: ReturnType<typeof validate.compile>;

interface CommandRun {
  run: CliRun;
  dir: string;
}

async function runCommand(args: (dir: string) => string[], timeoutMs = 150_000): Promise<CommandRun> {
  const dir = await mkdtemp(join(tmpdir(), 'roomgate-pipeline-'));
  const run = await runCli([...args(join(dir, 'out')), '--out', join(dir, 'out'), '--json'], { timeoutMs });
  return { run, dir: join(dir, 'out') };
}

/** What every command's run folder and JSON must show. */
async function expectOnePipeline({ run, dir }: CommandRun, kinds: string[]): Promise<void> {
  expect(run.code, run.stdout + run.stderr).toBe(0);
  // stdout is exactly the summary; the console went to stderr.
  const summary = parseRunSummary(run.stdout);
  expect(validateSummary(summary), JSON.stringify(validateSummary.errors, null, 2)).toBe(true);
  expect(summary).toMatchObject({ status: 'passed', exitCode: 0, partial: false, runDir: dir });
  expect(summary.steps.map((s) => s.kind)).toEqual(kinds);
  expect((await readdir(dir)).sort()).toEqual(RUN_FOLDER);
  const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as RunReport;
  expect(report.run).toMatchObject({ name: summary.name, status: 'passed', exitCode: 0 });
  expect(report.steps.map((s) => [s.name, s.kind, s.status])).toEqual(summary.steps.map((s) => [s.name, s.kind, s.status]));
  // The runner owns each step's lifecycle: one step-start and one step-end per step, whatever the step.
  const events = (await readFile(join(dir, 'events.ndjson'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as RunEvent);
  const types = events.map((e) => e.type);
  expect(types[0]).toBe('run-start');
  expect(types.at(-1)).toBe('run-end');
  for (const step of summary.steps) {
    expect(
      events.filter((e) => e.type === 'step-start' && e.step === step.name),
      step.name,
    ).toHaveLength(1);
    expect(
      events.filter((e) => e.type === 'step-end' && e.step === step.name),
      step.name,
    ).toHaveLength(1);
  }
  expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toMatch(/^<\?xml/);
  expect(await readFile(join(dir, 'summary.md'), 'utf8')).toContain(summary.name);
  expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('<html');
  expect(run.stderr).toMatch(/report: .*report\.html \(5 files\)/);
}

describe('one pipeline for run, contract, load and browser', { timeout: 200_000 }, () => {
  beforeAll(async () => {
    validateSummary = validate.compile(JSON.parse(await readFile(join(REPO_ROOT, 'schemas/run-summary.schema.json'), 'utf8')) as object);
  });

  it("the schema is no formality: a summary that carries serialized histograms, or lacks a step's counts, does not pass", () => {
    const step = {
      name: 'load-burst',
      kind: 'load',
      status: 'passed',
      durationMs: 1,
      checks: { total: 0, passed: 0, failed: [], errored: [], skipped: 0 },
      slos: [],
    };
    const result = {
      name: 'load-burst',
      kind: 'load',
      status: 'passed',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.000Z',
      durationMs: 1,
      checks: [],
      slos: [],
      artifacts: [],
    };
    const summary = (s: object) => ({
      schemaVersion: 1,
      name: 'load-burst',
      status: 'passed',
      exitCode: 0,
      partial: false,
      runDir: 'r',
      durationMs: 1,
      target: { baseUrl: 'x', clientId: 'c', embedded: true },
      steps: [s],
    });
    const figures = { mode: 'burst', totals: {}, operations: {} };
    expect(validateSummary(summary({ ...step, result: { ...result, summary: figures } }))).toBe(true);
    expect(validateSummary(summary({ ...step, result: { ...result, summary: { ...figures, histograms: {} } } }))).toBe(false);
    const { checks: _counts, ...withoutCounts } = step;
    expect(validateSummary(summary({ ...withoutCounts, result }))).toBe(false);
    // The old `roomgate load --json` (a bare step result) is not a run summary.
    expect(validateSummary({ ...result, exitCode: 0 })).toBe(false);
  });

  it('roomgate run writes the five files and prints the summary', async () => {
    const scenarioDir = await mkdtemp(join(tmpdir(), 'roomgate-pipeline-scenario-'));
    const scenario = join(scenarioDir, 'one-pipeline.yaml');
    await writeFile(
      scenario,
      [
        'name: one-pipeline',
        'steps:',
        '  - type: load',
        '    name: burst',
        '    options: { mode: burst, connections: 2, duration: 1s, window: 1s, roomPoolSize: 2, schemaSampleRate: 0 }',
        '    slos: ["error_rate < 50%"]',
        '',
      ].join('\n'),
    );
    const result = await runCommand(() => ['run', scenario]);
    await expectOnePipeline(result, ['load']);
  });

  it('roomgate load writes the same five files and prints the same summary, its step result whole but its histograms', async () => {
    const result = await runCommand(() => ['load', '--duration', '1s', '--window', '1s', '--room-pool', '2', '--slo', 'error_rate < 50%']);
    await expectOnePipeline(result, ['load']);
    const step = parseRunSummary(result.run.stdout).steps[0]!.result;
    expect(step.kind === 'load' && step.summary !== undefined && step.summary.totals.responses > 0).toBe(true);
    const report = JSON.parse(await readFile(join(result.dir, 'report.json'), 'utf8')) as RunReport;
    expect(Object.keys(report.histograms)).toEqual([step.name]);
  });

  it('roomgate contract is a plan of two steps (pact, then contract) and still writes --junit FILE', async () => {
    const junitDir = await mkdtemp(join(tmpdir(), 'roomgate-pipeline-junit-'));
    const junit = join(junitDir, 'gate.xml');
    const result = await runCommand(() => ['contract', '--only', 'pact', 'routing', '--junit', junit]);
    await expectOnePipeline(result, ['pact', 'contract']);
    expect(await readFile(junit, 'utf8')).toBe(await readFile(join(result.dir, 'junit.xml'), 'utf8'));
  });

  it('roomgate browser writes the same five files (report.json replaces result.json)', async () => {
    const result = await runCommand(() => ['browser', '--participants', '2', '--hold', '0s', '--join-timeout', '60s', ...QUIET]);
    await expectOnePipeline(result, ['browser']);
    const step = parseRunSummary(result.run.stdout).steps[0]!.result;
    expect(step.kind === 'browser' && step.summary?.participants.every((p) => p.status === 'joined')).toBe(true);
  });
});
