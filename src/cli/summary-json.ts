import type { RunReport } from '../report/report-json.js';

/** What `roomgate run --json` prints: the verdict and one line per step, for scripts. */
export function renderRunSummaryJson(report: RunReport, runDir: string) {
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
      slos: step.slos.map((s) => ({ expression: s.expression, status: s.status, ...(s.status === 'no-data' ? {} : { observed: s.observed }), threshold: s.threshold, unit: s.unit })),
    })),
  };
}
