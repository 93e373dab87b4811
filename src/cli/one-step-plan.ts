import type { MetricsFlags } from './live-export.js';
import type { Step } from '../model/step.js';
import type { TargetProfile } from '../profile/types.js';
import type { FaultName } from '../reference/faults.js';
import type { Gate } from '../runner/run-plan.js';
import { planDigest } from '../shard/plan-digest.js';
import type { ShardSpec } from '../shard/shard-spec.js';
import { checkRemoteTarget, loadTargetProfile, resolveTarget, type EmbeddedOptions } from '../runner/resolve-target.js';
import type { RunOutputArgs, TargetArgs } from './flags.js';
import { runAndReport } from './run-and-report.js';
import { shardFromArgs, type ShardArgs } from './shard-options.js';

/** How a one-step command (`contract`, `load`, `browser`) describes its plan. */
export interface OneStepPlan {
  command: 'contract' | 'load' | 'browser';
  /** report.json's run name; default the first step's. */
  name?: string;
  faults: readonly FaultName[];
  /** How long a --target may take to answer its first request. */
  requestTimeoutMs?: number;
  /** Options of the embedded reference server besides its faults (the contract gate's small quota, short tokens, second client). */
  embedded?: Omit<EmbeddedOptions, 'faults'>;
  /**
   * For a command that can run as a shard (load, browser): the workload as the
   * user gave it (totals, not this shard's share), the plan every shard of one
   * run must agree on. Without it the command is never a shard.
   */
  workload?: Record<string, unknown>;
  /** The steps, built (and so validated: exit 2) before anything starts; `profile` is the target's, already loaded. */
  build(ctx: { shard?: ShardSpec | undefined; startAtMs?: number | undefined; profile: TargetProfile }): Step[] | Promise<Step[]>;
  /** The command's header lines. */
  intro(ctx: { target: string; shard?: ShardSpec | undefined }): string[];
  notes?: readonly string[];
  /** Secrets besides the client secret (a second client's, an expired token, broker credentials). */
  secrets?: readonly (string | undefined)[];
  /** Files the plan reads (report.json's `run.files`). */
  files?: string[];
  /** An OpenAPI document that replaces the profile's own (`--spec`). */
  spec?: string | undefined;
}

type OneStepArgs = TargetArgs & RunOutputArgs & MetricsFlags & Partial<ShardArgs> & { junit?: string | undefined };

/**
 * A one-step command as a plan of one scenario: its target (`--target`, or an
 * embedded reference server started for the run with the command's faults),
 * its steps, and, for a shard, its identity. Run and reported by
 * runAndReport, exactly as `roomgate run` is.
 */
export async function planOneStep(args: OneStepArgs, plan: OneStepPlan): Promise<number> {
  const target = args.target === undefined || args.target === '' ? undefined : args.target;
  // A broken profile, a bad URL or missing credentials is exit 2 now, before a run folder exists.
  const profile = await loadTargetProfile({ profile: args.profile, spec: plan.spec });
  if (target !== undefined) checkRemoteTarget(target, args, '--target', args.profile === undefined ? undefined : profile);
  const { shard, startAtMs } = plan.workload === undefined ? {} : shardFromArgs(args);
  const steps = await plan.build({ shard, startAtMs, profile });
  const flags = { target, clientId: args.clientId, clientSecret: args.clientSecret, requestTimeoutMs: plan.requestTimeoutMs, loadedProfile: profile };
  const api = args.profile === undefined ? '' : ` (${profile.name})`;
  const targetText =
    target === undefined ? `the embedded reference server${api}` : `${target}${api}${args.clientId === undefined ? '' : ` as client ${args.clientId}`}`;
  return runAndReport(
    {
      name: plan.name ?? steps[0]?.name ?? plan.command,
      label: plan.command,
      files: plan.files ?? [],
      scenarios: [
        {
          name: plan.command,
          steps,
          openTarget: async (signal) => {
            const resolved = await resolveTarget(flags, { faults: plan.faults, ...plan.embedded }, { signal });
            return { target: resolved.target, faults: plan.faults, close: resolved.close };
          },
        },
      ],
      gate: 'run-all' satisfies Gate,
      ...(shard === undefined || plan.workload === undefined
        ? {}
        : {
            shard: {
              ...shard,
              plan: planDigest({ command: plan.command, ...plan.workload }),
              ...(startAtMs === undefined ? {} : { startAt: new Date(startAtMs).toISOString() }),
            },
          }),
      secrets: [args.clientSecret, ...(plan.secrets ?? [])],
      target:
        target === undefined
          ? { baseUrl: 'embedded reference server', clientId: 'roomgate-local', embedded: true }
          : { baseUrl: target, clientId: args.clientId ?? '', embedded: false },
      intro: plan.intro({ target: targetText, shard }),
      ...(plan.notes === undefined ? {} : { notes: plan.notes }),
      metrics: { flags: args, labels: shard === undefined ? {} : { shard: `${shard.index}/${shard.count}` } },
    },
    { out: args.out, json: args.json, junit: args.junit },
  );
}
