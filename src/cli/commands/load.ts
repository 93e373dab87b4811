import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { execute } from '../fail.js';
import { parseFaultFlags } from '../fault-flags.js';
import {
  durationOption,
  parseDurationFlag,
  requireDurationFlag,
  withDurationOption,
  withFaultOption,
  withRequestTimeoutOption,
  withRunOutputOptions,
  withSloOption,
  withTargetOptions,
  type RunOutputArgs,
  type TargetArgs,
} from '../flags.js';
import { withMetricsOptions, type MetricsFlags } from '../live-export.js';
import { defaultLoadSlos } from '../load-default-slos.js';
import { asLoadFlagError } from '../load-flag-errors.js';
import { withShardOptions, type ShardArgs } from '../shard-options.js';

interface LoadArgs extends ShardArgs, MetricsFlags, TargetArgs, RunOutputArgs {
  mode: string;
  rate?: number;
  connections?: number;
  duration: string;
  requests?: number;
  ramp?: string;
  mix?: string;
  slo?: string[];
  window: string;
  requestTimeout: string;
  schemaSampleRate: number;
  spec?: string;
  maxLate: number;
  lateThreshold: string;
  cleanup: boolean;
  roomPool: number;
  createRetries: number;
  fault: string[];
}

/** `roomgate load`: a one-step plan (a burst or a soak) run and reported like `roomgate run`. */
export const loadCommand: CommandModule<object, LoadArgs> = {
  command: 'load',
  describe: 'Burst (closed loop) or soak (open loop, constant rate) load on the room operations of the target profile, gated by SLOs',
  builder: (y) =>
    withFaultOption(
      withSloOption(
        withRequestTimeoutOption(
          withDurationOption(
            withRunOutputOptions(withMetricsOptions(withShardOptions(withTargetOptions(y))), 'load'),
            'how long to run, e.g. 30s, 10m, 1h30m',
            '10s',
          ),
          'per-request deadline; a --target that does not answer its first request within it is an invalid run (exit 3)',
          '10s',
        ),
        '"create_room.p99 < 1s" (operations as the profile names them: getMeeting.p99 < 200ms), "error_rate < 0.1%", "p99 < 500ms over 1m"',
      ),
    )
      .option('mode', {
        choices: ['burst', 'soak'],
        default: 'burst',
        describe: 'burst: N connections as fast as the target answers; soak: a constant arrival rate',
      })
      .option('rate', { type: 'number', describe: 'soak: requests per second (default 100); burst: optional cap' })
      .option('connections', { type: 'number', describe: 'burst: concurrent connections (default 10); soak: pool size (default 32)' })
      .option('requests', { type: 'number', describe: 'burst: a fixed number of requests instead of --duration' })
      .option('ramp', durationOption('soak: reach --rate linearly over this long; burst: step connections up over this long first, e.g. 30s'))
      .option('mix', {
        type: 'string',
        describe:
          "operation weights by the profile's operation names or the roles create, get, list, close (delete = close), e.g. create=20,get=70,list=5,close=5 (the default) or createMeeting=20,getMeeting=70",
      })
      .option('window', durationOption('metrics window: progress lines, charts, `over` SLOs', '10s'))
      .option('schema-sample-rate', { type: 'number', default: 0.05, describe: 'fraction of responses validated against the OpenAPI schema (0 turns it off)' })
      .option('spec', { type: 'string', describe: "OpenAPI document that replaces the profile's own (operations and schema sampling)" })
      .option('max-late', { type: 'number', default: 0.01, describe: 'soak: fraction of late sends that makes the run invalid (exit 3)' })
      .option('late-threshold', durationOption('soak: a send this far behind its intended time is late', '10ms'))
      .option('room-pool', { type: 'number', default: 20, describe: 'rooms created in setup for gets and closes to use (0: none)' })
      .option('create-retries', {
        type: 'number',
        default: 2,
        describe: "soak: times a create whose response was lost is sent again with the same Idempotency-Key (when the profile's create has one)",
      })
      .option('cleanup', { type: 'boolean', default: true, describe: 'close every room the run created, at the end (--no-cleanup keeps them)' }) as never,
  handler: (args) =>
    execute(async () => {
      const faults = parseFaultFlags(args.fault, args.target);
      // Every duration flag is read (and a bare number refused) even when another flag makes it moot (--requests).
      const durationMs = requireDurationFlag('--duration', args.duration);
      const requestTimeoutMs = requireDurationFlag('--request-timeout', args.requestTimeout);
      const rampMs = parseDurationFlag('--ramp', args.ramp);
      const windowMs = requireDurationFlag('--window', args.window);
      const lateThresholdMs = requireDurationFlag('--late-threshold', args.lateThreshold);
      const mode = args.mode as 'burst' | 'soak';
      const mix = args.mix === undefined ? undefined : parseMix(args.mix);

      // Build (and so validate) the step before starting anything: a bad threshold is exit 2.
      const [{ createLoadStep }, { planOneStep }, { LoadOperations }, { mixWeights }] = await Promise.all([
        import('../../load/load-step.js'),
        import('../one-step-plan.js'),
        import('../../load/load-operations.js'),
        import('../../load/resolve-load.js'),
      ]);
      const stepOptions = {
        mode,
        ...(args.rate === undefined ? {} : { rate: args.rate }),
        ...(args.connections === undefined ? {} : { connections: args.connections }),
        ...(args.requests === undefined ? { durationMs } : { requests: args.requests }),
        ...(rampMs === undefined ? {} : { rampMs }),
        ...(mix === undefined ? {} : { mix }),
        ...(args.slo === undefined ? {} : { slos: args.slo }),
        windowMs,
        requestTimeoutMs,
        schemaSampleRate: args.schemaSampleRate,
        maxLateFraction: args.maxLate,
        lateThresholdMs,
        cleanup: args.cleanup,
        roomPoolSize: args.roomPool,
        createRetries: args.createRetries,
      };
      // The default thresholds name the profile's operations, so they are chosen once the plan has loaded it.
      let slos: string[] = args.slo ?? [];
      let defaultNotes: string[] = [];
      return planOneStep(args, {
        command: 'load',
        faults,
        requestTimeoutMs,
        spec: args.spec,
        // The shard identity's plan: what every shard of one run must agree on (its totals, not its share).
        workload: stepOptions,
        build: ({ shard, startAtMs, profile }) => {
          try {
            if (args.slo === undefined) {
              const operations = LoadOperations.of(profile);
              const called = new Set([...mixWeights(operations, mix)].filter(([, weight]) => weight > 0).map(([role]) => role));
              const defaults = defaultLoadSlos({
                specAvailable: args.schemaSampleRate > 0,
                operations,
                called,
                idempotentCreates: profile.rooms.create.idempotencyKey !== undefined && profile.rooms.list !== undefined && profile.fields.name !== undefined,
              });
              slos = defaults.slos;
              defaultNotes = defaults.notes;
            }
            return [
              createLoadStep({ ...stepOptions, slos, profile, ...(shard === undefined ? {} : { shard }), ...(startAtMs === undefined ? {} : { startAtMs }) }),
            ];
          } catch (error) {
            // Its option errors name the flag the user typed.
            throw asLoadFlagError(error);
          }
        },
        intro: ({ target, shard }) => [
          `roomgate load: ${mode} against ${target}${faults.length > 0 ? `, faults ${faults.join(',')}` : ''}${shard === undefined ? '' : `, shard ${shard.index}/${shard.count} (its share of the totals)`}`,
          `  SLOs: ${slos.join(' · ') || '(none)'}`,
        ],
        // Read after build (when the defaults are known).
        get notes() {
          return defaultNotes;
        },
      });
    }),
};

/** `create=20,getMeeting=70` → weights by name; the names are checked against the profile's operations when the step is built. */
function parseMix(text: string): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const part of text.split(',')) {
    const [rawName, rawWeight] = part.split('=').map((s) => s.trim());
    const name = rawName ?? '';
    const weight = Number(rawWeight);
    if (name === '' || rawWeight === undefined || !Number.isFinite(weight) || weight < 0) {
      throw new UsageError(`--mix "${text}": "${part}" is not name=weight`, { hint: 'e.g. --mix create=20,get=70,list=5,delete=5' });
    }
    mix[name] = weight;
  }
  return mix;
}
