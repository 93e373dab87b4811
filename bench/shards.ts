/**
 * One generator process vs two shard processes at the same total rate, in one
 * run, against the same loopback target (bench/load-target.ts in its own
 * process): late-send fraction and generator CPU per 1 000 req/s side by side.
 * Each configuration runs the real CLI (`roomgate load --mode soak`, with
 * `--shard i/2 --start-at` for the pair), and the pair is merged with the
 * same `mergeRuns` as `roomgate merge`. Rounds alternate 1 and 2 shards so a
 * busy neighbour hurts both alike; medians are printed.
 *
 *   npx tsx bench/shards.ts [--rates 1000,3000] [--duration 5s] [--rounds 3] [--lead 20s]
 *
 * Loopback only. The CPU figure is each generator's own CPU over its timed run
 * (process.cpuUsage, summed over shards), so other load on the host does not
 * inflate it; lateness does depend on the host (say its load average with any figure).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadSummary } from '../src/model/load-summary.js';
import type { RunReport } from '../src/report/report-json.js';
import { mergeRuns } from '../src/merge/merge-runs.js';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '1000,3000' },
    duration: { type: 'string', default: '5s' },
    rounds: { type: 'string', default: '3' },
    // Longer than a CLI start plus setup on this host, so no process starts its timed run late.
    lead: { type: 'string', default: '20s' },
  },
});
const rates = values.rates
  .split(',')
  .filter((r) => r !== '')
  .map(Number);
const rounds = Number(values.rounds);

const target = spawn(process.execPath, ['--import', 'tsx', 'bench/load-target.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
const [firstLine] = (await once(target.stdout, 'data')) as [Buffer];
const origin = firstLine.toString().trim();
console.log(
  `target ${origin} (pid ${target.pid}); node ${process.version}; ${(await import('node:os')).cpus().length} cores; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

function cli(args: string[]): Promise<number> {
  const child = spawn(process.execPath, ['bin/roomgate.js', ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CI: 'true' } });
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? -1)));
}

interface Figures {
  achieved: number;
  lateFraction: number;
  cpuSeconds: number;
  cpuPer1k: number;
}

async function soak(rate: number, shards: 1 | 2): Promise<Figures> {
  const root = await mkdtemp(join(tmpdir(), 'roomgate-bench-shards-'));
  const dirs = shards === 1 ? [join(root, 'whole')] : [join(root, 'shard-1'), join(root, 'shard-2')];
  const base = new Date().toISOString();
  const common = [
    'load',
    '--mode',
    'soak',
    '--rate',
    String(rate),
    '--duration',
    values.duration,
    '--connections',
    '64',
    '--target',
    origin,
    '--client-id',
    'bench',
    '--client-secret',
    'bench',
    '--schema-sample-rate',
    '0',
    '--no-cleanup',
    '--room-pool',
    '4',
    '--max-late',
    '1',
    '--slo',
    'requests > 0',
  ];
  // Both configurations wait for a start time, so both pay the same process start-up outside the timed run.
  await Promise.all(
    dirs.map((dir, i) =>
      cli([...common, ...(shards === 2 ? ['--shard', `${i + 1}/2`] : []), '--start-at', `+${values.lead}`, '--start-base', base, '--out', dir]),
    ),
  );
  const reports = await Promise.all(dirs.map(async (dir) => ({ dir, report: JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as RunReport })));
  const summary = (shards === 1 ? reports[0]!.report : mergeRuns(reports, { maxSkewMs: 60_000 })).steps[0]!.summary as unknown as LoadSummary;
  const schedule = summary.schedule!;
  const cpuSeconds = summary.generatorCpu!.seconds;
  const achieved = summary.totals.responses / (summary.durationMs / 1000);
  return { achieved, lateFraction: schedule.lateFraction, cpuSeconds, cpuPer1k: cpuSeconds / (summary.durationMs / 1000) / (achieved / 1000) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(
  `\nsoak ${values.duration} per run, default mix, median of ${rounds} alternating rounds; late = > 10 ms behind schedule; CPU = generator processes' own CPU over the timed run`,
);
console.log('  total rate   shards   achieved/s   late %    CPU cores per 1k req/s');
for (const rate of rates) {
  const runs: Record<1 | 2, Figures[]> = { 1: [], 2: [] };
  for (let round = 0; round < rounds; round++) {
    for (const shards of round % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const)) runs[shards].push(await soak(rate, shards));
  }
  const row = (shards: 1 | 2) => {
    const r = runs[shards];
    return `  ${String(rate).padStart(10)}   ${String(shards).padStart(6)}   ${median(r.map((f) => f.achieved))
      .toFixed(0)
      .padStart(10)}   ${(median(r.map((f) => f.lateFraction)) * 100).toFixed(2).padStart(6)}   ${median(r.map((f) => f.cpuPer1k))
      .toFixed(3)
      .padStart(8)}   (late % per round: ${r.map((f) => (f.lateFraction * 100).toFixed(1)).join(', ')})`;
  };
  console.log(row(1));
  console.log(row(2));
}
console.log(
  `load average at the end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
target.kill();
