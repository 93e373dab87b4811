import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { parseArrival } from '../../browser/arrival.js';
import { LOW_RESOLUTION_CLIP } from '../../browser/launch/fake-video.js';
import type { BrowserStepOptions } from '../../browser/options.js';
import { UsageError } from '../../errors.js';
import { execute } from '../fail.js';
import { parseFaultFlags } from '../fault-flags.js';
import {
  durationOption,
  parseDurationFlag,
  requireDurationFlag,
  withFaultOption,
  withRunOutputOptions,
  withSloOption,
  withTargetOptions,
  type RunOutputArgs,
  type TargetArgs,
} from '../flags.js';
import { parseCohortFlag } from '../cohort-flag.js';
import { withMetricsOptions, type MetricsFlags } from '../live-export.js';
import { withShardOptions, type ShardArgs } from '../shard-options.js';

interface BrowserArgs extends ShardArgs, MetricsFlags, TargetArgs, RunOutputArgs {
  rooms: number;
  participants: number;
  maxParticipants?: number;
  private: boolean;
  arrival: string;
  hold: string;
  joinUrl?: string[];
  adapter?: string;
  slo?: string[];
  fault: string[];
  webhooks: boolean;
  participantsPerBrowser: number;
  fakeVideo?: string;
  maxHostCpu?: number;
  maxEventLoopDelay?: string;
  maxCpuLimited?: number;
  joinTimeout: string;
  mediaTimeout: string;
  chromiumArg?: string[];
  browserNice?: number;
  cohort?: string[];
}

