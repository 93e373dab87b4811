import { integerShare, positiveShare, rateShare, type ShardSpec } from '../shard/shard-spec.js';
import { LOAD_DEFAULTS, type LoadPhase, type LoadStepOptions } from './options.js';

/**
 * A shard's own options: every total (connections, rates, requests, room
 * pool, in-flight cap; in every phase) replaced by this shard's share, with
 * integer remainders on the first shards so the shares add up to the total.
 * A whole run (no shard, or 1/1) is returned unchanged.
 */
export function shardLoadOptions(options: LoadStepOptions): LoadStepOptions {
  const shard = options.shard;
  if (shard === undefined || shard.count === 1) return options;
  const mode = options.mode === 'soak' ? 'soak' : 'burst';
  const connections = positiveShare(options.connections ?? LOAD_DEFAULTS.connections[mode], shard, 'load.connections', 'connections');
  return {
    ...options,
    connections,
    // A burst without a rate is uncapped; a soak always has one (the default is a total too).
    ...(mode === 'soak' || options.rate !== undefined ? { rate: rateShare(options.rate ?? LOAD_DEFAULTS.rate, shard) } : {}),
    ...(options.requests === undefined ? {} : { requests: positiveShare(options.requests, shard, 'load.requests', 'requests') }),
    roomPoolSize: Math.max(1, integerShare(options.roomPoolSize ?? LOAD_DEFAULTS.roomPoolSize, shard)),
    maxInFlight: Math.max(1, integerShare(options.maxInFlight ?? LOAD_DEFAULTS.maxInFlight, shard)),
    ...(options.phases === undefined ? {} : { phases: options.phases.map((phase, i) => shardPhase(phase, shard, `load.phases[${i}]`)) }),
  };
}

function shardPhase(phase: LoadPhase, shard: ShardSpec, path: string): LoadPhase {
  return {
    ...phase,
    ...(phase.rate === undefined ? {} : { rate: rateShare(phase.rate, shard) }),
    ...(phase.connections === undefined ? {} : { connections: positiveShare(phase.connections, shard, `${path}.connections`, 'connections') }),
    ...(phase.requests === undefined ? {} : { requests: positiveShare(phase.requests, shard, `${path}.requests`, 'requests') }),
  };
}
