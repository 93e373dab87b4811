import type { StepResult } from '../model/result.js';
import type { RunReport } from '../report/report-json.js';

/**
 * What `--json` prints on every command that runs a plan (run, contract,
 * load, browser) and on merge: the verdict and one entry per step, for
 * scripts. schemas/run-summary.schema.json describes it; e2e tests hold all
 * of them to that one schema.
 *
 * Each step carries its counts (what `roomgate run --json` always printed)
 * and its whole `result` as in report.json — every check with its evidence,
 * every SLO verdict, the typed summary, the coverage map — so nothing the
 * one-step commands used to print is lost. Only the serialized histograms are
 * left out (they are megabytes over a long run, and report.json has them).
 */
export function renderRunSummaryJson(report: RunReport, runDir: string, extras: { notes?: readonly string[] } = {}) {
  return {
    schemaVersion: report.schemaVersion,
    name: report.run.name,
    status: report.run.status,
    exitCode: report.run.exitCode,
    partial: report.run.partial,
    reason: report.run.reason,
    runDir,
    durationMs: report.run.durationMs,
    target: report.target,
    ...(extras.notes === undefined || extras.notes.length === 0 ? {} : { notes: [...extras.notes] }),
    steps: report.steps.map((step) => ({
      name: step.name,
      kind: step.kind,
      status: step.status,
      reason: step.reason,
      durationMs: step.durationMs,
      checks: {
        total: step.checks.length,
        passed: step.checks.filter((c) => c.status === 'passed').length,
        failed: step.checks.filter((c) => c.status === 'failed').map((c) => c.name),
        errored: step.checks.filter((c) => c.status === 'errored').map((c) => c.name),
        skipped: step.checks.filter((c) => c.status === 'skipped').length,
      },
      slos: step.slos.map((s) => ({
        expression: s.expression,
        status: s.status,
        ...(s.status === 'no-data' ? {} : { observed: s.observed }),
        threshold: s.threshold,
        unit: s.unit,
      })),
      result: withoutSerializedMetrics(step),
    })),
  };
}

export type RunSummaryJson = ReturnType<typeof renderRunSummaryJson>;

/** The step's result without its serialized metrics registry (load: `summary.histograms`, browser and webhook-sink: `summary.metrics`). */
function withoutSerializedMetrics(step: StepResult) {
  switch (step.kind) {
    case 'load': {
      if (step.summary === undefined) return step;
      const { histograms: _inReportJson, ...summary } = step.summary;
      return { ...step, summary };
    }
    case 'browser': {
      if (step.summary === undefined) return step;
      const { metrics: _inReportJson, ...summary } = step.summary;
      return { ...step, summary };
    }
    case 'webhook-sink': {
      if (step.summary === undefined) return step;
      const { metrics: _inReportJson, ...summary } = step.summary;
      return { ...step, summary };
    }
    default:
      return step;
  }
}
