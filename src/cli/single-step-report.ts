import { exitCodeFor, type StepResult } from '../model/result.js';
import type { WindowSummary } from '../model/events.js';
import type { Redactor } from '../report/redact.js';
import type { ShardSpec } from '../shard/shard-spec.js';
import type { Target } from '../target/target.js';

/**
 * Writes report.json for a command that runs one step on its own
 * (`roomgate load`, `roomgate browser`), so its folder is an ordinary run:
 * `roomgate report` re-renders it, `compare` diffs it and `merge` joins its
 * shards. The report module is imported here, lazily, so `--help` and the
 * commands that never write a report do not load it.
 */
export async function writeSingleStepReport(parts: {
  runDir: string;
  command: 'load' | 'browser';
  result: StepResult;
  startedAt: string;
  target: Target;
  faults: readonly string[];
  /** Present when this run is one shard: its spec and the workload's planDigest(). */
  shard?: { spec: ShardSpec; plan: string; startAtMs?: number | undefined } | undefined;
  timeline?: Record<string, WindowSummary[]>;
  redactor?: Redactor;
}): Promise<string> {
  const { buildRunReport, describeTargetForReport, writeReportJson } = await import('../report/report-json.js');
  const { result, shard } = parts;
  const report = buildRunReport({
    run: {
      id: `${parts.command}-${Date.now().toString(36)}`,
      name: result.name,
      files: [],
      startedAt: parts.startedAt,
      finishedAt: new Date().toISOString(),
      durationMs: result.durationMs,
      status: result.status,
      exitCode: exitCodeFor(result.status),
      partial: result.status === 'interrupted',
      ...(result.reason === undefined ? {} : { reason: result.reason }),
      ...(shard === undefined
        ? {}
        : { shard: { ...shard.spec, plan: shard.plan, ...(shard.startAtMs === undefined ? {} : { startAt: new Date(shard.startAtMs).toISOString() }) } }),
    },
    target: describeTargetForReport(parts.target, parts.faults),
    steps: [result],
    ...(parts.timeline === undefined ? {} : { timeline: parts.timeline }),
  });
  return writeReportJson(parts.runDir, report, parts.redactor);
}
