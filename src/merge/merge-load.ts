import type { WindowSummary } from '../model/events.js';
import type { StepResult } from '../model/result.js';
import { evaluateSlos } from '../slo/evaluate.js';
import { summarizeLoadRegistry, windowSummary } from '../load/build-load-summary.js';
import { loadMetricCatalog } from '../load/load-metrics.js';
import type { LoadSummary } from '../model/load-summary.js';
import { loadVerdict } from '../load/load-verdict.js';
import { addUnexpectedStatuses } from '../load/unexpected-statuses.js';
import { LoadOperations } from '../load/load-operations.js';
import { LOAD_DEFAULTS } from '../load/options.js';
import type { CleanupReport } from '../load/room-cleanup.js';
import { mergeShardMetrics } from './merge-metrics.js';
import { carriedStatus, mergedTimes, shardSlos, skewReason, type ShardStep } from './shard-step.js';
import { round3 } from '../round3.js';

/** A merged step, its windows for the report's timeline, and the shards' start skew. */
export interface MergedStep {
  result: StepResult;
  windows?: WindowSummary[];
  skewMs?: number;
}

/**
 * One load step from its shards: the registries merged exactly on one wall
 * clock, the figures and the schedule re-derived from the merged counts, the
 * SLOs evaluated once over everything, and the status decided by the same
 * rules as a single run (load-verdict.ts), after what no merge can repair
 * (a shard that errored or was invalid) and the start-skew bound.
 */
export function mergeLoadStep(steps: readonly ShardStep[], maxSkewMs: number): MergedStep {
  const name = steps[0]!.result.name;
  const times = mergedTimes(steps);
  const summaries = steps.map((s) => (s.result.kind === 'load' ? s.result.summary : undefined));
  const carried = carriedStatus(steps);
  const all = summaries.filter((s): s is LoadSummary => s?.histograms !== undefined);
  if (all.length < summaries.length) {
    // A shard without metrics (it failed in setup): nothing to merge, only its reason to pass on.
    return {
      result: {
        name,
        kind: 'load',
        ...times,
        status: carried?.status ?? 'errored',
        reason: carried?.reason ?? 'a shard has no metrics to merge',
        checks: [],
        slos: [],
        artifacts: [],
      },
    };
  }
  const mode = all[0]!.mode;
  const catalog = loadMetricCatalog(mode);
  const merged = mergeShardMetrics(all.map((s) => s.histograms));
  const { registry } = merged;
  // The shards' own operation names and aliases (reports before profiles: the names their series carry).
  const names = all[0]!.operationNames ?? registry.operations().map((name) => ({ role: 'get' as const, name, operationId: name }));
  const operations = LoadOperations.fromList(names);
  const slos = shardSlos(steps, catalog, operations.vocabulary(), registry.windowMs).map((slo) =>
    slo.operation === undefined ? slo : { ...slo, operation: operations.nameOf(slo.operation) ?? slo.operation },
  );
  const verdicts = evaluateSlos(slos, registry, catalog);
  const figures = summarizeLoadRegistry(registry, mode);
  addUnexpectedStatuses(
    figures.operations,
    all.map((s) => s.operations),
  );
  const schedule = mergeSchedules(all);
  const windows = registry.windows().map((w) => {
    const summary = windowSummary(w, undefined);
    const target = targetRateAt(all, merged.shifts, w.index);
    return target === undefined ? summary : { ...summary, targetRate: target };
  });
  const abortedBy = all.find((s) => s.abortedBy !== undefined)?.abortedBy;
  const summary: LoadSummary = {
    mode,
    runTag: all.map((s) => s.runTag).join(','),
    ...(all[0]!.operationNames === undefined ? {} : { operationNames: all[0]!.operationNames }),
    ...figures,
    ...(schedule === undefined ? {} : { schedule }),
    ...(all.every((s) => s.burst !== undefined)
      ? {
          burst: {
            autocannonRequests: sum(all.map((s) => s.burst!.autocannonRequests)),
            autocannonErrors: sum(all.map((s) => s.burst!.autocannonErrors)),
            phases: all.flatMap((s) => s.burst!.phases),
          },
        }
      : {}),
    setup: { roomsCreated: sum(all.map((s) => s.setup.roomsCreated)) },
    cleanup: mergeCleanups(all.map((s) => s.cleanup)),
    schemaViolationExamples: all.flatMap((s) => s.schemaViolationExamples).slice(0, 5),
    ...(abortedBy === undefined ? {} : { abortedBy }),
    ...(all.every((s) => s.generatorCpu !== undefined)
      ? { generatorCpu: { seconds: round3(sum(all.map((s) => s.generatorCpu!.seconds))), cores: round3(sum(all.map((s) => s.generatorCpu!.cores))) } }
      : {}),
    windows,
    histograms: registry.serialize(),
  };
  const skew = skewReason(merged.skewMs, maxSkewMs);
  const judged = carried ?? (skew === undefined ? undefined : { status: 'invalid' as const, reason: skew });
  const { status, reason } =
    judged ??
    loadVerdict({
      interrupted: false,
      totals: figures.totals,
      schedule,
      maxLateFraction: schedule?.maxLateFraction ?? LOAD_DEFAULTS.maxLateFraction,
      abortedBy,
      verdicts,
      operations: figures.operations,
    });
  return {
    result: { name, kind: 'load', status, ...(reason === undefined ? {} : { reason }), ...times, checks: [], slos: verdicts, summary, artifacts: [] },
    windows,
    skewMs: merged.skewMs,
  };
}

