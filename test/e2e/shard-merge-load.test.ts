import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadSummary } from '../../src/model/load-summary.js';
import { decodeHistogram, newHistogram, unitsToMs } from '../../src/metrics/histogram.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import type { ReferenceServer, ReferenceServerStats } from '../../src/reference/server-types.js';
import type { RunReport } from '../../src/report/report-json.js';
import { ConfigError } from '../../src/errors.js';
import { mergeRuns } from '../../src/merge/merge-runs.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { startReferenceServer } from '../helpers/reference-http.js';

/**
 * Distributed load, end to end: shard processes of one soak against one
 * reference server on loopback, then `roomgate merge`. Each group of shards
 * gets its own server so its stats() are exactly that group's requests.
 *
 * These runs check counting and global verdicts on a shared, busy machine, so
 * late sends never make them invalid (--max-late 1) and the counting merges
 * accept any start skew (--max-skew 1m); the skew rule is checked on its own
 * below with the default 1 s bound.
 */
const RELAXED = ['--max-late', '1', '--window', '1s', '--room-pool', '6', '--schema-sample-rate', '0'];

interface Group {
  server: ReferenceServer;
  dirs: string[];
  runs: CliRun[];
  stats: ReferenceServerStats;
}

async function runShards(count: number, rate: number, slos: string[]): Promise<Group> {
  const server = await startReferenceServer();
  const root = await mkdtemp(join(tmpdir(), 'roomgate-shards-'));
  const base = new Date().toISOString();
  const dirs = Array.from({ length: count }, (_, i) => join(root, `shard-${i + 1}`));
  const runs = await Promise.all(
    dirs.map((dir, i) =>
      runCli(
        [
          'load',
          '--mode',
          'soak',
          '--rate',
          String(rate),
          '--duration',
          '3s',
          ...RELAXED,
          '--target',
          server.url,
          '--client-id',
          LOCAL_CREDENTIALS.clientId,
          '--client-secret',
          LOCAL_CREDENTIALS.clientSecret,
          // One shard by flag, the others through the environment, as a Kubernetes Indexed Job gives them.
          ...(i === 0 ? ['--shard', `1/${count}`] : []),
          '--start-at',
          '+4s',
          '--start-base',
          base,
          '--out',
          dir,
          ...slos.flatMap((s) => ['--slo', s]),
        ],
        { env: i === 0 ? {} : { JOB_COMPLETION_INDEX: String(i), ROOMGATE_SHARD_COUNT: String(count) }, timeoutMs: 140_000 },
      ),
    ),
  );
  return { server, dirs, runs, stats: server.stats() };
}

const readReport = async (dir: string) => JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as RunReport;
const loadSummary = (report: RunReport) => report.steps[0]!.summary as unknown as LoadSummary;