/** `roomgate browser`: headless participants join rooms and report join time, first frame and success rate, as a one-step plan. */
export const browserCommand: CommandModule<object, BrowserArgs> = {
  command: 'browser',
  describe: 'headless Chromium participants join rooms: join time, time to first frame, success rate',
  builder: (y) =>
    withFaultOption(
      withSloOption(
        withRunOutputOptions(withMetricsOptions(withShardOptions(withTargetOptions(y))), 'browser'),
        '"join_time.p95 < 5s" or "success_rate >= 99%"',
      ),
    )
      .option('rooms', { type: 'number', default: 1, describe: 'rooms to create through the API (M)' })
      .option('participants', { type: 'number', default: 2, describe: 'participants per room (K)' })
      .option('max-participants', {
        type: 'number',
        describe: "the created rooms' participant limit (the profile's create template sends it as {{maxParticipants}})",
      })
      .option('private', { type: 'boolean', default: false, describe: 'create private rooms; each participant joins with its own join token' })
      .option('arrival', { type: 'string', default: 'burst', describe: 'burst (join storm) or ramp:N/s' })
      .option('hold', durationOption('how long everyone stays after joining (stats are sampled)', '5s'))
      .option('join-timeout', durationOption('per participant: navigation start until joined', '20s'))
      .option('media-timeout', durationOption('per participant: joined until the first rendered remote frame', '20s'))
      .option('join-url', { type: 'string', array: true, describe: 'join these URLs directly (one room each) instead of creating rooms' })
      .option('adapter', {
        type: 'string',
        describe: 'adapter for a join page other than the reference one: a module (.ts/.js, see docs/adapters.md) or a JSON/YAML file',
      })
      .option('webhooks', { type: 'boolean', default: false, describe: 'subscribe a local sink and require one participant.joined/left per participant' })
      .option('participants-per-browser', { type: 'number', default: 8, describe: 'participants per Chromium process (more shard over more browsers)' })
      .option('chromium-arg', {
        type: 'string',
        array: true,
        describe: 'extra Chromium flag, e.g. --chromium-arg=--webrtc-ip-handling-policy=disable_non_proxied_udp (repeatable)',
      })
      .option('cohort', {
        type: 'string',
        array: true,
        describe:
          'a network cohort NAME[:SHARE][:key=value,...] (repeatable), e.g. --cohort clean:50% --cohort lossy:50%:down=300kbit,loss=10%,blackout=20s+6s; each participant runs behind its own shaped link (needs root, iproute2, nftables); SLOs per cohort: "lossy:packet_loss.p95 < 1%"',
      })
      .option('browser-nice', { type: 'number', describe: 'nice value for the Chromium processes (default 10; 0 keeps the harness priority)' })
      .option('fake-video', {
        type: 'string',
        describe: `.y4m file for the fake camera (default: a generated ${LOW_RESOLUTION_CLIP.width}x${LOW_RESOLUTION_CLIP.height} clip at ${LOW_RESOLUTION_CLIP.fps} fps)`,
      })
      .option('max-host-cpu', {
        type: 'number',
        describe: 'overload: host CPU busy fraction (0..1) sustained 5 s, e.g. 0.97; off by default (a saturating run always shows 100 %)',
      })
      .option('max-event-loop-delay', durationOption('overload: harness event-loop p99 over 1 s; 0s disables (default 500ms)'))
      .option('max-cpu-limited', { type: 'number', describe: 'overload: fraction of encoders limited by cpu; >1 disables (default 0.5)' }) as never,
  handler: (args) =>
    execute(async () => {
      const faults = parseFaultFlags(args.fault, args.target);
      const holdMs = requireDurationFlag('--hold', args.hold, 'allowed');
      const joinTimeoutMs = requireDurationFlag('--join-timeout', args.joinTimeout);
      const mediaTimeoutMs = requireDurationFlag('--media-timeout', args.mediaTimeout);
      const maxEventLoopDelayMs = parseDurationFlag('--max-event-loop-delay', args.maxEventLoopDelay, 'allowed');
      if (!(args.rooms >= 1) || !(args.participants >= 1)) throw new UsageError('--rooms and --participants must be at least 1');
      const cohorts = args.cohort?.map(parseCohortFlag);
      // Loaded on use, so `roomgate --help` does not load puppeteer and the reference server.
      const [{ resolveAdapter }, { buildBrowserStep }, { planOneStep }] = await Promise.all([
        import('../../browser/adapters/load-adapter.js'),
        import('../../browser/build-browser-step.js'),
        import('../one-step-plan.js'),
      ]);
      const adapter = args.adapter === undefined ? undefined : await resolveAdapter(args.adapter);
      if (adapter !== undefined && adapter.createRoom === undefined && (args.joinUrl === undefined || args.joinUrl.length === 0)) {
        throw new UsageError('--adapter needs --join-url (this adapter cannot create rooms)', {
          hint: 'an adapter describes a join page other than the reference one; give its URL with --join-url, or use an adapter with createRoom',
        });
      }
      const overload = {
        ...(args.maxHostCpu === undefined ? {} : { maxHostCpu: args.maxHostCpu }),
        ...(maxEventLoopDelayMs === undefined ? {} : { maxEventLoopDelayMs }),
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
        ...(cohorts === undefined ? {} : { cohorts }),
        overload,
      };
      return planOneStep(args, {
        command: 'browser',
        faults,
        workload: { ...options, adapter: options.adapter?.name },
        // Parses SLOs and checks the options (a shard's share, the cohorts' networks on this host) before anything starts.
        build: async ({ shard, startAtMs }) => [
          await buildBrowserStep({ ...options, ...(shard === undefined ? {} : { shard }), ...(startAtMs === undefined ? {} : { startAtMs }) }),
        ],
        intro: ({ target, shard }) => [
          `roomgate browser: ${args.rooms} room(s) × ${args.participants} participant(s) against ${target}${faults.length > 0 ? `, faults ${faults.join(',')}` : ''}${shard === undefined ? '' : `, shard ${shard.index}/${shard.count} (its share of the rooms)`}${cohorts === undefined ? '' : `, cohorts ${cohorts.map((c) => c.name).join(', ')}`}`,
        ],
      });
    }),
};