/** The shards' schedules as one: counts summed, the late fraction recomputed over all sends, the worst lateness kept. */
function mergeSchedules(all: readonly LoadSummary[]): LoadSummary['schedule'] {
  if (!all.every((s) => s.schedule !== undefined)) return undefined;
  const schedules = all.map((s) => s.schedule!);
  const sent = sum(schedules.map((s) => s.sent));
  const late = sum(schedules.map((s) => s.late));
  return {
    requestedRate: round1(sum(schedules.map((s) => s.requestedRate))),
    achievedRate: round1(sum(schedules.map((s) => s.achievedRate))),
    scheduled: sum(schedules.map((s) => s.scheduled)),
    sent,
    late,
    dropped: sum(schedules.map((s) => s.dropped)),
    lateFraction: sent === 0 ? 0 : late / sent,
    maxLateMs: Math.max(...schedules.map((s) => s.maxLateMs)),
    lateThresholdMs: schedules[0]!.lateThresholdMs,
    maxLateFraction: schedules[0]!.maxLateFraction ?? LOAD_DEFAULTS.maxLateFraction,
  };
}

/** Sum of the shards' target rates in the merged window `index` (their own windows shifted onto the merged clock). */
function targetRateAt(all: readonly LoadSummary[], shifts: readonly number[], index: number): number | undefined {
  let total: number | undefined;
  all.forEach((s, i) => {
    const rate = s.windows[index - shifts[i]!]?.targetRate;
    if (rate !== undefined) total = (total ?? 0) + rate;
  });
  return total === undefined ? undefined : round1(total);
}

function mergeCleanups(cleanups: readonly LoadSummary['cleanup'][]): LoadSummary['cleanup'] {
  const reports = cleanups.filter((c): c is CleanupReport => !('skipped' in c));
  if (reports.length === 0) return cleanups[0]!;
  const errors = reports.map((r) => r.error).filter((e) => e !== undefined);
  const cut = reports.find((r) => r.cutShort !== undefined)?.cutShort;
  return {
    deleted: sum(reports.map((r) => r.deleted)),
    failed: sum(reports.map((r) => r.failed)),
    leftOver: sum(reports.map((r) => r.leftOver)),
    leftOpen: reports.flatMap((r) => r.leftOpen ?? []).slice(0, 100),
    verified: reports.every((r) => r.verified !== false),
    listRequests: sum(reports.map((r) => r.listRequests)),
    ...(cut === undefined ? {} : { cutShort: cut }),
    ...(errors.length === 0 ? {} : { error: errors.join('; ') }),
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
