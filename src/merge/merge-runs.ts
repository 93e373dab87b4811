import { relative, join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { WindowSummary } from '../model/events.js';
import { exitCodeFor, worstStatus, type StepResult } from '../model/result.js';
import { buildRunReport, type RunReport } from '../report/report-json.js';
import { mergeBrowserStep } from './merge-browser.js';
import { mergeLoadStep, type MergedStep } from './merge-load.js';
import { formatShard } from '../shard/shard-spec.js';
import type { ShardStep } from './shard-step.js';
import { DEFAULT_MAX_SKEW_MS } from './skew.js';

export { DEFAULT_MAX_SKEW_MS };

/** A shard's report.json and the folder it came from. */
export interface ShardRun {
  dir: string;
  report: RunReport;
}

export interface MergeOptions {
  /** Largest allowed spread of the shards' measured-phase starts; beyond it the merged step is invalid. Default 1000 ms. */
  maxSkewMs?: number;
  /** Where the merged run folder will be: artifact paths are rewritten to point into the shard folders from there. */
  outDir?: string;
}

/**
 * `roomgate merge` as a pure function: shard run folders in, one run out.
 * The inputs must be exactly shards 1..n of one plan written by one roomgate
 * version (otherwise a ConfigError, exit 2). Load and browser steps are
 * merged (merge-load.ts, merge-browser.ts); a contract-type step, which runs
 * on shard 1 only, is taken from the shard that ran it.
 */
export function mergeRuns(runs: readonly ShardRun[], options: MergeOptions = {}): RunReport {
  const maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const ordered = checkShardSet(runs);
  const first = ordered[0]!;
  const identity = first.report.run.shard!;
  const stepNames = first.report.steps.map((s) => s.name);
  const steps: StepResult[] = [];
  const timeline: Record<string, WindowSummary[]> = {};
  const skewMs: Record<string, number> = {};
  for (const name of stepNames) {
    const perShard: ShardStep[] = ordered.map((run) => ({
      shard: run.report.run.shard!,
      dir: run.dir,
      result: withArtifactsFrom(
        run.report.steps.find((s) => s.name === name)!,
        run.dir,
        options.outDir,
      ),
    }));
    const merged = mergeStep(perShard, maxSkewMs);
    steps.push(merged.result);
    if (merged.windows !== undefined) timeline[name] = merged.windows;
    else if (first.report.timeline[name] !== undefined && perShard.filter((s) => s.result.status !== 'skipped').length === 1)
      timeline[name] = first.report.timeline[name]!;
    if (merged.skewMs !== undefined) skewMs[name] = merged.skewMs;
  }
  const status = worstStatus(steps.map((s) => s.status));
  const startedAt = Math.min(...ordered.map((r) => Date.parse(r.report.run.startedAt)));
  const finishedAt = Math.max(...ordered.map((r) => Date.parse(r.report.run.finishedAt ?? r.report.run.startedAt) || startedAt));
  const reason = steps.find((s) => s.status === status)?.reason;
  return buildRunReport({
    run: {
      id: `merged-${identity.plan}`,
      name: first.report.run.name,
      files: first.report.run.files,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date(finishedAt).toISOString(),
      durationMs: finishedAt - startedAt,
      status,
      exitCode: exitCodeFor(status),
      partial: ordered.some((r) => r.report.run.partial),
      ...(reason === undefined || status === 'passed' ? {} : { reason }),
      host: first.report.run.host,
      merged: { count: identity.count, plan: identity.plan, sources: ordered.map((r) => r.dir), skewMs, maxSkewMs },
    },
    target: first.report.target,
    steps,
    timeline,
    toolVersion: first.report.tool.version,
  });
}

function mergeStep(perShard: readonly ShardStep[], maxSkewMs: number): MergedStep {
  const ran = perShard.filter((s) => s.result.status !== 'skipped');
  const kind = perShard[0]!.result.kind;
  if (kind === 'load' && ran.length === perShard.length) return mergeLoadStep(perShard, maxSkewMs);
  if (kind === 'browser' && ran.length === perShard.length) return mergeBrowserStep(perShard, maxSkewMs);
  // Contract-type steps run on shard 1 only; a step skipped everywhere (--only) stays skipped.
  if (ran.length <= 1) return { result: (ran[0] ?? perShard[0]!).result };
  const which = ran.map((s) => formatShard(s.shard)).join(', ');
  return {
    result: {
      ...ran[0]!.result,
      status: 'errored',
      reason: `${kind} step ran on shards ${which}; roomgate merges load and browser steps, and runs a ${kind} step on one shard only`,
    },
  };
}

/**
 * The inputs in shard order, or a ConfigError that says what is wrong with
 * the set: not a shard, shards of different runs, plans or versions, a shard
 * twice, a shard missing.
 */
export function checkShardSet(runs: readonly ShardRun[]): ShardRun[] {
  if (runs.length === 0) throw new ConfigError('no shard run folders given', { hint: 'roomgate merge shards/1 shards/2 shards/3 --out merged' });
  for (const run of runs) {
    if (run.report.run.shard === undefined) {
      throw new ConfigError(`${run.dir} is not a shard run (its report.json has no run.shard)`, {
        hint: 'merge the folders of runs started with --shard i/n (or ROOMGATE_SHARD / JOB_COMPLETION_INDEX)',
      });
    }
    if (run.report.run.merged !== undefined) throw new ConfigError(`${run.dir} is already a merged run`, { hint: 'merge the shard folders themselves' });
  }
  const first = runs[0]!;
  const want = first.report.run.shard!;
  for (const run of runs.slice(1)) {
    const shard = run.report.run.shard!;
    const differs = (what: string, a: string, b: string) =>
      new ConfigError(`${run.dir} and ${first.dir} are not shards of one run: ${what} ${b} vs ${a}`, {
        hint: 'run every shard with the same scenario files, flags and roomgate version, and merge the folders of one run only',
      });
    if (shard.count !== want.count) throw differs('shard count', String(want.count), String(shard.count));
    if (run.report.run.name !== first.report.run.name) throw differs('scenario', first.report.run.name, run.report.run.name);
    if (shard.plan !== want.plan) throw differs('plan (scenario files and workload flags)', want.plan, shard.plan);
    if (run.report.tool.version !== first.report.tool.version) throw differs('roomgate version', first.report.tool.version, run.report.tool.version);
    const names = (r: ShardRun) => r.report.steps.map((s) => s.name).join(', ');
    if (names(run) !== names(first)) throw differs('steps', names(first), names(run));
  }
  const byIndex = new Map<number, ShardRun>();
  for (const run of runs) {
    const index = run.report.run.shard!.index;
    const seen = byIndex.get(index);
    if (seen !== undefined) {
      throw new ConfigError(`shard ${formatShard(run.report.run.shard!)} appears twice: ${seen.dir} and ${run.dir}`, { hint: "pass each shard's folder once" });
    }
    byIndex.set(index, run);
  }
  const missing = Array.from({ length: want.count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new ConfigError(
      `missing shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${want.count}`).join(', ')} (got ${[...byIndex.keys()]
        .sort((a, b) => a - b)
        .map((i) => `${i}/${want.count}`)
        .join(', ')})`,
      {
        hint: 'a merged run must contain every shard; pass all their folders (a shard that failed still wrote one, unless it was killed)',
      },
    );
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, run]) => run);
}

/** Artifact paths are relative to their run folder; from the merged folder they point into the shard's. */
function withArtifactsFrom(step: StepResult, dir: string, outDir: string | undefined): StepResult {
  if (outDir === undefined || step.artifacts.length === 0) return step;
  const base = relative(outDir, dir);
  return { ...step, artifacts: step.artifacts.map((a) => ({ ...a, path: join(base, a.path) })) };
}
