import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepResult, StepStatus } from '../../src/model/result.js';
import { buildRunReport, type RunMeta, type RunReport, writeReportJson } from '../../src/report/report-json.js';
import { fromReportJson } from './report-json-fixture.js';

const now = new Date().toISOString();

/** A finished load step whose summary has these operations (1000 attempts, p50 10 ms, p99 20 ms each). */
export function loadStepWith(name: string, operations: readonly string[], status: StepStatus = 'passed'): StepResult {
  // Summary figures only (no totals, no histograms), as a report from a killed or older run has.
  return fromReportJson<StepResult>({
    name,
    kind: 'load',
    status,
    startedAt: now,
    finishedAt: now,
    durationMs: 1,
    checks: [],
    slos: [],
    artifacts: [],
    summary: {
      mode: 'burst',
      operations: Object.fromEntries(operations.map((op) => [op, { attempts: 1000, errors: 0, latency: { count: 1000, p50: 10, p99: 20 } }])),
    },
  });
}

export function contractStep(status: StepStatus = 'passed', reason?: string): StepResult {
  return {
    name: 'contract',
    kind: 'contract',
    status,
    ...(reason === undefined ? {} : { reason }),
    startedAt: now,
    finishedAt: now,
    durationMs: 1,
    checks: [],
    slos: [],
    artifacts: [],
  };
}

/** A run report of suite `name` (finished and complete unless `run` says otherwise). */
export function runReport(name: string, steps: StepResult[], run: Partial<RunMeta> = {}): RunReport {
  return buildRunReport({
    run: { id: 'x', name, files: [], startedAt: now, durationMs: 1, status: 'passed', partial: false, exitCode: 0, ...run },
    target: { baseUrl: 'http://127.0.0.1:1', clientId: 'c', embedded: true },
    steps,
  });
}

/** Write the report into a fresh run folder and return the folder. */
export async function runFolderOf(report: RunReport): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'roomgate-cmp-'));
  await writeReportJson(dir, report);
  return dir;
}
