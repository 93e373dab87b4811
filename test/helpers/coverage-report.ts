import { coverageTotals, type ContractCoverage, type CoverageCell } from '../../src/model/coverage.js';
import type { StepResult } from '../../src/model/result.js';
import { buildRunReport, type RunReport } from '../../src/report/report-json.js';

/** A small contract coverage map and the step and report around it, for the report renderers' tests. */
const now = new Date(0).toISOString();

/** A small map: createRoom declares 201/409/422/500, getRoom 200/404/500; four input cases. */
export function smallCoverage(): ContractCoverage {
  const response = (operationId: string, kind: string, state: CoverageCell['state'], observations: number, note?: string): CoverageCell => ({
    operationId,
    kind,
    state,
    observations,
    ...(note === undefined ? {} : { note }),
  });
  const responses: CoverageCell[] = [
    response('createRoom', '201', 'provoked', 12),
    response('createRoom', '409', 'not-provoked', 0, 'no concurrent duplicate was answered 409'),
    response('createRoom', '422', 'failed', 1, 'same key, other body answered 201 <b>'),
    response('createRoom', '500', 'cannot-provoke', 0, 'a 5xx cannot be provoked from outside'),
    response('getRoom', '200', 'provoked', 30),
    response('getRoom', '404', 'provoked', 2, 'unknown room id'),
    response('getRoom', '500', 'cannot-provoke', 0, 'a 5xx cannot be provoked from outside'),
  ];
  const inputs: CoverageCell[] = [
    { operationId: 'createRoom', kind: 'wrong-type', label: 'recording of the wrong type', state: 'provoked', observations: 1 },
    { operationId: 'createRoom', kind: 'wrong-type', label: 'name of the wrong type', state: 'failed', note: 'accepted with 201', observations: 1 },
    { operationId: 'createRoom', kind: 'above-maximum', label: 'max_participants above maximum', state: 'provoked', observations: 1 },
    { operationId: 'getRoom', kind: 'path', label: 'room_id not matching the pattern', state: 'provoked', observations: 1 },
  ];
  return {
    responses,
    inputs,
    totals: { responses: coverageTotals(responses), inputs: coverageTotals(inputs) },
    minimum: { percent: 100, held: false },
  };
}

/** A contract step with `coverage`, or with no map at all when `null` (a default parameter would turn undefined into the map). */
export function coverageStep(coverage: ContractCoverage | null = smallCoverage()): StepResult {
  return {
    name: 'contract',
    kind: 'contract',
    status: 'failed',
    reason: '1 check failed',
    startedAt: now,
    finishedAt: now,
    durationMs: 2500,
    checks: [
      { name: 'schema.create-room', group: 'schema', status: 'passed', durationMs: 3 },
      { name: 'coverage.inputs', group: 'coverage', status: 'failed', durationMs: 3, message: 'name of the wrong type accepted', evidence: [] },
    ],
    slos: [],
    artifacts: [],
    ...(coverage === null ? {} : { coverage }),
  };
}

export function coverageReport(step: StepResult = coverageStep()): RunReport {
  return buildRunReport({
    run: { id: 'x', name: 'ci-gate', files: [], startedAt: now, durationMs: 2500, status: step.status, partial: false, exitCode: 1 },
    target: { baseUrl: 'http://127.0.0.1:1', clientId: 'c', embedded: true },
    steps: [step],
  });
}
