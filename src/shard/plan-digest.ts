import { createHash } from 'node:crypto';

/**
 * A short fingerprint of what a shard was asked to run (its scenario files'
 * contents and the flags that change the workload), so `merge` can refuse
 * shards of different plans instead of adding up unrelated numbers. Keys are
 * sorted, so the same plan always has the same digest.
 */
export function planDigest(plan: unknown): string {
  return createHash('sha256').update(stableJson(plan)).digest('hex').slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
