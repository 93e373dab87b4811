import type { ShardSpec } from './shard-spec.js';

/** What report.json's `run.shard` says about a shard, so `merge` can check that its inputs form one whole run. */
export interface ShardIdentity extends ShardSpec {
  /** planDigest() of the scenario files and workload flags: equal on every shard of one run. */
  plan: string;
  /** The agreed start of the measured phase (ISO), when --start-at was given. */
  startAt?: string;
}

/** What report.json's `run.merged` says about a run built by `roomgate merge`. */
export interface MergedIdentity {
  count: number;
  plan: string;
  /** The shards' run folders, in shard order. */
  sources: string[];
  /** Per measured step: the spread of the shards' measured-phase starts, ms. */
  skewMs: Record<string, number>;
  maxSkewMs: number;
}
