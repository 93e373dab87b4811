import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserStepSummary } from '../../src/model/browser-summary.js';
import type { RunEvent } from '../../src/model/events.js';
import { detectNetworkCapabilities } from '../../src/network/index.js';
import { parseLabNamespace } from '../../src/network/lab-names.js';
import type { RunReport } from '../../src/report/report-json.js';
import { acquireHostNetworkLock } from '../helpers/host-network-lock.js';
import { hostNetworkSnapshot, type HostNetworkSnapshot } from '../helpers/network-snapshot.js';
import { runCli } from '../helpers/run-cli.js';

// Cohorts on the reference join page, through the real CLI: participants in network namespaces the run
// builds and removes. Needs root (or CAP_NET_ADMIN), iproute2 and nftables; skipped with the reason elsewhere.
// The host is shared, so overload detection is off and Chromium keeps normal priority (these tests judge
// figures and labels, not capacity).

const capabilities = await detectNetworkCapabilities();
const skipReason = !capabilities.namespaces.available
  ? capabilities.namespaces.reason
  : !capabilities.loopbackRedirect.available
    ? capabilities.loopbackRedirect.reason
    : !capabilities.nftables.available
      ? capabilities.nftables.reason
      : undefined;
const QUIET = { browserNice: 0, overload: { maxHostCpu: 2, maxEventLoopDelay: '0s', maxCpuLimitedFraction: 2 } };
const QUIET_FLAGS = ['--max-host-cpu', '2', '--max-event-loop-delay', '0s', '--max-cpu-limited', '2', '--browser-nice', '0'];

/** The host as a lab must leave it, minus labs of processes this file did not start (none, while it holds the lock). */
async function snapshot(): Promise<HostNetworkSnapshot> {
  return hostNetworkSnapshot();
}

