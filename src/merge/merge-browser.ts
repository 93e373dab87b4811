import type { CheckResult } from '../model/result.js';
import { evaluateSlos } from '../slo/evaluate.js';
import { BROWSER_OPERATION, browserMetricCatalog } from '../browser/browser-metrics.js';
import { parseBrowserSlos } from '../browser/browser-slos.js';
import type { CohortDescription } from '../browser/quality/quality-summary.js';
import { buildBrowserSummary } from '../browser/build-browser-summary.js';
import type { FailureLabel } from '../browser/options.js';
import { allJoinedCheck, browserVerdict, successJudgedBySlo } from '../browser/step/browser-verdict.js';
import type { BrowserStepSummary, HoldCpuSummary } from '../model/browser-summary.js';
import type { MergedStep } from './merge-load.js';
import { mergeShardMetrics } from './merge-metrics.js';
import { carriedStatus, mergedTimes, partName, shardSlos, skewReason, type ShardStep } from './shard-step.js';
import { round3 } from '../round3.js';

const ALL_JOINED = 'participants.all-joined-and-saw-video';

/**
 * One browser step from its shards: participants and rooms side by side, the
 * join/setup/first-frame histograms merged exactly, the success rate (with
 * its Wilson interval) over every participant, each shard's API checks kept
 * under its shard's name, the "everyone joined" gate and the SLOs judged once
 * over the whole, with the same verdict rules as one run (browser-verdict.ts).
 */
export function mergeBrowserStep(steps: readonly ShardStep[], maxSkewMs: number): MergedStep {
  const name = steps[0]!.result.name;
  const times = mergedTimes(steps);
  const carried = carriedStatus(steps);
  const summaries = steps.map((s) => (s.result.kind === 'browser' ? s.result.summary : undefined));
  const shardChecks: CheckResult[] = steps.flatMap((s) =>
    s.result.checks.filter((c) => c.name !== ALL_JOINED).map((c) => ({ ...c, name: `${c.name} (${partName(s)})` })),
  );
  const all = summaries.filter((s): s is BrowserStepSummary => s?.metrics !== undefined);
  if (all.length < summaries.length) {
    return {
      result: {
        name,
        kind: 'browser',
        ...times,
        status: carried?.status ?? 'errored',
        reason: carried?.reason ?? 'a shard has no metrics to merge',
        checks: shardChecks,
        slos: [],
        artifacts: [],
      },
    };
  }
  const catalog = browserMetricCatalog();
  const merged = mergeShardMetrics(all.map((s) => s.metrics));
  const { registry } = merged;
  const cohorts = mergedCohorts(all);
  const cohortNames = (cohorts ?? []).map((c) => c.name);
  const slos = shardSlos(steps, catalog, [BROWSER_OPERATION], undefined, (input, c, _operations, options) => parseBrowserSlos(input, c, cohortNames, options));
  const verdicts = evaluateSlos(slos, registry, catalog);
  const participants = all.flatMap((s) => s.participants);
  const failures: Partial<Record<FailureLabel, number>> = {};
  for (const s of all) for (const [label, n] of Object.entries(s.failures) as [FailureLabel, number][]) failures[label] = (failures[label] ?? 0) + n;
  const checks = [...shardChecks];
  if (!successJudgedBySlo(slos)) checks.push(allJoinedCheck(participants, failures, times.durationMs));
  const signals = all.flatMap((s) => s.overload.signals);
  const summary = buildBrowserSummary({
    adapter: all[0]!.adapter,
    arrival: all[0]!.arrival,
    layout: `${all.length} ${steps[0]!.part === undefined ? 'shards' : 'runs'}: ${all.map((s) => s.layout).join(' + ')}`,
    holdMs: all[0]!.holdMs,
    shards: all.reduce((n, s) => n + s.shards, 0),
    rooms: all.flatMap((s) => s.rooms),
    participants,
    failures,
    registry,
    overload: {
      signals,
      peakHostCpu: Math.max(...all.map((s) => s.overload.peakHostCpu)),
      peakEventLoopDelayMs: Math.max(...all.map((s) => s.overload.peakEventLoopDelayMs)),
      hostCpuSaturatedMs: Math.max(...all.map((s) => s.overload.hostCpuSaturatedMs)),
      overloaded: all.some((s) => s.overload.overloaded),
    },
    browserRssBytes: all.every((s) => s.browserRssBytes !== undefined) ? all.reduce((n, s) => n + (s.browserRssBytes ?? 0), 0) : undefined,
    holdCpu: mergeHoldCpu(all.map((s) => s.holdCpu)),
    statsResolutionMs: Math.max(...all.map((s) => s.statsResolutionMs)),
    cohorts,
  });
  const skew = skewReason(merged.skewMs, maxSkewMs);
  const { status, reason } =
    carried ??
    (skew === undefined ? undefined : { status: 'invalid' as const, reason: skew }) ??
    browserVerdict({ interrupted: false, overloadDetail: signals[0]?.detail, checks, verdicts });
  return {
    result: {
      name,
      kind: 'browser',
      status,
      ...(reason === undefined ? {} : { reason }),
      ...times,
      checks,
      slos: verdicts,
      summary,
      artifacts: steps.flatMap((s) => s.result.artifacts),
    },
    skewMs: merged.skewMs,
  };
}

/**
 * The cohorts of the merged step: every shard ran the same ones (the same
 * scenario), so the first shard's describe them; their figures come from
 * the merged registry. Changes keep their plan only: each shard played them
 * on its own clock.
 */
function mergedCohorts(all: readonly BrowserStepSummary[]): CohortDescription[] | undefined {
  const first = all.find((s) => s.cohorts !== undefined)?.cohorts;
  return first?.map((c) => ({
    name: c.name,
    share: c.share,
    network: c.network,
    changes: c.changes.map(({ index, label, atMs, forMs }) => ({ index, label, atMs, forMs })),
  }));
}

/** CPU during the hold over every shard's host: cores added (the shards ran at the same time), per participant over all of them. */
function mergeHoldCpu(parts: readonly (HoldCpuSummary | undefined)[]): HoldCpuSummary | undefined {
  if (parts.some((p) => p === undefined)) return undefined;
  const all = parts as HoldCpuSummary[];
  const participants = all.reduce((n, p) => n + p.participants, 0);
  const browserCores = all.reduce((n, p) => n + p.browserCores, 0);
  return {
    windowMs: Math.max(...all.map((p) => p.windowMs)),
    participants,
    browserCores: round3(browserCores),
    browserCoresPerParticipant: round3(browserCores / Math.max(1, participants)),
    harnessCores: round3(all.reduce((n, p) => n + p.harnessCores, 0)),
  };
}
