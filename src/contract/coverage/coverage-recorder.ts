import type { Evidence } from '../../model/evidence.js';
import { coverageTotals, type ContractCoverage, type CoverageCell, type CoverageState, type CoverageTotals } from '../../model/coverage.js';
import type { ConformanceLog } from '../conformance.js';
import type { ResponseObject } from '../../spec/openapi-types.js';
import type { IndexedOperation, SpecIndex } from '../../spec/spec-index.js';

/** The exact statuses an operation declares (`"404"`, not `4XX` or `default`), ascending: one response cell each. */
export function declaredStatuses(responses: Record<string, ResponseObject> | undefined): number[] {
  return Object.keys(responses ?? {})
    .filter((key) => /^\d{3}$/.test(key))
    .map(Number)
    .sort((a, b) => a - b);
}

/** Share (0–100) of the provokable cells that were provoked; failed cells were provoked too. An empty grid is full. */
export function coverageShare(totals: CoverageTotals): number {
  return totals.provokable === 0 ? 100 : (100 * (totals.provoked + totals.failed)) / totals.provokable;
}

/** A provoker's verdict on one response cell, before the conformance log's observations are joined to it. */
export interface ResponseVerdict {
  state: CoverageState;
  note: string;
  /** Responses seen that the conformance log cannot attribute to the operation (a 405 to an undeclared method). */
  observations?: number;
  evidence?: Evidence;
}

/** A response cell as a check reports it: the cell and the evidence behind a failure. */
export interface JudgedResponseCell {
  cell: CoverageCell;
  evidence: Evidence[];
}

/**
 * Collects the coverage map while the gate runs. Input cells are recorded as
 * each case is sent. Response cells join two sources: every response the gate
 * saw (the conformance log's per-status tallies: observed is provoked, a
 * schema violation is failed, whichever check sent it) and the verdicts of the
 * provokers that tried the cells nothing else reached (an unknown id that did
 * not answer 404 is failed; a 500 is cannot-provoke).
 */
export class CoverageRecorder {
  private readonly inputs: CoverageCell[] = [];
  private readonly verdicts = new Map<string, ResponseVerdict>();

  constructor(readonly conformance: ConformanceLog) {}

  recordInput(cell: CoverageCell): void {
    this.inputs.push(cell);
  }

  /** A later verdict replaces an earlier one, except that a failure stays (it is evidence against the target). */
  recordResponse(operationId: string, status: number, verdict: ResponseVerdict): void {
    const key = `${operationId} ${status}`;
    if (this.verdicts.get(key)?.state === 'failed') return;
    this.verdicts.set(key, verdict);
  }

  /** Whether any response with this status was seen for the operation (so no provoker needs to try it). */
  observed(operationId: string, status: number): boolean {
    const seen = this.conformance.byStatus.get(operationId)?.get(status)?.observations ?? 0;
    return seen > 0 || (this.verdicts.get(`${operationId} ${status}`)?.observations ?? 0) > 0;
  }

  responseCells(op: IndexedOperation): JudgedResponseCell[] {
    return declaredStatuses(op.operation.responses).map((status) => this.responseCell(op.operationId, status));
  }

  build(spec: SpecIndex, minCoverage: number | undefined): ContractCoverage {
    const responses = spec.operations.flatMap((op) => this.responseCells(op).map((judged) => judged.cell));
    const order = new Map(spec.operations.map((op, index) => [op.operationId, index]));
    // Stable sort: cases keep the order they were sent in within an operation.
    const inputs = [...this.inputs].sort((a, b) => (order.get(a.operationId) ?? 0) - (order.get(b.operationId) ?? 0));
    const totals = { responses: coverageTotals(responses), inputs: coverageTotals(inputs) };
    const coverage: ContractCoverage = { responses, inputs, totals };
    if (minCoverage !== undefined) {
      const held = coverageShare(totals.responses) >= minCoverage && coverageShare(totals.inputs) >= minCoverage;
      coverage.minimum = { percent: minCoverage, held };
    }
    return coverage;
  }

  private responseCell(operationId: string, status: number): JudgedResponseCell {
    const tally = this.conformance.byStatus.get(operationId)?.get(status);
    const verdict = this.verdicts.get(`${operationId} ${status}`);
    const observations = (tally?.observations ?? 0) + (verdict?.observations ?? 0);
    const cell = (state: CoverageState, note: string): CoverageCell => ({ operationId, kind: String(status), state, note, observations });
    if (tally !== undefined && tally.violations > 0) {
      return { cell: cell('failed', `${tally.violations} of ${tally.observations} broke the document: ${tally.firstProblem ?? ''}`), evidence: tally.evidence.slice(0, 1) };
    }
    if (verdict?.state === 'failed') return { cell: cell('failed', verdict.note), evidence: verdict.evidence === undefined ? [] : [verdict.evidence] };
    if (observations > 0) {
      const note = verdict?.state === 'provoked' ? verdict.note : `seen ${observations} time${observations === 1 ? '' : 's'} during the gate`;
      return { cell: cell('provoked', note), evidence: [] };
    }
    if (verdict !== undefined) return { cell: cell(verdict.state, verdict.note), evidence: [] };
    if (status >= 500) return { cell: cell('cannot-provoke', 'a 5xx cannot be caused through the public API of a server that works'), evidence: [] };
    return { cell: cell('not-provoked', 'no request of the gate provoked it'), evidence: [] };
  }
}