describe.skipIf(skipReason !== undefined)(`browser cohorts${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
  let before: HostNetworkSnapshot;
  let release: (() => Promise<void>) | undefined;
  let root: string;

  beforeAll(async () => {
    release = await acquireHostNetworkLock();
    root = await mkdtemp(join(tmpdir(), 'roomgate-cohorts-'));
  }, 900_000);
  afterAll(async () => {
    await release?.();
  });
  beforeEach(async () => {
    before = await snapshot();
  });
  afterEach(async () => {
    // Every namespace, veth and nftables rule of the run is gone; the root ruleset was never touched.
    expect(await snapshot()).toEqual(before);
  });

  it('refuses before the run, with exit 2, a cohort profile this host cannot give and an SLO for a cohort the step does not have', async () => {
    const delayed = await runCli(['browser', '--cohort', 'far:delay=100ms', '--hold', '1s'], { timeoutMs: 60_000 });
    if (capabilities.netem.available) {
      expect(delayed.code, delayed.stderr).not.toBe(2);
    } else {
      expect(delayed.code, delayed.stderr).toBe(2);
      expect(delayed.stderr).toMatch(/cohorts\[0\]\.network\.delay: delay needs tc netem \(kernel module sch_netem\), which this host lacks/);
      expect(delayed.stderr).toMatch(/sch_netem/);
    }
    const unknown = await runCli(['browser', '--cohort', 'clean:50%', '--cohort', 'lossy:50%:loss=10%', '--slo', 'lossi:packet_loss.p95 < 1%'], { timeoutMs: 60_000 });
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr).toMatch(/unknown cohort "lossi" \(did you mean "lossy"\?\)/);
    // Nothing ran: no report folder was written for either.
    expect(unknown.stdout).not.toMatch(/participants in/);
  });

  it('a clean and a lossy cohort (10 % loss, 300 kbit/s, a 6 s blackout): the lossy one loses packets and freezes, every lossy participant recovers with a recovery time, and the cohort SLOs judge each cohort alone', async () => {
    const scenario = join(root, 'cohorts.yaml');
    await writeFile(
      scenario,
      JSON.stringify({
        name: 'cohorts',
        steps: [
          {
            type: 'browser',
            name: 'cohorts',
            options: {
              rooms: 2,
              participants: 2,
              hold: '20s',
              window: '2s',
              ...QUIET,
              cohorts: [
                { name: 'clean', share: '50%' },
                { name: 'lossy', share: '50%', network: { down: '300kbit', loss: '10%', changes: [{ at: '5s', for: '6s', network: 'blackout' }] } },
              ],
            },
            slos: ['lossy:packet_loss.p95 < 1%', 'clean:packet_loss.p95 < 1%', 'lossy:video_recovery_time.p95 < 20s', 'lossy:video_recovery_time.min > 30s', 'success_rate >= 75%'],
          },
        ],
      }),
    );
    const out = join(root, 'run');
    const run = await runCli(['run', scenario, '--out', out], { timeoutMs: 240_000 });
    expect(run.code, run.stdout + run.stderr).toBe(1);

    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
    const step = report.steps[0]!;
    expect(step.slos.map((s) => [s.expression, s.status])).toEqual([
      ['lossy:packet_loss.p95 < 1%', 'failed'],
      ['clean:packet_loss.p95 < 1%', 'passed'],
      ['lossy:video_recovery_time.p95 < 20s', 'passed'],
      ['lossy:video_recovery_time.min > 30s', 'failed'],
      ['success_rate >= 75%', 'passed'],
    ]);
    const summary = step.summary as BrowserStepSummary;
    const [clean, lossy] = summary.cohorts!;
    expect([clean!.name, clean!.network, clean!.participants]).toEqual(['clean', 'unshaped', 2]);
    expect([lossy!.name, lossy!.network, lossy!.participants]).toEqual(['lossy', '300kbit down, 10% loss', 2]);
    // Loss and freezes: measurably worse for the lossy cohort.
    expect(lossy!.quality.packet_loss.p50).toBeGreaterThan(0.05);
    expect(clean!.quality.packet_loss.p95).toBeLessThan(0.01);
    expect(lossy!.quality.freezes).toBeGreaterThan(clean!.quality.freezes);
    expect(lossy!.quality.freeze_ratio.p50).toBeGreaterThan(clean!.quality.freeze_ratio.max);
    expect(lossy!.quality.mos.p50).toBeLessThan(clean!.quality.mos.p50);
    // The blackout: every lossy participant froze and got its video back, with one recovery time each; the clean ones had no interruption.
    for (const p of summary.participants) {
      expect(p.status, `${p.name}: ${p.detail}`).toBe('joined');
      if (p.cohort === 'lossy') {
        expect(p.quality!.freezeCount, p.name).toBeGreaterThanOrEqual(1);
        expect(p.quality!.videoRecoveryTimesMs, p.name).toHaveLength(1);
        expect(p.quality!.videoNotRecovered).toBe(0);
      } else {
        expect(p.cohort).toBe('clean');
        expect(p.quality!.videoRecoveryTimesMs).toEqual([]);
      }
    }
    expect(lossy!.quality.video_recovery_time.count).toBe(2);
    expect(lossy!.changes).toHaveLength(1);
    const change = lossy!.changes[0]!;
    expect(change).toMatchObject({ label: 'blackout', atMs: 5000, forMs: 6000 });
    expect(change.revertedAt!).toBeGreaterThan(change.appliedAt!);

    // The timeline's data: the blackout as a band (started, then ended), and each cohort's quality per window.
    const events = (await readFile(join(out, 'events.ndjson'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as RunEvent);
    const bands = events.flatMap((e) => (e.type === 'band' ? [e.band] : []));
    expect(bands).toEqual([
      { id: 'network:lossy:0', kind: 'network', label: 'lossy: blackout', startMs: change.appliedAt },
      { id: 'network:lossy:0', kind: 'network', label: 'lossy: blackout', startMs: change.appliedAt, endMs: change.revertedAt },
    ]);
    const windows = events.flatMap((e) => (e.type === 'window' ? [e.window] : []));
    expect(report.timeline['cohorts']).toEqual(windows);
    const frozen = (cohort: string) => Math.max(...windows.map((w) => w.quality?.[cohort]?.['freeze_ratio'] ?? 0));
    expect(frozen('lossy')).toBeGreaterThan(0.5);
    expect(frozen('clean')).toBeLessThan(frozen('lossy'));
    expect(windows.some((w) => w.quality?.['clean']?.['fps'] !== undefined && w.quality['lossy']?.['packet_loss'] !== undefined)).toBe(true);

    // The cohorts side by side in every report.
    const markdown = await readFile(join(out, 'summary.md'), 'utf8');
    expect(markdown).toContain('### Cohorts: cohorts');
    expect(markdown).toMatch(/\| network \| unshaped \| 300kbit down, 10% loss; blackout at 5s for 6s \|/);
    expect(markdown).toMatch(/\| success \(95 % CI\) \| 2\/2 100\.0 % \(34\.2 %–100\.0 %\) \| 2\/2/);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('"withCohorts":true');
    expect(run.stdout).toMatch(/cohorts:\n\s+clean\s+lossy\n\s+network\s+unshaped\s+300kbit down, 10% loss; blackout at 5s for 6s/);
  });

  it('SIGINT during the hold: the run stops with exit 130 and removes its namespaces and rules', async () => {
    let pid: number | undefined;
    const run = await runCli(['browser', '--rooms', '1', '--participants', '2', '--hold', '60s', '--cohort', 'flaky:loss=5%,blackout=2s+30s', '--out', join(root, 'interrupted'), ...QUIET_FLAGS], {
      timeoutMs: 180_000,
      onSpawn: (child) => {
        pid = child.pid;
        let seen = '';
        child.stdout?.on('data', (chunk: Buffer | string) => {
          seen += String(chunk);
          // Interrupted in the middle of the blackout: the link is black, the lab full.
          if (/flaky: blackout on/.test(seen) && !child.killed) child.kill('SIGINT');
        });
      },
    });
    expect(run.code, run.stdout + run.stderr).toBe(130);
    expect(pid).toBeDefined();
    // None of the run's namespaces is left (the afterEach compares the whole host).
    const left = (await snapshot()).namespaces.split('\n').filter((line) => parseLabNamespace(line.split(' ')[0] ?? '')?.ownerPid === pid);
    expect(left).toEqual([]);
  });
});
