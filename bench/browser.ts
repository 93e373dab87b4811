/**
 * How many concurrent browser participants does this machine sustain?
 * Runs the browser step against the embedded reference server with growing
 * participant counts (rooms of 2 by default, burst arrival, 160x120@10 fake video) until
 * join success drops below 100 % or the overload monitor fires, and reports
 * participants per core and memory (PSS of all Chromium processes) per participant.
 *
 *   npx tsx bench/browser.ts [--start 2] [--step 2] [--max 24] [--hold 5000]
 *     [--per-room 2] [--video 160x120@10] [--flags="--extra --chromium-flags"] [--keep-going]
 *     [--busy-cores 1] [--nice 10]
 *
 * --busy-cores N keeps N other processes spinning (each one core busy) for the
 * whole bench, the "loaded host" the capacity figure is judged on: the limit
 * must be Chromium's share of the CPU, not the harness's event loop.
 * A CPU profile of the harness: node --cpu-prof --cpu-prof-dir=prof --import tsx bench/browser.ts ...,
 * then npx tsx bench/cpu-profile-top.ts prof/*.cpuprofile.
 *
 * Each line also reports the Chromium CPU per participant during the hold
 * (cores, from /proc, so other work on the host does not count) and the room layout.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBrowserStep } from '../src/browser/browser-step.js';
import { ensureFakeClip } from '../src/browser/launch/fake-video.js';
import type { BrowserStepSummary } from '../src/model/browser-summary.js';
import { LOCAL_CREDENTIALS } from '../src/reference/defaults.js';
import { createReferenceServer } from '../src/reference/server.js';

const { values } = parseArgs({
  options: {
    start: { type: 'string', default: '2' },
    step: { type: 'string', default: '2' },
    max: { type: 'string', default: '24' },
    hold: { type: 'string', default: '5000' },
    'per-room': { type: 'string', default: '2' },
    video: { type: 'string' },
    flags: { type: 'string' },
    // Keep stepping after an invalid/failed run (to see the figures beyond the limit on a busy host).
    'keep-going': { type: 'boolean', default: false },
    'busy-cores': { type: 'string', default: '0' },
    // Chromium's nice value (and its autogroup's); the step's default is 10.
    nice: { type: 'string' },
  },
});
// Spinners are separate processes in sessions of their own (detached), so they compete with
// Chromium and the harness exactly like another job on the host would (a child in the harness's
// session would share its autogroup and CPU share, which no other job does); each is stopped by
// its own PID at exit.
const spinners = Array.from({ length: Number(values['busy-cores']) }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore', detached: true }),
);
for (const s of spinners) s.unref();
process.on('exit', () => {
  for (const s of spinners) s.kill('SIGKILL');
});
if (spinners.length > 0)
  console.log(`${spinners.length} spinning process(es) keep ${spinners.length} core(s) busy (pids ${spinners.map((s) => s.pid).join(', ')})`);
const cores = cpus().length;
const perRoom = Number(values['per-room']);
let fakeVideoFile: string | undefined;
if (values.video !== undefined) {
  const m = /^(\d+)x(\d+)@(\d+)$/.exec(values.video);
  if (!m) throw new Error('--video WxH@FPS, e.g. 160x120@10');
  const [width, height, fps] = [Number(m[1]), Number(m[2]), Number(m[3])];
  fakeVideoFile = await ensureFakeClip({ width, height, fps, frames: fps * 2 });
}
const chromiumArgs = values.flags === undefined ? [] : values.flags.split(/\s+/).filter(Boolean);
let best: { n: number; rssPerParticipant?: number } | undefined;
for (let n = Number(values.start); n <= Number(values.max); n += Number(values.step)) {
  const server = await createReferenceServer({ port: 0 });
  const step = createBrowserStep({
    rooms: Math.ceil(n / perRoom),
    participants: perRoom,
    ...(fakeVideoFile === undefined ? {} : { fakeVideoFile }),
    chromiumArgs,
    ...(values.nice === undefined ? {} : { browserNice: Number(values.nice) }),
    holdMs: Number(values.hold),
    joinTimeoutMs: 30_000,
    mediaTimeoutMs: 30_000,
  });
  const result = await step.run({
    target: { baseUrl: server.url, credentials: { ...LOCAL_CREDENTIALS }, embedded: true },
    signal: new AbortController().signal,
    emit: () => {},
    runDir: mkdtempSync(join(tmpdir(), 'roomgate-bench-')),
  });
  await server.close();
  const s = result.summary as unknown as BrowserStepSummary;
  const mib = (b: number | undefined) => (b === undefined ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MiB`);
  const cpu =
    s.holdCpu === undefined
      ? ''
      : ` Chromium ${s.holdCpu.browserCores.toFixed(2)} cores (${(s.holdCpu.browserCoresPerParticipant * 100).toFixed(0)} % of a core/participant), harness ${(s.holdCpu.harnessCores * 100).toFixed(0)} %;`;
  console.log(
    `${String(n).padStart(3)} participants [${s.layout}]: ${result.status.padEnd(7)} success ${s.successRate.successes}/${s.successRate.total}${
      Object.keys(s.failures).length === 0
        ? ''
        : ` (${Object.entries(s.failures)
            .map(([label, n]) => `${n} ${label}`)
            .join(', ')})`
    }` +
      ` join p50 ${s.latency.join_time.p50.toFixed(0)} ms p95 ${s.latency.join_time.p95.toFixed(0)} ms` +
      ` first frame p95 ${s.latency.time_to_first_frame.p95.toFixed(0)} ms; browsers ${mib(s.browserRssBytes)} (${mib(s.rssPerParticipantBytes)}/participant);${cpu}` +
      ` peak host CPU ${(s.overload.peakHostCpu * 100).toFixed(0)} %, event-loop p99 ${s.overload.peakEventLoopDelayMs.toFixed(0)} ms` +
      (s.overload.overloaded ? ` — overload: ${s.overload.signals[0]?.detail}` : ''),
  );
  if (result.status !== 'passed') {
    if (values['keep-going']) continue;
    break;
  }
  best = { n, ...(s.rssPerParticipantBytes === undefined ? {} : { rssPerParticipant: s.rssPerParticipantBytes }) };
}
console.log(
  best === undefined
    ? `no participant count passed on this host (${cores} cores)`
    : `sustained: ${best.n} participants with 100 % join success and no overload = ${(best.n / cores).toFixed(1)} per core on ${cores} cores; ${best.rssPerParticipant === undefined ? '' : `${(best.rssPerParticipant / 2 ** 20).toFixed(0)} MiB per participant`}`,
);
