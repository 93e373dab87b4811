import { positiveShare, rateShare, shardTag } from '../shard/shard-spec.js';
import { BROWSER_DEFAULTS, type BrowserStepOptions } from './options.js';

/**
 * A shard's own browser options: whole rooms are split between shards (a
 * room's participants stay in one process, so "who should see whom" is known
 * locally), given join URLs are dealt out in contiguous slices, a ramp's rate
 * is divided, and participant names carry the shard. The first shards take
 * the remainder. A whole run is returned unchanged.
 */
export function shardBrowserOptions(options: BrowserStepOptions): BrowserStepOptions {
  const shard = options.shard;
  if (shard === undefined || shard.count === 1) return options;
  const prefix = `${options.namePrefix ?? BROWSER_DEFAULTS.namePrefix}-${shardTag(shard)}`;
  const arrival = options.arrival?.kind === 'ramp' ? { arrival: { kind: 'ramp' as const, perSecond: rateShare(options.arrival.perSecond, shard) } } : {};
  if (options.joinUrls !== undefined && options.joinUrls.length > 0) {
    const urls = options.joinUrls;
    positiveShare(urls.length, shard, 'browser.joinUrls', 'join URLs');
    const from = firstOf(urls.length, shard.index, shard.count);
    const to = firstOf(urls.length, shard.index + 1, shard.count);
    return { ...options, ...arrival, namePrefix: prefix, joinUrls: urls.slice(from, to) };
  }
  const rooms = positiveShare(options.rooms ?? BROWSER_DEFAULTS.rooms, shard, 'browser.rooms', 'rooms');
  return { ...options, ...arrival, namePrefix: prefix, rooms };
}

/** Index of shard `index`'s first item when `total` items are dealt as integerShare does (remainder on the first shards). */
function firstOf(total: number, index: number, count: number): number {
  const base = Math.floor(total / count);
  const extra = total % count;
  return (index - 1) * base + Math.min(index - 1, extra);
}
