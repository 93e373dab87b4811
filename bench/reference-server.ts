/**
 * Throughput of the reference server, measured with wrk.
 *
 *   npx tsx bench/reference-server.ts                  # 3 rounds, 5 s per case
 *   BENCH_SECONDS=10 BENCH_ROUNDS=5 npx tsx bench/reference-server.ts
 *
 * The server (the real `roomgate serve`) is pinned to core 0 and wrk to core
 * 1 with taskset, so the figure is "one core of this machine", the unit of
 * the target (GET room >= 15k req/s). Loopback only; bounded duration.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CONNECTIONS = 32;
const GET_TARGET = 15_000;

interface WrkResult {
  requestsPerSecond: number;
  /** Server CPU time (user + system) per request: unlike req/s, barely affected by other load on the machine. */
  cpuMicrosPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: string;
}

function startPinned(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', '0', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)));
  });
}

function toMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (match === null) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of a process in seconds, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function runWrk(url: string, script: string, serverPid: number): WrkResult {
  // Warm-up (discarded): lets V8 optimise the hot path so the figures are about steady state, not JIT.
  spawnSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${CONNECTIONS}`, '-d2s', '-s', script, url], { timeout: 30_000 });
  const cpuBefore = cpuSeconds(serverPid);
  const run = spawnSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-s', script, url], {
    encoding: 'utf8',
    timeout: (SECONDS + 30) * 1000,
  });
  if (run.status !== 0) throw new Error(`wrk failed: ${run.stderr}`);
  const cpu = cpuSeconds(serverPid) - cpuBefore;
  const out = run.stdout;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    cpuMicrosPerRequest: (cpu * 1e6) / requests,
    p50Ms: toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    p99Ms: toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    requests,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: /Socket errors: (.*)/.exec(out)?.[1] ?? 'none',
  };
}

interface BenchCase {
  name: string;
  url: string;
  script: string;
  pid: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function range(values: number[], digits: number): string {
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
}

async function main(): Promise<void> {
  const cpus = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim();
  // All servers start at once and sit idle on core 0 while another one is measured.
  const servers: { child: ChildProcess }[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'roomgate-bench-'));
  try {
    const roomgate = await startPinned([join(ROOT, 'bin/roomgate.js'), 'serve', '--port', '0']);
    servers.push(roomgate);
    const bareFastify = await startPinned(['--import', 'tsx', join(ROOT, 'bench/reference-server-baseline.ts'), 'fastify']);
    servers.push(bareFastify);
    const bareNode = await startPinned(['--import', 'tsx', join(ROOT, 'bench/reference-server-baseline.ts'), 'node-http']);
    servers.push(bareNode);
    const url = roomgate.url;
    const tokenResponse = await fetch(`${url}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'roomgate-local', client_secret: 'roomgate-local-secret' }),
    });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const created = await fetch(`${url}/v1/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: 'bench' }),
    });
    const { room_id: roomId } = (await created.json()) as { room_id: string };

    const getScript = join(dir, 'get-room.lua');
    writeFileSync(getScript, `wrk.method = "GET"\nwrk.path = "/v1/rooms/${roomId}"\nwrk.headers["Authorization"] = "Bearer ${token}"\n`);
    const postScript = join(dir, 'create-room.lua');
    writeFileSync(
      postScript,
      `wrk.method = "POST"\nwrk.path = "/v1/rooms"\nwrk.body = '{"name":"bench room","max_participants":5}'\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${token}"\n`,
    );
    const cases: BenchCase[] = [
      { name: 'GET /v1/rooms/{id}', url, script: getScript, pid: roomgate.child.pid ?? 0 },
      { name: 'POST /v1/rooms', url, script: postScript, pid: roomgate.child.pid ?? 0 },
      { name: 'bare fastify GET', url: bareFastify.url, script: getScript, pid: bareFastify.child.pid ?? 0 },
      { name: 'bare node:http GET', url: bareNode.url, script: getScript, pid: bareNode.child.pid ?? 0 },
    ];

    console.log(
      `reference server bench: wrk -t1 -c${CONNECTIONS} -d${SECONDS}s x ${ROUNDS} interleaved rounds, servers on core 0, wrk on core 1 (${cpus} CPUs; other load on the machine skews figures)`,
    );
    const results = new Map<string, WrkResult[]>(cases.map((c) => [c.name, []]));
    // Interleaved rounds: a noisy neighbour that slows one round slows every case of it alike,
    // so the per-round ratios hold up where a single sequential pass did not.
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const c of cases) {
        process.stderr.write(`round ${round}/${ROUNDS}: ${c.name}\n`);
        results.get(c.name)?.push(runWrk(c.url, c.script, c.pid));
      }
    }
    console.log('case                  median req/s  (range)          p50 ms   p99 ms  non-2xx  CPU µs/req  req/s per free core  socket errors');
    for (const c of cases) {
      const runs = results.get(c.name) ?? [];
      const cpu = median(runs.map((r) => r.cpuMicrosPerRequest));
      console.log(
        `${c.name.padEnd(22)} ${median(runs.map((r) => r.requestsPerSecond))
          .toFixed(0)
          .padStart(7)}  (${range(
          runs.map((r) => r.requestsPerSecond),
          0,
        ).padEnd(13)}) ${median(runs.map((r) => r.p50Ms))
          .toFixed(2)
          .padStart(9)} ${median(runs.map((r) => r.p99Ms))
          .toFixed(2)
          .padStart(
            8,
          )} ${String(runs.reduce((sum, r) => sum + r.non2xx, 0)).padStart(8)} ${cpu.toFixed(1).padStart(11)} ${(1e6 / cpu).toFixed(0).padStart(20)}  ${[...new Set(runs.map((r) => r.socketErrors))].join(' / ')}`,
      );
    }
    console.log('(medians over the rounds; req/s per free core = 1e6 / CPU µs per request: the capacity of an uncontended core, an estimate)');
    const get = results.get('GET /v1/rooms/{id}') ?? [];
    const getRps = median(get.map((r) => r.requestsPerSecond));
    const ratio = getRps / GET_TARGET;
    console.log(`GET room vs target ${GET_TARGET} req/s: ${ratio.toFixed(2)}x ${ratio >= 1 ? '(meets target)' : '(BELOW target)'}`);
    for (const peer of ['bare fastify GET', 'bare node:http GET']) {
      const peerRuns = results.get(peer) ?? [];
      const ratios = get.map((r, i) => r.requestsPerSecond / (peerRuns[i]?.requestsPerSecond ?? Number.NaN));
      console.log(`GET room vs ${peer} (static JSON, no auth), per round: median ${median(ratios).toFixed(2)}x (${range(ratios, 2)})`);
    }
  } finally {
    for (const server of servers) server.child.kill('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
