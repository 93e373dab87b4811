import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StepResult } from '../../src/model/result.js';
import type { RunReport } from '../../src/report/report-json.js';
import { JanusVideoRoomApi } from '../../src/browser/adapters/janus/videoroom-api.js';
import { janusVideoRoomAdapter } from '../../src/browser/adapters/janus-videoroom.js';
import { BrowserPool } from '../../src/browser/launch/browser-pool.js';
import { ensureFakeClip } from '../../src/browser/launch/fake-video.js';
import { Participant } from '../../src/browser/participant/participant.js';
import { janusAvailable, startJanus, type RunningJanus } from '../helpers/janus.js';
import { REPO_ROOT, runCli, type CliOptions, type CliRun } from '../helpers/run-cli.js';

// Three ways a real SFU fails, each with its own label (not a generic
// timeout): the media server dies mid-call, the room is full, the media path
// is blocked. Each runs the real CLI with the Janus adapter module.
const ADAPTER = join(REPO_ROOT, 'src/browser/adapters/janus-videoroom.ts');
// Chromium keeps normal priority here (--browser-nice 0): at the default nice 10 (its autogroup too) it yields
// to every other process on the host, and `npm test` runs two forks, whose load generators and servers would
// starve it. These tests judge labels and figures, not capacity, so overload detection is off too.
const QUIET = ['--max-host-cpu', '2', '--max-event-loop-delay', '0s', '--max-cpu-limited', '2', '--browser-nice', '0'];

describe.skipIf(!janusAvailable())('Janus VideoRoom failures get their own labels', () => {
  let janus: RunningJanus | undefined;
  afterEach(async () => {
    await janus?.stop();
    janus = undefined;
  });

  const env = () => ({ JANUS_URL: janus!.httpUrl, JANUS_WS_URL: janus!.wsUrl, JANUS_DEMOS_URL: janus!.demosUrl });
  // The browser step's result, from the run folder's report.json (where every command writes it).
  const resultIn = (out: string, run: CliRun) => {
    let result: StepResult | undefined;
    try {
      result = (JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport).steps[0];
    } catch (error) {
      throw new Error(`no report.json (${(error as Error).message}); exit ${run.code} ${run.signal}\n${run.stdout}\n${run.stderr}`);
    }
    if (result?.kind !== 'browser' || result.summary === undefined)
      throw new Error(`no browser step summary in report.json; exit ${run.code}\n${run.stdout}\n${run.stderr}`);
    return { result, summary: result.summary };
  };

  async function runBrowser(args: string[], cli: CliOptions = {}) {
    janus ??= await startJanus();
    const out = mkdtempSync(join(tmpdir(), 'roomgate-janus-fault-'));
    const run = await runCli(['browser', '--adapter', ADAPTER, '--out', out, ...QUIET, ...args], { env: env(), timeoutMs: 150_000, ...cli });
    return { run, ...resultIn(out, run) };
  }

  it('a full room (VideoRoom publishers limit) refuses a newcomer: room_full', async () => {
    janus = await startJanus();
    const api = new JanusVideoRoomApi(janus.httpUrl);
    const room = await api.createRoom({ description: 'full room', publishers: 1 });
    const url = `${janus.demosUrl}videoroomtest.html?room=${room}`;
    // Someone already publishes in the one-publisher room (a participant driven in-process by the
    // same adapter), then a newcomer arrives through the CLI. Janus counts only publishers whose
    // media is up, so the squatter must be publishing first (in a join storm more get in).
    const pool = await BrowserPool.launch({ shards: 1, fakeVideoFile: await ensureFakeClip() });
    const squatter = new Participant(
      { name: 'squatter', joinUrl: url, room: 'full', index: 0, roomIndex: 0 },
      0,
      janusVideoRoomAdapter({ janus: janus.httpUrl, server: janus.wsUrl, demos: janus.demosUrl }),
    );
    try {
      await squatter.prepare(await pool.newContext(0));
      await squatter.join({ navigationTimeoutMs: 30_000, joinTimeoutMs: 60_000 });
      expect(squatter.record.snapshot?.outcome?.kind, squatter.record.console.slice(-20).join('\n')).toBe('joined');
      const deadline = Date.now() + 30_000;
      while (!(await api.participants(room)).some((p) => p.publisher) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));

      const { run, summary } = await runBrowser(['--join-url', url, '--participants', '1', '--hold', '0s']);
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(summary.participants[0]?.label, summary.participants[0]?.detail).toBe('room_full');
      expect(summary.participants[0]?.detail).toMatch(/refusal \(room_full\)/);
    } finally {
      await squatter.close();
      await pool.close();
    }
  }, 160_000);

  it('Janus killed during the hold: every participant is signaling_closed (the server went away), not frozen video or a timeout', async () => {
    let killed = false;
    const { run, summary } = await runBrowser(['--participants', '2', '--hold', '8s'], {
      onSpawn: (child) => {
        // The step logs "hold:" once everyone joined and saw video; stop the SFU right then.
        child.stdout?.on('data', (chunk: Buffer) => {
          if (!killed && chunk.toString().includes('hold:')) {
            killed = true;
            void janus?.kill();
          }
        });
      },
    });
    expect(killed).toBe(true);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    for (const p of summary.participants) {
      expect(p.timeToFirstFrameMs, `${p.name} saw video before the kill`).toBeGreaterThan(0);
      expect(p.label, `${p.name}: ${p.detail}`).toBe('signaling_closed');
      expect(p.detail).toMatch(/after joining \(code 1006\b.*server went away/);
    }
  }, 160_000);

  it('a blocked media path (the browsers may not send UDP, Janus offers only UDP): ice_failed, although signaling and the join worked', async () => {
    const { run, summary } = await runBrowser([
      '--participants',
      '2',
      '--hold',
      '0s',
      '--media-timeout',
      '8s',
      // What a network that blocks UDP does to WebRTC: no UDP candidates, and no proxy or TURN to fall back on.
      '--chromium-arg=--webrtc-ip-handling-policy=disable_non_proxied_udp',
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    for (const p of summary.participants) {
      expect(p.milestonesMs['joined'], `${p.name} joined`).toBeGreaterThan(0);
      expect(p.label, `${p.name}: ${p.detail}`).toBe('ice_failed');
      expect(p.timeToFirstFrameMs).toBeUndefined();
    }
  }, 160_000);
});
