import type { WindowSummary } from '../model/events.js';
import type { SloVerdict } from '../model/result.js';
import { histogramOfWindows, type MetricsRegistry } from '../metrics/registry.js';
import { OUTCOMES } from '../metrics/outcome.js';
import type { SerializedWindow } from '../metrics/serialized.js';
import { summarize } from '../metrics/summary.js';
import { ArrivalSchedule, type RateSegment } from './arrival-schedule.js';
import type { BurstOutcome } from './burst.js';
import { COUNTERS, LOAD_SERIES } from './load-metrics.js';
import type { LoadRecorder } from './load-recorder.js';
import type { AuditOutcome, CleanupOutcome } from './load-setup.js';
import type { LoadOperation, LoadSummary, OperationSummary } from '../model/load-summary.js';
import type { OpenLoopOutcome } from './open-loop.js';
import { LOAD_DEFAULTS, type LoadMode } from './options.js';
import type { StartSync } from '../shard/start-at.js';
import type { ResolvedLoad } from './resolve-load.js';
import type { RoomWorkload } from './room-workload.js';
import { round3 } from '../round3.js';

/** One sealed window as the progress view and the report show it: per operation count/errors/p50/p99, achieved vs target rate. */
export function windowSummary(window: SerializedWindow, segments: readonly RateSegment[] | undefined): WindowSummary {
  const operations: WindowSummary['operations'] = {};
  const ops = new Set(window.series.filter((s) => s.metric === LOAD_SERIES.latency).map((s) => s.operation));
  for (const op of ops) {
    const histogram = histogramOfWindows([window], LOAD_SERIES.latency, { operation: op });
    const s = summarize(histogram);
    histogram.destroy();
    const errors = window.counters.filter((c) => c.name === COUNTERS.errors && c.operation === op).reduce((sum, c) => sum + c.value, 0);
    operations[op === '' ? '(unattributed)' : op] = { count: s.count, errors, p50: s.p50, p99: s.p99, max: s.max };
  }
  const seconds = Math.max(0.001, (window.endMs - window.startMs) / 1000);
  const responses = window.counters.filter((c) => c.name === COUNTERS.responses).reduce((sum, c) => sum + c.value, 0);
  const result: WindowSummary = { startMs: window.startMs, endMs: window.endMs, operations, achievedRate: Math.round((responses / seconds) * 10) / 10 };
  if (segments !== undefined) {
    const schedule = new ArrivalSchedule(segments);
    const middle = Math.min((window.startMs + window.endMs) / 2, schedule.totalMs - 1);
    result.targetRate = Math.round(schedule.rateAt(Math.max(0, middle)) * 10) / 10;
  }
  return result;
}

/** What the run did besides its requests: setup, cleanup, the duplicate audit, notes. */
export interface RunAftermath {
  roomsCreated: number;
  cleanup: CleanupOutcome;
  duplicates: AuditOutcome | undefined;
  notes: string[];
  operationNames: LoadOperation[];
}

