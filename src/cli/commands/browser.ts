import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { parseArrival } from '../../browser/arrival.js';
import { LOW_RESOLUTION_CLIP } from '../../browser/launch/fake-video.js';
import type { BrowserStepOptions } from '../../browser/options.js';
import type { BrowserStepSummary } from '../../browser/summary.js';
import { UsageError } from '../../errors.js';
import { exitCodeFor } from '../../model/result.js';
import { parseDurationMs } from '../../slo/units.js';
import { percentilesText } from '../../report/no-samples.js';
import { execute } from '../fail.js';
import { interruptSignal } from '../interrupt.js';
import { withTargetOptions } from '../target-options.js';
import { startLiveExport, withMetricsOptions, type MetricsFlags } from '../live-export.js';
import { parseFaultFlags } from '../fault-flags.js';
import { shardFromArgs, withShardOptions, type ShardArgs } from '../shard-options.js';
import { planDigest } from '../../shard/plan-digest.js';
import { writeSingleStepReport } from '../single-step-report.js';

interface BrowserArgs extends ShardArgs, MetricsFlags {
  target?: string;
  clientId?: string;
  clientSecret?: string;
  rooms: number;
  participants: number;
  maxParticipants?: number;
  private: boolean;
  arrival: string;
  hold: string;
  joinUrl?: string[];
  adapter?: string;
  slo?: string[];
  out?: string;
  json: boolean;
  fault?: string[];
  webhooks: boolean;
  participantsPerBrowser: number;
  fakeVideo?: string;
  maxHostCpu?: number;
  maxEventLoopDelay?: number;
  maxCpuLimited?: number;
  joinTimeout: string;
  mediaTimeout: string;
  chromiumArg?: string[];
  browserNice?: number;
}

