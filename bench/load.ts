/**
 * roomgate load vs its peers, in one run, against the same loopback target
 * (bench/load-target.ts in its own process):
 *
 * 1. burst req/s: roomgate burst vs raw `autocannon` CLI vs `wrk`, all on
 *    GET /v1/rooms/{id} with the same connection count (ratios printed);
 * 2. soak: achieved vs requested rate, late and dropped sends, at increasing
 *    rates (where does the open-loop generator top out?);
 * 3. RSS growth over a longer soak (memory must stay flat). It runs in the same
 *    process after the others; pass `--rates ''` (and `--rounds 0`) for a clean RSS run,
 *    and run under `node --expose-gc --import tsx` to also get heapUsed after a forced GC
 *    (live objects; raw RSS also counts garbage and pages the allocator keeps).
 *
 *   npx tsx bench/load.ts [--burst 5s] [--rounds 3] [--connections 50] [--rates 1000,5000,10000,15000]
 *                         [--soak 3s] [--rss 20s] [--rss-rate 2000]
 *
 * Loopback only. Figures depend on the machine and on what else runs on it.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs, promisify } from 'node:util';
import { createLoadStep, type LoadStepOptions, type LoadSummary } from '../src/load/index.js';
import { parseDuration } from '../src/config/duration.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    burst: { type: 'string', default: '5s' },
    connections: { type: 'string', default: '50' },
    rates: { type: 'string', default: '1000,2500,5000,10000,15000,20000' },
    soak: { type: 'string', default: '3s' },
    rss: { type: 'string', default: '20s' },
    'rss-rate': { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
  },
});
const burstMs = parseDuration(values.burst)!;
const soakMs = parseDuration(values.soak)!;
const rssMs = parseDuration(values.rss)!;
const connections = Number(values.connections);

const target = spawn(process.execPath, ['--import', 'tsx', 'bench/load-target.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
const [firstLine] = (await once(target.stdout, 'data')) as [Buffer];
const origin = firstLine.toString().trim();
const url = `${origin}/v1/rooms/rm_bench`;
console.log(`target ${origin} (pid ${target.pid}); node ${process.version}; ${(await import('node:os')).cpus().length} cores`);

async function roomgate(options: LoadStepOptions, onWindow?: () => void): Promise<LoadSummary> {
  const step = createLoadStep({ roomPoolSize: 5, schemaSampleRate: 0, cleanup: false, ...options });
  const result = await step.run({
    target: { baseUrl: origin, credentials: { clientId: 'bench', clientSecret: 'bench' }, embedded: false },
    signal: new AbortController().signal,
    emit: (event) => {
      if (event.type === 'window') onWindow?.();
    },
    runDir: '/tmp',
  });
  return result.summary as unknown as LoadSummary;
}

// 1. Burst. The three tools take turns, `--rounds` times, and medians are
// compared: on a shared machine a single run of each is mostly noise.
const seconds = Math.round(burstMs / 1000);
const rounds = Number(values.rounds);
const rgRuns: number[] = [];
const acRuns: number[] = [];
const wrkRuns: number[] = [];
let rgP99 = 0;
for (let round = 0; round < rounds; round++) {
  // (`--rounds 0` skips the burst comparison.)
  const rg = await roomgate({ mode: 'burst', connections, durationMs: burstMs, mix: { get_room: 100 } });
  rgRuns.push(rg.totals.responses / (rg.durationMs / 1000));
  rgP99 = rg.operations['get_room']?.latency.p99 ?? 0;
  const ac = await run(
    'node_modules/.bin/autocannon',
    ['-j', '-c', String(connections), '-d', String(seconds), '-H', 'authorization=Bearer bench-token', url],
    { maxBuffer: 64 << 20 },
  );
  const acJson = JSON.parse(ac.stdout) as { requests: { total: number }; duration: number };
  acRuns.push(acJson.requests.total / acJson.duration);
  try {
    const wrk = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-H', 'authorization: Bearer bench-token', url]);
    wrkRuns.push(Number(/Requests\/sec:\s+([\d.]+)/.exec(wrk.stdout)?.[1]));
  } catch (error) {
    console.log(`wrk failed: ${(error as Error).message}`);
  }
}
const rgRps = median(rgRuns);
const acRps = median(acRuns);
const wrkRps = median(wrkRuns);
if (rounds > 0) {
  console.log(`\nburst, ${connections} connections, ${seconds}s each, GET /v1/rooms/{id}, median of ${rounds} interleaved rounds`);
  console.log(`  roomgate burst   ${rgRps.toFixed(0).padStart(8)} req/s   (runs ${rgRuns.map((r) => r.toFixed(0)).join(', ')}; last p99 ${rgP99} ms)`);
  console.log(
    `  autocannon CLI   ${acRps.toFixed(0).padStart(8)} req/s   (runs ${acRuns.map((r) => r.toFixed(0)).join(', ')})   roomgate/autocannon = ${(rgRps / acRps).toFixed(2)}x`,
  );
  console.log(
    `  wrk              ${wrkRps.toFixed(0).padStart(8)} req/s   (runs ${wrkRuns.map((r) => r.toFixed(0)).join(', ')})   roomgate/wrk = ${(rgRps / wrkRps).toFixed(2)}x`,
  );
}

// 2. Soak at increasing rates
const rates = values.rates
  .split(',')
  .filter((r) => r !== '')
  .map(Number);
if (rates.length > 0) console.log(`\nsoak (open loop), default mix, ${soakMs / 1000}s per rate, late = > 10 ms behind schedule`);
if (rates.length > 0) console.log('  requested   achieved   late %   dropped   max behind   p99 corrected   p99 service');
for (const rate of rates) {
  const s = await roomgate({ mode: 'soak', rate, durationMs: soakMs, connections: 64, maxLateFraction: 1 });
  const sched = s.schedule!;
  const p99 = Math.max(...Object.values(s.operations).map((o) => o.latency.p99));
  const p99s = Math.max(...Object.values(s.operations).map((o) => o.serviceTime?.p99 ?? 0));
  console.log(
    `  ${String(rate).padStart(9)}  ${sched.achievedRate.toFixed(0).padStart(9)}  ${(sched.lateFraction * 100).toFixed(2).padStart(7)}  ${String(sched.dropped).padStart(8)}  ${sched.maxLateMs.toFixed(1).padStart(9)} ms  ${p99.toFixed(2).padStart(11)} ms  ${p99s.toFixed(2).padStart(9)} ms`,
  );
}

// 3. RSS over a longer soak (`--rss 0s` skips it). Raw RSS also grows with garbage
// not yet collected or heap pages V8/malloc keep after a burst (a starved
// generator catches up in bulk, up to maxInFlight at once), so with
// `node --expose-gc` each window also forces a full GC and records heapUsed
// (live JS objects: what a leak would grow) and RSS after it. Without
// --expose-gc only the raw figure is printed.
if (rssMs > 0) {
  const rssRate = Number(values['rss-rate']);
  const gc = (globalThis as { gc?: () => void }).gc;
  const samples: { rss: number; rssAfterGc?: number; heapAfterGc?: number }[] = [];
  const windowMs = Math.max(1000, Math.round(rssMs / 20));
  const soak = await roomgate({ mode: 'soak', rate: rssRate, durationMs: rssMs, connections: 64, windowMs, maxLateFraction: 1 }, () => {
    const rss = process.memoryUsage().rss;
    if (gc === undefined) return void samples.push({ rss });
    gc();
    const after = process.memoryUsage();
    samples.push({ rss, rssAfterGc: after.rss, heapAfterGc: after.heapUsed });
  });
  // Growth from the end of warm-up (first fifth of the windows) to the end.
  const warm = samples[Math.floor(samples.length / 5)] ?? samples[0]!;
  const last = samples.at(-1)!;
  const sched = soak.schedule!;
  console.log(
    `\nmemory over a ${rssMs / 1000}s soak at ${rssRate}/s (${soak.totals.responses} responses; late ${(sched.lateFraction * 100).toFixed(1)}%, dropped ${sched.dropped}), after warm-up -> end:`,
  );
  console.log(`  RSS (raw)               ${growth(warm.rss, last.rss)} (max ${mb(Math.max(...samples.map((s) => s.rss)))})`);
  if (gc === undefined) {
    console.log(
      '  (run `node --expose-gc --import tsx bench/load.ts ...` for heapUsed and RSS after a forced GC: raw RSS alone cannot tell a leak from uncollected garbage)',
    );
  } else {
    console.log(
      `  heapUsed after full GC  ${growth(warm.heapAfterGc!, last.heapAfterGc!)} (max ${mb(Math.max(...samples.map((s) => s.heapAfterGc!)))})   <- live objects: a leak grows this`,
    );
    console.log(`  RSS after full GC       ${growth(warm.rssAfterGc!, last.rssAfterGc!)}`);
    console.log(
      `  per window, MB (RSS raw / heapUsed after GC): ${samples.map((s) => `${(s.rss / 1048576).toFixed(0)}/${(s.heapAfterGc! / 1048576).toFixed(1)}`).join(' ')}`,
    );
  }
}

target.kill('SIGTERM');

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function growth(from: number, to: number): string {
  return `${mb(from)} -> ${mb(to)} = ${(((to - from) / from) * 100).toFixed(1)}% growth`;
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}
