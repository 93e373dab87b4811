import { ConfigError } from '../errors.js';
import { worstStatus, type StepResult, type StepStatus } from '../model/result.js';
import { parseSlos } from '../slo/parse.js';
import type { MetricCatalog, Slo } from '../slo/types.js';
import { formatShard, type ShardSpec } from '../shard/shard-spec.js';

/** One step as one shard reported it. */
export interface ShardStep {
  shard: ShardSpec;
  /** The shard's run folder, for messages. */
  dir: string;
  result: StepResult;
  /**
   * How messages name this part when it is not a shard: the runner merges the
   * repetitions of a recurring step (`every:`) with the same functions, and
   * calls them `run 2 (+20s)`.
   */
  part?: string;
}

/** `shard 2/3`, or the part's own name. */
export function partName(step: ShardStep): string {
  return step.part ?? `shard ${formatShard(step.shard)}`;
}

/**
 * A status no global evaluation can undo: a shard that errored, was
 * interrupted or measured nothing trustworthy (generator behind, host
 * overloaded) leaves a hole in the whole, so the merged step keeps its status.
 */
export function carriedStatus(steps: readonly ShardStep[]): { status: StepStatus; reason: string } | undefined {
  const bad = steps.filter((s) => s.result.status === 'errored' || s.result.status === 'interrupted' || s.result.status === 'invalid');
  if (bad.length === 0) return undefined;
  const status = worstStatus(bad.map((s) => s.result.status));
  return { status, reason: bad.map((s) => `${partName(s)} ${s.result.status}: ${s.result.reason ?? 'no reason given'}`).join('; ') };
}

/** The skew rule: shards that did not begin their measured phase together did not apply the load the plan describes. */
export function skewReason(skewMs: number, maxSkewMs: number): string | undefined {
  if (skewMs <= maxSkewMs) return undefined;
  return `the shards began their measured phase ${Math.round(skewMs)} ms apart (bound ${Math.round(maxSkewMs)} ms), so their loads did not overlap as planned; start them with the same --start-at (and a lead time longer than their setup), or raise merge --max-skew`;
}

/**
 * The step's thresholds, parsed again from the expressions the shards
 * evaluated, with the same parser and catalog as a run: the merged verdicts
 * are the global ones. Every shard must have had the same list.
 */
export function shardSlos(
  steps: readonly ShardStep[],
  catalog: MetricCatalog,
  operations: readonly string[],
  windowMs: number | undefined,
  // A step kind with its own grammar on top (the browser step's `cohort:` prefix) parses with its own function.
  parse: typeof parseSlos = parseSlos,
): Slo[] {
  const lists = steps.filter((s) => s.result.slos.length > 0).map((s) => s.result.slos.map((v) => v.expression));
  const first = lists[0] ?? [];
  for (const list of lists) {
    if (list.join('\n') !== first.join('\n')) {
      throw new ConfigError(`step ${steps[0]!.result.name}: the shards were judged by different SLOs (${first.join(', ')} vs ${list.join(', ')})`, {
        hint: 'every shard of one run must use the same scenario and flags; re-run the shards with the same command',
      });
    }
  }
  return parse(first, catalog, operations, { path: `${steps[0]!.result.name}.slos`, ...(windowMs === undefined ? {} : { windowMs }) });
}

/** First start, last finish and the span between, over the shards. */
export function mergedTimes(steps: readonly ShardStep[]): { startedAt: string; finishedAt: string; durationMs: number } {
  const start = Math.min(...steps.map((s) => Date.parse(s.result.startedAt)));
  const end = Math.max(...steps.map((s) => Date.parse(s.result.finishedAt)));
  return { startedAt: new Date(start).toISOString(), finishedAt: new Date(end).toISOString(), durationMs: end - start };
}
