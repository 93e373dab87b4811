import { MetricsRegistry } from '../metrics/registry.js';
import type { SerializedMetrics } from '../metrics/serialized.js';

/** The shards' registries merged into one, on one wall clock. */
export interface MergedMetrics {
  registry: MetricsRegistry;
  /** Epoch ms of the earliest shard's start: offset 0 of the merged windows. */
  originMs: number;
  /** Per input, how many windows its indices were shifted to line up with the origin. */
  shifts: number[];
  /** Latest start minus earliest start of the measured phase, ms. */
  skewMs: number;
}

/**
 * Exact merge of shard metrics: histograms bucket by bucket, counters summed,
 * and windows aligned on wall-clock time. A shard whose measured phase began
 * `d` ms after the earliest one has its windows moved by `round(d / windowMs)`
 * indices (0 when the shards started together), so window k of the merged run
 * holds what every shard did in the same stretch of real time.
 */
export function mergeShardMetrics(inputs: readonly SerializedMetrics[]): MergedMetrics {
  const windowMs = inputs[0]!.windowMs;
  for (const input of inputs) {
    if (input.windowMs !== windowMs) throw new Error(`shards used different metric windows (${windowMs} ms and ${input.windowMs} ms)`);
  }
  const originMs = Math.min(...inputs.map((m) => m.startedAtMs));
  const endedAtMs = Math.max(...inputs.map((m) => m.endedAtMs));
  const registry = new MetricsRegistry({ windowMs, startedAtMs: originMs, now: () => endedAtMs });
  const shifts: number[] = [];
  for (const input of inputs) {
    const offsetMs = input.startedAtMs - originMs;
    const shift = Math.round(offsetMs / windowMs);
    shifts.push(shift);
    registry.merge({
      ...input,
      startedAtMs: originMs,
      windows: input.windows.map((w) => ({ ...w, index: w.index + shift, startMs: w.startMs + offsetMs, endMs: w.endMs + offsetMs })),
    });
  }
  registry.finish(endedAtMs);
  return { registry, originMs, shifts, skewMs: Math.max(...inputs.map((m) => m.startedAtMs)) - originMs };
}
