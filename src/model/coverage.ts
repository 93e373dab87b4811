/**
 * The contract gate's coverage map: which promises of the document the gate
 * actually exercised. Two grids over the operations of the spec in use:
 *
 * - responses: operation × declared status (every status the document declares
 *   for the operation is one cell);
 * - inputs: operation × invalid-input case (every invalid input the request
 *   schema, query or path parameters allow is one cell, sent once).
 *
 * A cell is `provoked` when the gate saw that answer (or sent that input and it
 * was rejected as the contract says), `failed` when the target answered
 * otherwise, `not-provoked` when the gate could not get there (with why), and
 * `cannot-provoke` when nothing outside the server can cause it (a 500).
 */
export type CoverageState = 'provoked' | 'failed' | 'not-provoked' | 'cannot-provoke';

export interface CoverageCell {
  operationId: string;
  /**
   * Responses: the declared status (`"404"`). Inputs: the input kind, one of
   * `INPUT_KINDS` (`"wrong-type"`, `"above-maximum"`, …).
   */
  kind: string;
  /** Inputs: what exactly was sent (`"recording of the wrong type"`). Responses: absent. */
  label?: string;
  state: CoverageState;
  /** Why not provoked, what failed (first problem), or what provoked it. */
  note?: string;
  /** Responses in this cell the gate observed (inputs: 1 once sent). */
  observations: number;
}

export interface CoverageTotals {
  /** Cells that could be provoked from outside: provoked + failed + notProvoked. */
  provokable: number;
  provoked: number;
  failed: number;
  notProvoked: number;
  cannotProvoke: number;
}

export interface ContractCoverage {
  responses: CoverageCell[];
  inputs: CoverageCell[];
  totals: { responses: CoverageTotals; inputs: CoverageTotals };
  /** `--min-coverage`: the least share (0–100) of provokable cells that must be provoked, and whether it held. */
  minimum?: { percent: number; held: boolean };
}

/** Input kinds, in the order the grids show them. */
export const INPUT_KINDS = [
  'missing-required',
  'wrong-type',
  'above-maximum',
  'below-minimum',
  'too-long',
  'too-short',
  'pattern',
  'outside-enum',
  'too-few-items',
  'unknown-property',
  'not-an-object',
  'malformed-json',
  'wrong-media-type',
  'oversized',
  'missing-header',
  'query',
  'path',
] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

export function coverageTotals(cells: readonly CoverageCell[]): CoverageTotals {
  const totals: CoverageTotals = { provokable: 0, provoked: 0, failed: 0, notProvoked: 0, cannotProvoke: 0 };
  for (const cell of cells) {
    if (cell.state === 'provoked') totals.provoked += 1;
    else if (cell.state === 'failed') totals.failed += 1;
    else if (cell.state === 'not-provoked') totals.notProvoked += 1;
    else totals.cannotProvoke += 1;
  }
  totals.provokable = totals.provoked + totals.failed + totals.notProvoked;
  return totals;
}

/** `responses 41/44, inputs 96/96` (provoked, failed included, over provokable), for console lines and summaries. */
export function coverageFigure(coverage: ContractCoverage): string {
  const part = (name: string, t: CoverageTotals) => `${name} ${t.provoked + t.failed}/${t.provokable}${t.failed > 0 ? ` (${t.failed} failed)` : ''}`;
  return `${part('responses', coverage.totals.responses)}, ${part('inputs', coverage.totals.inputs)}`;
}
