import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { JanusVideoRoomApi } from '../../src/browser/adapters/janus/videoroom-api.js';
import type { BrowserStepSummary } from '../../src/model/browser-summary.js';
import type { RunReport } from '../../src/report/report-json.js';
import { janusAvailable, startJanus, type RunningJanus } from '../helpers/janus.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

// The repo's scenario, run by the real CLI against a real Janus and its stock
// demo page. Overload detection and the wall-clock SLOs are switched off: on a
// shared 2-core CI host they judge the host; this test judges the adapter,
// the probe and the report (the SLO gate has its own tests).
describe.skipIf(!janusAvailable())('Janus VideoRoom: the stock demo page on a real SFU', () => {
  let janus: RunningJanus;
  beforeAll(async () => {
    janus = await startJanus();
  });
  afterAll(async () => {
    await janus?.stop();
  });

  // One retry: on a busy 2-core CI host a participant of the stock demo page now and then never
  // settles (1 of 3 runs of the clean-clone CI); the failure is reported, not hidden, when it repeats.
  it(
    '1 room × 3 participants: all join, each sees a remote frame, percentiles in report.json, room destroyed after',
    { retry: 1, timeout: 400_000 },
    async () => {
      const scenario = parse(readFileSync(join(REPO_ROOT, 'scenarios/janus-videoroom.yaml'), 'utf8')) as {
        steps: { options: Record<string, unknown>; slos?: string[] }[];
      };
      const step = scenario.steps[0]!;
      const adapter = step.options['adapter'] as { module: string };
      adapter.module = join(REPO_ROOT, 'src/browser/adapters/janus-videoroom.ts');
      step.options['hold'] = '2s';
      step.options['overload'] = { maxHostCpu: 2, maxEventLoopDelay: '0ms', maxCpuLimitedFraction: 2 };
      // Normal priority: at nice 10 Chromium yields to the other test fork's busy processes (see janus-faults).
      step.options['browserNice'] = 0;
      delete step.slos;
      const dir = mkdtempSync(join(tmpdir(), 'roomgate-janus-'));
      writeFileSync(join(dir, 'janus-videoroom.yaml'), stringify(scenario));

      const run = await runCli(['run', join(dir, 'janus-videoroom.yaml'), '--out', join(dir, 'out')], {
        env: { JANUS_URL: janus.httpUrl, JANUS_WS_URL: janus.wsUrl, JANUS_DEMOS_URL: janus.demosUrl },
        timeoutMs: 190_000,
      });
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as RunReport;
      const result = report.steps.find((s) => s.kind === 'browser')!;
      expect(result.status).toBe('passed');
      const summary = result.summary as unknown as BrowserStepSummary;
      expect(summary.adapter).toBe('janus videoroom demo');
      expect(summary.participants).toHaveLength(3);
      for (const p of summary.participants) {
        expect(p.status, `${p.name}: ${p.label} ${p.detail}`).toBe('joined');
        expect(p.joinTimeMs).toBeGreaterThan(0);
        expect(p.timeToFirstFrameMs).toBeGreaterThan(p.joinTimeMs!);
        // ICE/DTLS up and frames decoded, as the generic probe saw them on Janus's page.
        expect(p.milestonesMs['pcConnected']).toBeGreaterThan(0);
        expect(p.milestonesMs['firstDecodedFrame']).toBeGreaterThan(0);
        expect(p.quality?.framesDecoded ?? 0).toBeGreaterThan(0);
      }
      expect(summary.latency.join_time.count).toBe(3);
      expect(summary.latency.join_time.p95).toBeGreaterThan(0);
      expect(summary.latency.time_to_first_frame.count).toBe(3);
      expect(summary.latency.time_to_first_frame.p95).toBeGreaterThanOrEqual(summary.latency.time_to_first_frame.p50);
      expect(report.histograms[result.name]).toBeDefined();
      // The room was created through Janus's VideoRoom API and destroyed again after the run.
      expect(summary.rooms[0]?.room).toMatch(/^room1:\d+$/);
      expect(await new JanusVideoRoomApi(janus.httpUrl).listRooms()).toEqual([]);
    },
  );
});