describe('roomgate merge (load shards)', () => {
  // Group A: 3 shards × 30/s. `requests < 200` holds on each shard (90) and breaks on the whole (270).
  // Group B: 2 shards × 20/s. `requests > 100` breaks on each shard (60) and holds on the whole (120).
  let a: Group;
  let b: Group;
  let out: string;
  // `roomgate run` as shard 2/2 (from the scenario's `shard:`) of a scenario with a contract step and a soak (embedded target).
  let suiteShard: { run: CliRun; dir: string };
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-run-shard-'));
    const scenario = join(dir, 'gate-and-soak.yaml');
    await writeFile(
      scenario,
      [
        'name: gate-and-soak',
        // `shard:` in the file (here through env substitution, as one Job template would carry it).
        'shard: ${SHARD_OF_TEST:-1/1}',
        'steps:',
        '  - type: contract',
        '    name: contract',
        '  - type: load',
        '    name: soak',
        '    options: { mode: soak, rate: 20, duration: 2s, window: 1s, maxLateFraction: 1, roomPoolSize: 4, schemaSampleRate: 0 }',
        '    slos: ["requests < 1000"]',
        '',
      ].join('\n'),
    );
    const runShard = async () => ({
      run: await runCli(['run', scenario, '--out', join(dir, 'out')], { env: { SHARD_OF_TEST: '2/2' }, timeoutMs: 140_000 }),
      dir: join(dir, 'out'),
    });
    // Group A's shards run together (they share one server, as shards do); the rest after them, so
    // a 2-core host is not asked to start six CLI processes at once.
    a = await runShards(3, 90, ['requests < 200', 'p99 < 60s']);
    [b, suiteShard] = await Promise.all([runShards(2, 40, ['requests > 100']), runShard()]);
    out = await mkdtemp(join(tmpdir(), 'roomgate-merged-'));
  }, 400_000);
  afterAll(async () => {
    await Promise.all([a?.server.close(), b?.server.close()]);
  });

  it('each shard ran its share under its own shard identity, and passed (or broke) its SLOs alone', async () => {
    for (const run of a.runs) expect(run.code, run.stderr + run.stdout).toBe(0);
    for (const run of b.runs) expect(run.code, run.stderr + run.stdout).toBe(1);
    const reports = await Promise.all(a.dirs.map(readReport));
    expect(reports.map((r) => r.run.shard?.index)).toEqual([1, 2, 3]);
    expect(new Set(reports.map((r) => r.run.shard?.plan)).size).toBe(1);
    const summaries = reports.map(loadSummary);
    expect(summaries.map((s) => s.totals.attempts)).toEqual([90, 90, 90]);
    // Room names and Idempotency-Keys carry the shard: no two shards share a run tag.
    expect(summaries.map((s) => s.runTag)).toEqual([expect.stringMatching(/-s1of3$/), expect.stringMatching(/-s2of3$/), expect.stringMatching(/-s3of3$/)]);
    // Remainders spread: a pool of 6 over 3 shards is 2 each; every shard saw the agreed start.
    expect(summaries.map((s) => s.setup.roomsCreated)).toEqual([2, 2, 2]);
    for (const s of summaries) expect(s.sync?.startAt).toBe(reports[0]!.run.shard!.startAt);
  });

  it('run as shard 2/2 (shard: in the scenario): the contract step runs on shard 1 only; the soak sends its half', async () => {
    expect(suiteShard.run.code, suiteShard.run.stderr + suiteShard.run.stdout).toBe(0);
    const report = await readReport(suiteShard.dir);
    const [contract, soak] = report.steps;
    expect(contract).toMatchObject({ name: 'contract', status: 'skipped', reason: 'runs on shard 1 only (this is shard 2/2)' });
    expect(soak!.status).toBe('passed');
    expect((soak!.summary as unknown as LoadSummary).totals.attempts).toBe(20);
    expect(report.run.shard).toMatchObject({ index: 2, count: 2, plan: expect.stringMatching(/^[0-9a-f]{16}$/) });
    // The merge takes a contract step from the one shard that ran it (here shard 1, as if it had run it).
    const first = structuredClone(report);
    first.run.shard!.index = 1;
    first.steps[0] = { ...contract!, status: 'failed', reason: 'a contract check failed on shard 1' };
    const merged = mergeRuns(
      [
        { dir: 'shard-2', report },
        { dir: 'shard-1', report: first },
      ],
      { maxSkewMs: 60_000 },
    );
    expect(merged.steps[0]).toMatchObject({ name: 'contract', status: 'failed', reason: 'a contract check failed on shard 1' });
    expect((merged.steps[1]!.summary as unknown as LoadSummary).totals.attempts).toBe(40);
    expect(merged.run).toMatchObject({ status: 'failed', exitCode: 1 });
  });

  it('merges three shards: request counts equal the server’s stats(), percentiles are those of all samples, the global SLO breaks', async () => {
    const merged = await runCli(['merge', ...a.dirs, '--out', out, '--max-skew', '1m', '--json']);
    expect(merged.code, merged.stderr + merged.stdout).toBe(1);
    const report = await readReport(out);
    expect(report.run.merged).toMatchObject({ count: 3, sources: a.dirs });
    const step = report.steps[0]!;
    const summary = step.summary as unknown as LoadSummary;
    const ops = summary.operations;
    const cleanupLists = 'listRequests' in summary.cleanup ? summary.cleanup.listRequests : 0;
    const cleanupDeletes = 'deleted' in summary.cleanup ? summary.cleanup.deleted : 0;
    expect(summary.totals.attempts).toBe(270);
    expect(summary.totals.responses).toBe(270);
    expect(ops['get_room']!.responses).toBe(a.stats.requests['get_room']);
    expect(ops['create_room']!.responses + summary.setup.roomsCreated).toBe(a.stats.requests['create_room']);
    expect(ops['delete_room']!.responses + cleanupDeletes).toBe(a.stats.requests['delete_room']);
    // Each shard process also probes the target once before it runs (GET /v1/rooms without a token, target-probe.ts).
    expect((ops['list_rooms']?.responses ?? 0) + cleanupLists + a.dirs.length).toBe(a.stats.requests['list_rooms'] ?? 0);
    expect(summary.schedule).toMatchObject({ scheduled: 270, sent: 270 });

    // Exact: the merged p50/p99 are those of one histogram fed every shard's samples.
    const all = newHistogram();
    for (const dir of a.dirs) {
      for (const series of loadSummary(await readReport(dir)).histograms.series) {
        if (series.metric !== 'latency') continue;
        const h = decodeHistogram(series.histogram);
        all.add(h);
        h.destroy();
      }
    }
    const latency = (report.histograms[step.name] as unknown as LoadSummary['histograms']).series.filter((s) => s.metric === 'latency');
    expect(latency.reduce((n, s) => n + s.summary.count, 0)).toBe(270);
    const p99 = step.slos.find((v) => v.expression === 'p99 < 60s');
    expect(p99).toMatchObject({ status: 'passed', observed: unitsToMs(all.getValueAtPercentile(99)) });
    const compared = await runCli(['compare', a.dirs[0]!, out, '--json', '--tolerance', '10000%']);
    const deltas = (JSON.parse(compared.stdout) as { deltas: { operation: string; metric: string; current: number; source: string }[] }).deltas;
    const getP50 = deltas.find((d) => d.operation === 'get_room' && d.metric === 'p50')!;
    const getAll = newHistogram();
    for (const dir of a.dirs) {
      for (const series of loadSummary(await readReport(dir)).histograms.series) {
        if (series.metric !== 'latency' || series.operation !== 'get_room') continue;
        const h = decodeHistogram(series.histogram);
        getAll.add(h);
        h.destroy();
      }
    }
    // `compare` reads merged runs like any other, from their histograms.
    expect(getP50).toMatchObject({ source: 'histogram', current: unitsToMs(getAll.getValueAtPercentile(50)) });
    all.destroy();
    getAll.destroy();

    // Each shard sent 90 < 200; the whole sent 270: the merged verdict is global.
    expect(step.slos.find((v) => v.expression === 'requests < 200')).toMatchObject({ status: 'failed', observed: 270 });
    expect(step.status).toBe('failed');
    // Windows are on one wall clock: every second of the run holds all three shards' traffic.
    expect(report.timeline[step.name]!.length).toBeGreaterThanOrEqual(3);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('load-soak');
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toMatch(/failures="1"/);
    expect(await readFile(join(out, 'summary.md'), 'utf8')).toMatch(/requests < 200/);
  });

  it('and the reverse: an SLO every shard breaks alone holds on the whole (exit 0)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-merged-b-'));
    const merged = await runCli(['merge', ...b.dirs, '--out', dir, '--max-skew', '1m']);
    expect(merged.code, merged.stderr + merged.stdout).toBe(0);
    const report = await readReport(dir);
    expect(report.steps[0]!.slos[0]).toMatchObject({ expression: 'requests > 100', status: 'passed', observed: 120 });
    expect(report.run).toMatchObject({ status: 'passed', exitCode: 0 });
  });

  it('a missing shard is exit 2 with what is missing; a duplicated or foreign one is a config error too', async () => {
    const missing = await runCli(['merge', a.dirs[0]!, a.dirs[2]!, '--out', join(out, 'x')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing shard 2\/3 \(got 1\/3, 3\/3\)/);
    // The rest in-process (merge is a pure function of the run folders; ConfigError is exit 2).
    const runs = await Promise.all(a.dirs.map(async (dir) => ({ dir, report: await readReport(dir) })));
    const other = { dir: b.dirs[1]!, report: await readReport(b.dirs[1]!) };
    expect(() => mergeRuns([runs[0]!, runs[1]!, runs[1]!, runs[2]!])).toThrow(/shard 2\/3 appears twice/);
    expect(() => mergeRuns([runs[0]!, other, runs[2]!])).toThrow(/are not shards of one run: shard count 2 vs 3/);
    const otherPlan = structuredClone(runs[1]!);
    otherPlan.report.run.shard!.plan = 'another-plan';
    expect(() => mergeRuns([runs[0]!, otherPlan, runs[2]!])).toThrow(ConfigError);
    const otherVersion = structuredClone(runs[1]!);
    otherVersion.report.tool.version = '9.9.9';
    expect(() => mergeRuns([runs[0]!, otherVersion, runs[2]!])).toThrow(/roomgate version 9\.9\.9 vs/);
  });

  it('shards that began more than the bound (default 1 s) apart make the merged run invalid (exit 3)', async () => {
    const runs = await Promise.all(a.dirs.map(async (dir) => ({ dir, report: await readReport(dir) })));
    expect(mergeRuns(runs, { maxSkewMs: 60_000 }).run.status).toBe('failed');
    // Shard 3 as if it had started 2.5 s after the others: its metrics' start moves, the rest is real.
    const summary = loadSummary(runs[2]!.report);
    summary.histograms.startedAtMs += 2500;
    summary.histograms.endedAtMs += 2500;
    const merged = mergeRuns(runs);
    expect(merged.run).toMatchObject({ status: 'invalid', exitCode: 3 });
    expect(merged.steps[0]!.reason).toMatch(/began their measured phase \d+ ms apart \(bound 1000 ms\)/);
    // Its windows moved onto the others' clock (2.5 s = 3 windows of 1 s later), not matched by index.
    expect(merged.timeline['load-soak']!.length).toBeGreaterThanOrEqual(loadSummary(runs[0]!.report).windows.length + 2);
  });
});
