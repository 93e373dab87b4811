import { formatDuration } from '../config/duration.js';
import { mergeBrowserStep } from '../merge/merge-browser.js';
import { mergeLoadStep } from '../merge/merge-load.js';
import type { ShardStep } from '../merge/shard-step.js';
import { worstStatus, type StepResult } from '../model/result.js';
import { round3 } from '../round3.js';

/** One run of a recurring step, and where its slot sat on the group's clock. */
export interface Repetition {
  result: StepResult;
  /** Offset of its slot from the group's start, ms. */
  offsetMs: number;
}

/**
 * The runs of a recurring step (`every: 20s`) as the step's one result. Load
 * and browser runs merge exactly as shards of a distributed run do
 * (src/merge/): histograms bucket by bucket, windows on the one wall clock,
 * SLOs judged once over everything, the same verdict rules. A run that
 * errored, was interrupted or could not be trusted keeps that status for the
 * whole, named by its run. Other kinds keep every run's checks, named by run.
 */
export function mergeRepetitions(name: string, runs: readonly Repetition[]): StepResult {
  if (runs.length === 1) return runs[0]!.result;
  const parts: ShardStep[] = runs.map((run, i) => ({
    shard: { index: i + 1, count: runs.length },
    dir: '',
    result: run.result,
    part: `run ${i + 1} (+${formatDuration(run.offsetMs)})`,
  }));
  const kind = runs[0]!.result.kind;
  const sameKind = runs.every((run) => run.result.kind === kind);
  // Repetitions start apart on purpose: the shards' start-skew bound does not apply.
  const noSkewBound = Number.POSITIVE_INFINITY;
  if (sameKind && kind === 'load') {
    const merged = mergeLoadStep(parts, noSkewBound).result;
    if (merged.kind !== 'load' || merged.summary?.generatorCpu === undefined) return merged;
    // The runs took turns: their CPU seconds add up, their cores (seconds per second of run) do not.
    const seconds = merged.summary.generatorCpu.seconds;
    const runMs = runs.reduce((sum, run) => sum + (run.result.kind === 'load' ? (run.result.summary?.durationMs ?? 0) : 0), 0);
    return { ...merged, summary: { ...merged.summary, generatorCpu: { seconds, cores: round3(seconds / Math.max(0.001, runMs / 1000)) } } };
  }
  if (sameKind && kind === 'browser') return mergeBrowserStep(parts, noSkewBound).result;
  return concatenated(name, parts);
}

/** Runs of a kind without metrics to merge: every run's checks, SLOs and artifacts, the worst status. */
function concatenated(name: string, parts: readonly ShardStep[]): StepResult {
  const { reason: _lastReason, ...last } = parts.at(-1)!.result;
  const status = worstStatus(parts.map((p) => p.result.status));
  const bad = parts.filter((p) => p.result.status === status && status !== 'passed' && status !== 'skipped');
  const start = Math.min(...parts.map((p) => Date.parse(p.result.startedAt)));
  const end = Math.max(...parts.map((p) => Date.parse(p.result.finishedAt)));
  const reason = bad.map((p) => `${p.part ?? ''} ${p.result.status}: ${p.result.reason ?? 'no reason given'}`).join('; ');
  const merged: StepResult = {
    ...last,
    name,
    status,
    ...(reason === '' ? {} : { reason }),
    startedAt: new Date(start).toISOString(),
    finishedAt: new Date(end).toISOString(),
    durationMs: end - start,
    checks: parts.flatMap((p) => p.result.checks.map((c) => ({ ...c, name: `${c.name} (${p.part ?? ''})` }))),
    slos: parts.flatMap((p) => p.result.slos),
    artifacts: parts.flatMap((p) => p.result.artifacts),
  };
  return merged;
}
