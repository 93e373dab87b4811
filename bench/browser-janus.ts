/**
 * Browser participants on an SFU (Janus VideoRoom, stock demo page) vs on the
 * mesh reference page, side by side in one run, with the same room size,
 * participant counts, fake camera and hold, while another process keeps one
 * core busy (the "loaded host" of issue 14). Prints, per count and target:
 * verdict, join p95, first-frame p95, Chromium cores per participant during
 * the hold (from /proc, so the busy process does not count) and the
 * participants per core that implies, the harness's own CPU and its
 * event-loop p99, and the load average.
 *
 *   npx tsx bench/browser-janus.ts [--counts 4,8] [--per-room 4] [--hold 5000] [--no-busy]
 *
 * Needs janus and janus-demos (Debian); Janus is started on loopback by the
 * test helper and stopped by its PID.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { janusVideoRoomAdapter } from '../src/browser/adapters/janus-videoroom.js';
import { createBrowserStep } from '../src/browser/browser-step.js';
import type { BrowserStepOptions } from '../src/browser/options.js';
import type { BrowserStepSummary } from '../src/model/browser-summary.js';
import type { StepResult } from '../src/model/result.js';
import { LOCAL_CREDENTIALS } from '../src/reference/defaults.js';
import { createReferenceServer } from '../src/reference/server.js';
import { janusAvailable, startJanus } from '../test/helpers/janus.js';

const { values } = parseArgs({
  options: {
    counts: { type: 'string', default: '4,8' },
    'per-room': { type: 'string', default: '4' },
    hold: { type: 'string', default: '5000' },
    'no-busy': { type: 'boolean', default: false },
  },
});
if (!janusAvailable()) throw new Error('janus and janus-demos are not installed (apt-get install janus janus-demos)');
const counts = values.counts.split(',').map(Number);
const perRoom = Number(values['per-room']);
const holdMs = Number(values.hold);
const cores = cpus().length;

/** One core kept busy by another process for the whole bench (bounded by `timeout`, stopped by PID). */
// Detached: a session (and autogroup) of its own, like any other job on the host; in the harness's session it
// would share the harness's CPU share instead (see docs/architecture.md, "Chromium runs at nice 10").
const busy = values['no-busy'] ? undefined : spawn('timeout', ['1800', process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore', detached: true });

async function run(options: BrowserStepOptions, baseUrl: string): Promise<StepResult> {
  const step = createBrowserStep({ ...options, holdMs, joinTimeoutMs: 45_000, mediaTimeoutMs: 45_000 });
  return step.run({
    target: { baseUrl, credentials: { ...LOCAL_CREDENTIALS }, embedded: true },
    signal: new AbortController().signal,
    emit: () => {},
    runDir: mkdtempSync(join(tmpdir(), 'roomgate-bench-janus-')),
  });
}

const rows: string[] = [];
const p95 = (l: { count: number; p95: number }) => (l.count === 0 ? 'n/a' : `${l.p95.toFixed(0)} ms`);
const failures = (s: BrowserStepSummary) =>
  Object.entries(s.failures)
    .map(([label, n]) => `${n} ${label}`)
    .join(', ');
const print = (target: string, n: number, result: StepResult, load: number) => {
  const s = result.summary as unknown as BrowserStepSummary;
  const perParticipant = s.holdCpu?.browserCoresPerParticipant;
  rows.push(
    `| ${target} | ${n} (${s.layout.replace(/ \(.*\)$/, '')}) | ${result.status}, ${s.successRate.successes}/${s.successRate.total}${failures(s) === '' ? '' : ` (${failures(s)})`} | ` +
      `${p95(s.latency.join_time)} | ${p95(s.latency.time_to_first_frame)} | ` +
      `${perParticipant === undefined ? 'n/a' : perParticipant.toFixed(2)} | ${perParticipant ? (1 / perParticipant).toFixed(1) : 'n/a'} | ` +
      `${s.holdCpu === undefined ? 'n/a' : `${(s.holdCpu.harnessCores * 100).toFixed(0)} %`} | ${s.overload.peakEventLoopDelayMs.toFixed(0)} ms | ${load.toFixed(1)} |`,
  );
  console.log(rows.at(-1));
};

console.log(`${cores} cores; ${busy === undefined ? 'no busy process' : 'one core kept busy by another process'}; rooms of ${perRoom}, hold ${holdMs} ms`);
console.log(
  '| target | participants | result | join p95 | first frame p95 | Chromium cores/participant | participants/core | harness CPU | harness event-loop p99 | load avg (1 min) |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
try {
  for (const n of counts) {
    const rooms = Math.ceil(n / perRoom);
    // Janus first, then the mesh, for every count: the same minute of host load for both.
    const janus = await startJanus();
    try {
      const adapter = janusVideoRoomAdapter({ janus: janus.httpUrl, server: janus.wsUrl, demos: janus.demosUrl });
      print('Janus SFU', n, await run({ adapter, rooms, participants: perRoom }, 'http://127.0.0.1:9'), loadavg()[0]!);
    } finally {
      await janus.stop();
    }
    const server = await createReferenceServer({ port: 0 });
    try {
      print('mesh reference', n, await run({ rooms, participants: perRoom }, server.url), loadavg()[0]!);
    } finally {
      await server.close();
    }
  }
} finally {
  if (busy?.pid !== undefined) process.kill(busy.pid, 'SIGTERM');
}
