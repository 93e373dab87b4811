import type { Argv } from 'yargs';
import { resolveShard, type ShardSpec } from '../shard/shard-spec.js';
import { parseStartAt } from '../shard/start-at.js';

/** Flags of `run`, `load` and `browser` for distributed runs (each also from ROOMGATE_<NAME> through yargs' env). */
export function withShardOptions<T>(y: Argv<T>) {
  return y
    .option('shard', {
      type: 'string',
      describe:
        'run shard i of n, e.g. 2/3: this process takes its share of rate, connections and rooms (ROOMGATE_SHARD; or JOB_COMPLETION_INDEX with ROOMGATE_SHARD_COUNT)',
    })
    .option('shard-count', { type: 'number', describe: 'the shard count n when the index comes from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX)' })
    .option('start-at', {
      type: 'string',
      describe: 'begin the measured phase at this ISO time, or e.g. +30s after --start-base, so all shards start together',
    })
    .option('start-base', { type: 'string', describe: 'the ISO time every shard is given, for a relative --start-at (e.g. the pipeline start)' });
}

export interface ShardArgs {
  shard?: string;
  shardCount?: number;
  startAt?: string;
  startBase?: string;
}

/** The shard (flags and environment first, then the suite's `shard:`) and the synchronized start this process was given (both optional). */
export function shardFromArgs(args: ShardArgs, configured?: string | number): { shard?: ShardSpec; startAtMs?: number } {
  const env = { ...process.env, ...(args.shardCount === undefined ? {} : { ROOMGATE_SHARD_COUNT: String(args.shardCount) }) };
  const shard = resolveShard(args.shard, env, configured);
  const startAtMs = args.startAt === undefined || args.startAt === '' ? undefined : parseStartAt(args.startAt, args.startBase);
  return { ...(shard === undefined ? {} : { shard }), ...(startAtMs === undefined ? {} : { startAtMs }) };
}
