import { ConfigError, UsageError } from '../errors.js';

/**
 * Which part of a distributed run this process is: shard `index` (1-based) of
 * `count`. Plain data, carried in step options and in report.json, so a shard
 * is an ordinary run that knows its place (DESIGN.md: "a shard is a run").
 */
export interface ShardSpec {
  index: number;
  count: number;
}

/** The whole run, when no shard is given. */
export const WHOLE_RUN: ShardSpec = { index: 1, count: 1 };

const SHARD_PATTERN = /^\s*(\d+)\s*\/\s*(\d+)\s*$/;

/** `"2/3"` → shard 2 of 3; `from` names where the text came from, for the error. */
export function parseShardSpec(text: string, from: string): ShardSpec {
  const match = SHARD_PATTERN.exec(text);
  if (match === null) throw new UsageError(`${from} "${text}" is not a shard`, { hint: 'write i/n with 1 <= i <= n, e.g. --shard 2/3' });
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index < 1 || index > count) {
    throw new UsageError(`${from} "${text}": the shard index must be between 1 and the shard count`, { hint: 'shards are numbered 1..n, e.g. 1/3, 2/3, 3/3' });
  }
  return { index, count };
}

/**
 * The shard of this process: `--shard i/n`, else `ROOMGATE_SHARD=i/n`, else
 * the suite's or scenario's `shard: i/n`, else a Kubernetes Indexed Job's
 * `JOB_COMPLETION_INDEX` (0-based) with the count from `ROOMGATE_SHARD_COUNT`
 * or the file's `shard: n`, so a Job needs no wrapper script. `undefined` when
 * none is set (an ordinary, whole run).
 */
export function resolveShard(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, configured?: string | number): ShardSpec | undefined {
  if (flag !== undefined && flag !== '') return parseShardSpec(flag, '--shard');
  const fromEnv = env['ROOMGATE_SHARD'];
  if (fromEnv !== undefined && fromEnv !== '') return parseShardSpec(fromEnv, 'ROOMGATE_SHARD');
  if (typeof configured === 'string') return parseShardSpec(configured, 'shard:');
  const completionIndex = env['JOB_COMPLETION_INDEX'];
  const count =
    env['ROOMGATE_SHARD_COUNT'] !== undefined && env['ROOMGATE_SHARD_COUNT'] !== ''
      ? env['ROOMGATE_SHARD_COUNT']
      : configured === undefined
        ? undefined
        : String(configured);
  if (count === undefined) return undefined;
  if (completionIndex === undefined || completionIndex === '') {
    throw new UsageError(
      `the shard count is ${count} (${configured === undefined ? 'ROOMGATE_SHARD_COUNT' : 'shard: in the suite or scenario'}) but neither --shard, ROOMGATE_SHARD nor JOB_COMPLETION_INDEX says which shard this is`,
      {
        hint: `run as a Kubernetes Indexed Job (it sets JOB_COMPLETION_INDEX), or pass --shard i/${count} (--shard 1/1 for a whole run)`,
      },
    );
  }
  if (!/^\d+$/.test(completionIndex))
    throw new UsageError(`JOB_COMPLETION_INDEX "${completionIndex}" is not a number`, { hint: 'Kubernetes sets it to 0..completions-1 in an Indexed Job' });
  return parseShardSpec(`${Number(completionIndex) + 1}/${count}`, `JOB_COMPLETION_INDEX ${completionIndex} with shard count ${count}`);
}

/** `"2/3"`. */
export function formatShard(shard: ShardSpec): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * This shard's share of an integer total: `floor(total / n)`, plus one for
 * the first `total % n` shards, so the shares always add up to the total
 * (remainders spread, never lost).
 */
export function integerShare(total: number, shard: ShardSpec): number {
  const base = Math.floor(total / shard.count);
  return base + (shard.index <= total % shard.count ? 1 : 0);
}

/**
 * An integer share that must be at least 1 on every shard (connections, rooms):
 * a total smaller than the shard count is a config error, not a shard that
 * silently does nothing.
 */
export function positiveShare(total: number, shard: ShardSpec, path: string, what: string): number {
  if (total < shard.count) {
    throw new ConfigError(`${what} (${total}) is fewer than the ${shard.count} shards: every shard needs at least one`, {
      path,
      hint: `raise ${what} to at least ${shard.count} (it is the total over all shards), or run fewer shards`,
    });
  }
  return integerShare(total, shard);
}

/** A rate (per second) is divisible exactly: each shard sends rate / n. */
export function rateShare(rate: number, shard: ShardSpec): number {
  return rate / shard.count;
}

/**
 * The tag in every room name and Idempotency-Key a shard sends: shards of one
 * run never collide, even when they share the random part.
 */
export function shardTag(shard: ShardSpec | undefined): string {
  return shard === undefined || shard.count === 1 ? '' : `s${shard.index}of${shard.count}`;
}
