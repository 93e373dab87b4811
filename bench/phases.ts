/**
 * What running phases together costs the generator: the same soak, bursts
 * and browser participants, once in one `parallel:` group on one clock and
 * once one after another, through the real CLI against its embedded
 * reference server (loopback only). Printed per variant: the roomgate
 * process's CPU (Chromium's own processes not included), the soak's late
 * sends (more than 10 ms behind its schedule) and its worst lateness, the
 * bursts' throughput; then the together/apart ratios. Rounds alternate the
 * two variants so a busy neighbour hurts both alike; medians are printed.
 *
 *   npx tsx bench/phases.ts [--rate 30] [--soak 20s] [--rounds 1] [--participants 2]
 *
 * `--participants 0` leaves the browser step out. The process CPU is read
 * from /proc/<pid>/stat every 200 ms until it exits (the last 200 ms may be
 * missed): Linux only, and only as steady as the host (say its load average).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadSummary } from '../src/model/load-summary.js';
import type { RunReport } from '../src/report/report-json.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '30' },
    soak: { type: 'string', default: '20s' },
    rounds: { type: 'string', default: '1' },
    participants: { type: 'string', default: '2' },
  },
});
const RATE = Number(values.rate);
const ROUNDS = Math.max(1, Number(values.rounds));
const PARTICIPANTS = Number(values.participants);
const CLI = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const CLOCK_TICKS = 100; // USER_HZ on Linux: /proc/<pid>/stat counts CPU in 1/100 s.

function steps(timed: boolean): string[] {
  const at = (yaml: string) => (timed ? yaml : '');
  const soak = [
    '- type: load',
    '  name: soak',
    `  options: { mode: soak, rate: ${RATE}, duration: ${values.soak}, window: 5s, maxLateFraction: 1, mix: { create_room: 30, delete_room: 30, get_room: 40 } }`,
  ];
  const bursts = [
    '- type: load',
    '  name: bursts',
    at('  start: +5s\n  every: 5s\n  times: 3'),
    '  options: { mode: burst, connections: 4, duration: 2s, mix: { get_room: 100 } }',
  ];
  const participants = ['- type: browser', '  name: participants', at('  start: +2s'), `  options: { rooms: 1, participants: ${PARTICIPANTS}, hold: 10s }`];
  return [soak, bursts, ...(PARTICIPANTS > 0 ? [participants] : [])].map((lines) => lines.filter((l) => l !== '').join('\n'));
}

/** The scenario: the steps in one parallel group (together) or one after another (apart; bursts run 3 times in a row). */
function scenario(together: boolean): string {
  const indent = (text: string, by: string) =>
    text
      .split('\n')
      .map((l) => by + l)
      .join('\n');
  if (together)
    return `name: phases-together\nsteps:\n  - parallel:\n${steps(true)
      .map((s) => indent(s, '      '))
      .join('\n')}\n`;
  const [soak, bursts, participants] = steps(false);
  const burstRuns = [1, 2, 3].map((n) => bursts!.replace('name: bursts', `name: bursts-${n}`));
  return `name: phases-apart\nsteps:\n${[soak!, ...burstRuns, ...(participants === undefined ? [] : [participants])].map((s) => indent(s, '  ')).join('\n')}\n`;
}

function cpuSecondsOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

interface Figures {
  cpuSeconds: number;
  wallSeconds: number;
  lateFraction: number;
  maxLateMs: number;
  burstReqPerSec: number;
  statuses: string;
}

async function runOnce(together: boolean, dir: string, round: number): Promise<Figures> {
  const file = join(dir, `${together ? 'together' : 'apart'}-${round}.yaml`);
  const out = join(dir, `${together ? 'together' : 'apart'}-${round}`);
  await writeFile(file, scenario(together));
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'run', file, '--out', out, '--deadline', '5m'], { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  let cpu = 0;
  const sampler = setInterval(() => (cpu = cpuSecondsOf(child.pid!) ?? cpu), 200);
  await new Promise((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
  const load = (name: string) => report.steps.find((s) => s.name === name)?.summary as LoadSummary | undefined;
  const schedule = load('soak')?.schedule;
  const bursts = report.steps.filter((s) => s.name.startsWith('bursts')).map((s) => s.summary as LoadSummary | undefined);
  const responses = bursts.reduce((sum, b) => sum + (b?.totals.responses ?? 0), 0);
  return {
    cpuSeconds: cpu,
    wallSeconds: (Date.now() - started) / 1000,
    lateFraction: schedule?.lateFraction ?? Number.NaN,
    maxLateMs: schedule?.maxLateMs ?? Number.NaN,
    burstReqPerSec: responses / 6, // 3 bursts × 2 s
    statuses: report.steps.map((s) => `${s.name}:${s.status}`).join(' '),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round2 = (x: number) => Math.round(x * 100) / 100;

const dir = await mkdtemp(join(tmpdir(), 'roomgate-bench-phases-'));
const results: Record<'together' | 'apart', Figures[]> = { together: [], apart: [] };
console.log(
  `bench/phases: soak ${RATE}/s for ${values.soak}, 3 bursts of 2 s × 4 connections, ${PARTICIPANTS} participant(s); ${ROUNDS} round(s); load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const together of round % 2 === 0 ? [true, false] : [false, true]) {
      const figures = await runOnce(together, dir, round);
      results[together ? 'together' : 'apart'].push(figures);
      console.log(
        `  round ${round + 1} ${together ? 'together' : 'apart   '}: cpu ${figures.cpuSeconds.toFixed(1)} s, wall ${figures.wallSeconds.toFixed(1)} s, soak late ${(figures.lateFraction * 100).toFixed(1)} % (max ${Math.round(figures.maxLateMs)} ms), bursts ${Math.round(figures.burstReqPerSec)} req/s · ${figures.statuses}`,
      );
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const m = (variant: 'together' | 'apart', key: keyof Omit<Figures, 'statuses'>) => median(results[variant].map((f) => f[key]));
console.log('\nmedians            together     apart    ratio');
for (const [label, key] of [
  ['process CPU (s)', 'cpuSeconds'],
  ['wall time (s)', 'wallSeconds'],
  ['soak late sends', 'lateFraction'],
  ['soak max late (ms)', 'maxLateMs'],
  ['bursts req/s', 'burstReqPerSec'],
] as const) {
  const t = m('together', key);
  const a = m('apart', key);
  console.log(
    `${label.padEnd(18)} ${String(round2(t)).padStart(9)} ${String(round2(a)).padStart(9)} ${a === 0 ? '     n/a' : `${round2(t / a)}×`.padStart(8)}`,
  );
}
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