/** The step's summary (report.json's `summary`), including the serialized registry. */
export function buildSummary(
  load: ResolvedLoad,
  registry: MetricsRegistry,
  windows: WindowSummary[],
  workload: RoomWorkload,
  aftermath: RunAftermath,
  recorder: LoadRecorder,
  soak: OpenLoopOutcome | undefined,
  burst: BurstOutcome | undefined,
  abortedBy: SloVerdict | undefined,
  extras: { sync?: StartSync | undefined; generatorCpu?: LoadSummary['generatorCpu'] },
): LoadSummary {
  const { durationMs, totals, operations } = summarizeLoadRegistry(registry, load.options.mode);
  for (const [op, byStatus] of recorder.unexpectedStatuses) {
    const summary = operations[op];
    if (summary !== undefined)
      summary.unexpectedStatuses = Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, count]) => [String(status), count]));
  }
  const lateThresholdMs = load.options.lateThresholdMs ?? LOAD_DEFAULTS.lateThresholdMs;
  return {
    mode: load.options.mode,
    runTag: workload.runTag,
    operationNames: aftermath.operationNames,
    durationMs,
    totals,
    operations,
    ...(soak === undefined
      ? {}
      : {
          schedule: {
            requestedRate:
              Math.round((new ArrivalSchedule(load.segments).expectedArrivals / Math.max(0.001, new ArrivalSchedule(load.segments).totalMs / 1000)) * 10) / 10,
            achievedRate: Math.round((soak.sent / Math.max(0.001, soak.elapsedMs / 1000)) * 10) / 10,
            scheduled: soak.scheduled,
            sent: soak.sent,
            late: soak.late,
            dropped: soak.dropped,
            lateFraction: soak.sent === 0 ? 0 : soak.late / soak.sent,
            maxLateMs: round3(soak.maxLateMs),
            lateThresholdMs,
            maxLateFraction: load.options.maxLateFraction ?? LOAD_DEFAULTS.maxLateFraction,
          },
        }),
    ...(burst === undefined
      ? {}
      : { burst: { autocannonRequests: burst.autocannonRequests, autocannonErrors: burst.autocannonErrors, phases: load.burstPhases.map((p) => ({ ...p })) } }),
    setup: { roomsCreated: aftermath.roomsCreated },
    cleanup: aftermath.cleanup,
    ...(aftermath.duplicates === undefined ? {} : { duplicates: aftermath.duplicates }),
    ...(aftermath.notes.length === 0 ? {} : { notes: aftermath.notes }),
    schemaViolationExamples: recorder.violationExamples,
    ...(abortedBy === undefined ? {} : { abortedBy: abortedBy.expression }),
    ...(load.options.shard === undefined ? {} : { shard: load.options.shard }),
    ...(extras.sync === undefined ? {} : { sync: extras.sync }),
    ...(extras.generatorCpu === undefined ? {} : { generatorCpu: extras.generatorCpu }),
    windows,
    histograms: registry.serialize(),
  };
}

/** Per-operation and total figures, read from a registry (a run's own, or one merged from shards). */
export function summarizeLoadRegistry(registry: MetricsRegistry, mode: LoadMode): Pick<LoadSummary, 'durationMs' | 'totals' | 'operations'> {
  const operations: Record<string, OperationSummary> = {};
  for (const op of registry.operations()) {
    const byOutcome: OperationSummary['byOutcome'] = {};
    for (const outcome of OUTCOMES) {
      const count = registry.summary(LOAD_SERIES.latency, { operation: op, outcomes: [outcome] }).count;
      if (count > 0) byOutcome[outcome] = count;
    }
    operations[op] = {
      attempts: registry.counter(COUNTERS.attempts, { operation: op }),
      requests: registry.counter(COUNTERS.requests, { operation: op }),
      responses: registry.counter(COUNTERS.responses, { operation: op }),
      errors: registry.counter(COUNTERS.errors, { operation: op }),
      byOutcome,
      latency: registry.summary(LOAD_SERIES.latency, { operation: op }),
      ...(mode === 'soak' ? { serviceTime: registry.summary(LOAD_SERIES.serviceTime, { operation: op }) } : {}),
    };
  }
  const attempts = registry.counter(COUNTERS.attempts);
  const errors = registry.counter(COUNTERS.errors);
  const responses = registry.counter(COUNTERS.responses);
  const seconds = Math.max(0.001, registry.durationMs / 1000);
  return {
    durationMs: registry.durationMs,
    totals: {
      attempts,
      requests: registry.counter(COUNTERS.requests),
      responses,
      errors,
      errorRate: attempts === 0 ? 0 : errors / attempts,
      throughput: Math.round((responses / seconds) * 10) / 10,
      timeouts: registry.counter(COUNTERS.errorsTimeout),
      resets: registry.counter(COUNTERS.errorsReset),
      connectionErrors: registry.counter(COUNTERS.errorsConnection),
      malformed: registry.counter(COUNTERS.errorsMalformed),
      retries: registry.counter(COUNTERS.retries),
      unattributedErrors: registry.counter(COUNTERS.errors, { operation: '' }),
      schemaChecked: registry.counter(COUNTERS.schemaChecked),
      schemaViolations: registry.counter(COUNTERS.schemaViolations),
    },
    operations,
  };
}