/** `roomgate browser`: headless participants join rooms and report join time, first frame and success rate. */
export const browserCommand: CommandModule<object, BrowserArgs> = {
  command: 'browser',
  describe: 'headless Chromium participants join rooms: join time, time to first frame, success rate',
  builder: (y) =>
    withMetricsOptions(withShardOptions(withTargetOptions(y)))
      .option('rooms', { type: 'number', default: 1, describe: 'rooms to create through the API (M)' })
      .option('participants', { type: 'number', default: 2, describe: 'participants per room (K)' })
      .option('max-participants', { type: 'number', describe: 'max_participants of the created rooms' })
      .option('private', { type: 'boolean', default: false, describe: 'create private rooms; each participant joins with its own join token' })
      .option('arrival', { type: 'string', default: 'burst', describe: 'burst (join storm) or ramp:N/s' })
      .option('hold', { type: 'string', default: '5s', describe: 'how long everyone stays after joining (stats are sampled)' })
      .option('join-timeout', { type: 'string', default: '20s', describe: 'per participant: navigation start until joined' })
      .option('media-timeout', { type: 'string', default: '20s', describe: 'per participant: joined until the first rendered remote frame' })
      .option('join-url', { type: 'string', array: true, describe: 'join these URLs directly (one room each) instead of creating rooms' })
      .option('adapter', { type: 'string', describe: 'adapter for a join page other than the reference one: a module (.ts/.js, see docs/adapters.md) or a JSON/YAML file' })
      .option('slo', { type: 'string', array: true, describe: 'threshold, e.g. "join_time.p95 < 5s" or "success_rate >= 99%" (repeatable)' })
      .option('out', { type: 'string', describe: 'run folder for result.json and artifacts (default reports/browser-<time>)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the step result as JSON on stdout' })
      .option('fault', { type: 'string', array: true, describe: 'fault switch of the embedded reference server (without --target)' })
      .option('webhooks', { type: 'boolean', default: false, describe: 'subscribe a local sink and require one participant.joined/left per participant' })
      .option('participants-per-browser', { type: 'number', default: 8, describe: 'participants per Chromium process (more shard over more browsers)' })
      .option('chromium-arg', { type: 'string', array: true, describe: 'extra Chromium flag, e.g. --chromium-arg=--webrtc-ip-handling-policy=disable_non_proxied_udp (repeatable)' })
      .option('browser-nice', { type: 'number', describe: 'nice value for the Chromium processes (default 10; 0 keeps the harness priority)' })
      .option('fake-video', { type: 'string', describe: `.y4m file for the fake camera (default: a generated ${LOW_RESOLUTION_CLIP.width}x${LOW_RESOLUTION_CLIP.height} clip at ${LOW_RESOLUTION_CLIP.fps} fps)` })
      .option('max-host-cpu', { type: 'number', describe: 'overload: host CPU busy fraction (0..1) sustained 5 s, e.g. 0.97; off by default (a saturating run always shows 100 %)' })
      .option('max-event-loop-delay', { type: 'number', describe: 'overload: harness event-loop p99 over 1 s, ms; 0 disables (default 500)' })
      .option('max-cpu-limited', { type: 'number', describe: 'overload: fraction of encoders limited by cpu; >1 disables (default 0.5)' }) as never,
  handler: (args) =>
    execute(async () => {
      // Loaded on use, so `roomgate --help` does not load puppeteer and the reference server.
      const [{ resolveAdapter }, { createBrowserStep }, { resolveTarget }] = await Promise.all([
        import('../../browser/adapters/load-adapter.js'),
        import('../../browser/browser-step.js'),
        import('../../runner/resolve-target.js'),
      ]);
      const faults = parseFaultFlags(args.fault, args.target);
      const holdMs = duration(args.hold, '--hold');
      const joinTimeoutMs = duration(args.joinTimeout, '--join-timeout');
      const mediaTimeoutMs = duration(args.mediaTimeout, '--media-timeout');
      if (!(args.rooms >= 1) || !(args.participants >= 1)) throw new UsageError('--rooms and --participants must be at least 1');
      const adapter = args.adapter === undefined ? undefined : await resolveAdapter(args.adapter);
      if (adapter !== undefined && adapter.createRoom === undefined && (args.joinUrl === undefined || args.joinUrl.length === 0)) {
        throw new UsageError('--adapter needs --join-url (this adapter cannot create rooms)', {
          hint: 'an adapter describes a join page other than the reference one; give its URL with --join-url, or use an adapter with createRoom',
        });
      }
      const overload = {
        ...(args.maxHostCpu === undefined ? {} : { maxHostCpu: args.maxHostCpu }),
        ...(args.maxEventLoopDelay === undefined ? {} : { maxEventLoopDelayMs: args.maxEventLoopDelay }),
        ...(args.maxCpuLimited === undefined ? {} : { maxCpuLimitedFraction: args.maxCpuLimited }),
      };
      const options: BrowserStepOptions = {
        rooms: args.rooms,
        participants: args.participants,
        ...(args.maxParticipants === undefined ? {} : { maxParticipants: args.maxParticipants }),
        privateRooms: args.private,
        arrival: parseArrival(args.arrival),
        holdMs,
        joinTimeoutMs,
        mediaTimeoutMs,
        ...(args.joinUrl === undefined ? {} : { joinUrls: args.joinUrl }),
        ...(adapter === undefined ? {} : { adapter }),
        ...(args.slo === undefined ? {} : { slos: args.slo }),
        webhooks: args.webhooks,
        participantsPerBrowser: args.participantsPerBrowser,
        ...(args.fakeVideo === undefined ? {} : { fakeVideoFile: resolve(args.fakeVideo) }),
        ...(args.chromiumArg === undefined ? {} : { chromiumArgs: args.chromiumArg }),
        ...(args.browserNice === undefined ? {} : { browserNice: args.browserNice }),
        overload,
      };
      // Parses SLOs and checks the options (and a shard's share) before anything starts.
      const { shard, startAtMs } = shardFromArgs(args);
      const step = createBrowserStep({ ...options, ...(shard === undefined ? {} : { shard }), ...(startAtMs === undefined ? {} : { startAtMs }) });
      const startedAt = new Date().toISOString();
      const runDir = resolve(args.out ?? join('reports', `browser-${new Date().toISOString().replace(/[:.]/g, '-')}`));
      await mkdir(runDir, { recursive: true });
      const exporters = await startLiveExport(args, undefined, { runId: `browser-${Date.now().toString(36)}`, ...(shard === undefined ? {} : { shard: `${shard.index}/${shard.count}` }) });
      const resolved = await resolveTarget(
        { target: args.target, clientId: args.clientId, clientSecret: args.clientSecret },
        { faults },
      );
      const interrupt = interruptSignal();
      try {
        exporters?.sink({ type: 'step-start', at: Date.now(), step: step.name, kind: 'browser' });
        const result = await step.run({
          target: resolved.target,
          signal: interrupt.signal,
          runDir,
          ...(exporters === undefined ? {} : { publishMetrics: exporters.publish }),
          emit: (event) => {
            exporters?.sink(event);
            if (args.json) return;
            if (event.type === 'log') process.stdout.write(`${event.message}\n`);
          },
        });
        exporters?.sink({ type: 'step-end', at: Date.now(), step: step.name, result });
        await writeFile(join(runDir, 'result.json'), JSON.stringify(result, null, 2));
        // report.json too, so the folder is an ordinary run (`roomgate report`, `compare`, and `merge` for shards).
        await writeSingleStepReport({
          runDir,
          command: 'browser',
          result,
          startedAt,
          target: resolved.target,
          faults,
          shard: shard === undefined ? undefined : { spec: shard, plan: planDigest({ command: 'browser', ...options, adapter: options.adapter?.name }), startAtMs },
        });
        if (args.json) {
          process.stdout.write(`${JSON.stringify(result)}\n`);
        } else {
          const summary = result.summary as unknown as BrowserStepSummary | undefined;
          for (const p of summary?.participants ?? []) {
            const figures = [
              p.joinTimeMs === undefined ? undefined : `join ${ms(p.joinTimeMs)}`,
              p.setupTimeMs === undefined ? undefined : `setup ${ms(p.setupTimeMs)}`,
              p.timeToFirstFrameMs === undefined ? undefined : `first frame ${ms(p.timeToFirstFrameMs)}`,
              p.quality?.fps == null ? undefined : `${p.quality.fps} fps`,
            ].filter(Boolean);
            const verdict = p.status === 'joined' ? 'ok    ' : `FAILED ${p.label}: ${p.detail}`;
            process.stdout.write(`  ${p.name.padEnd(12)} ${p.room.padEnd(16)} ${verdict} ${figures.join(', ')}\n`);
          }
          for (const check of result.checks) {
            process.stdout.write(`  check ${check.name}: ${check.status}${check.status === 'failed' ? ` — ${check.message}` : ''}\n`);
          }
          for (const verdict of result.slos) {
            process.stdout.write(`  slo ${verdict.expression}: ${verdict.status}${'observed' in verdict ? ` (observed ${verdict.observed})` : ''}\n`);
          }
          if (summary !== undefined) {
            const r = summary.successRate;
            process.stdout.write(
              `success ${r.successes}/${r.total} (${pct(r.rate)}, 95 % CI ${pct(r.low)}–${pct(r.high)}); join_time ${percentilesText(summary.latency.join_time, ms)}; first frame ${percentilesText(summary.latency.time_to_first_frame, ms)}\n`,
            );
          }
          process.stdout.write(`browser: ${result.status}${result.reason === undefined ? '' : ` — ${result.reason}`}\nresult: ${join(runDir, 'result.json')}\n`);
        }
        await exporters?.finish();
        return exitCodeFor(result.status);
      } finally {
        interrupt.dispose();
        await resolved.close();
      }
    }),
};

function duration(text: string, flag: string): number {
  const value = parseDurationMs(text);
  if (value === undefined || value < 0) throw new UsageError(`${flag} "${text}" is not a duration`, { hint: `e.g. ${flag} 5s` });
  return value;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

function pct(value: number): string {
  return Number.isNaN(value) ? 'n/a' : `${(value * 100).toFixed(1)} %`;
}
