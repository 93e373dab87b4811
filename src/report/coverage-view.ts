import { coverageFigure, INPUT_KINDS, type ContractCoverage, type CoverageCell, type CoverageState } from '../model/coverage.js';

/**
 * The contract coverage map as the reports show it, computed once here (in
 * Node) so report.html's script only draws and summary.md only lists:
 *
 * - responses grid: rows = operations, columns = every declared status of any
 *   operation, numerically; a cell is one (operation, status) or absent (the
 *   operation does not declare that status);
 * - inputs grid: rows = operations, columns = the INPUT_KINDS that occur (in
 *   that order; unknown kinds after them); a cell groups every case of one
 *   (operation, kind), shows `provoked/total` and takes the worst state.
 */
export interface CoverageGridCell {
  /** Absent when the operation declares no such status / has no such input case. */
  state?: CoverageState;
  /** What the cell shows: a mark for responses, `provoked/total` for inputs. */
  text: string;
  /** The tooltip: state, observations and note (inputs: one line per case). */
  title: string;
}

export interface CoverageGrid {
  columns: string[];
  rows: { operationId: string; cells: CoverageGridCell[] }[];
}

export interface CoverageView {
  step: string;
  /** `responses 41/44 (1 failed), inputs 96/96` (coverageFigure). */
  figure: string;
  /** `min coverage 100 %: not held`, when --min-coverage was given. */
  minimum?: string;
  responses: CoverageGrid;
  inputs: CoverageGrid;
}

/** Failed first: the state a grouped cell is coloured by is the worst of its cases. */
const SEVERITY: Record<CoverageState, number> = { failed: 3, 'not-provoked': 2, provoked: 1, 'cannot-provoke': 0 };

export function worstCoverageState(states: readonly CoverageState[]): CoverageState | undefined {
  let worst: CoverageState | undefined;
  for (const state of states) if (worst === undefined || SEVERITY[state] > SEVERITY[worst]) worst = state;
  return worst;
}

export const RESPONSE_MARK: Record<CoverageState, string> = { provoked: '✓', failed: '✗', 'not-provoked': '?', 'cannot-provoke': '–' };

export function minimumText(coverage: ContractCoverage): string | undefined {
  const { minimum } = coverage;
  return minimum === undefined ? undefined : `min coverage ${minimum.percent} %: ${minimum.held ? 'held' : 'not held'}`;
}

export function buildCoverageView(step: string, coverage: ContractCoverage): CoverageView {
  const operations = operationOrder(coverage);
  const minimum = minimumText(coverage);
  return {
    step,
    figure: coverageFigure(coverage),
    ...(minimum === undefined ? {} : { minimum }),
    responses: responsesGrid(operations, coverage.responses),
    inputs: inputsGrid(operations, coverage.inputs),
  };
}

/** Operations in the order the document lists them (the cells' order), responses first. */
function operationOrder(coverage: ContractCoverage): string[] {
  const seen = new Set<string>();
  for (const cell of [...coverage.responses, ...coverage.inputs]) seen.add(cell.operationId);
  return [...seen];
}

function responsesGrid(operations: readonly string[], cells: readonly CoverageCell[]): CoverageGrid {
  const columns = [...new Set(cells.map((c) => c.kind))].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  return grid(operations, cells, columns, (operationId, status) => {
    const cell = cells.find((c) => c.operationId === operationId && c.kind === status);
    if (cell === undefined) return { text: '', title: `${operationId} ${status}: not declared` };
    return { state: cell.state, text: RESPONSE_MARK[cell.state], title: `${operationId} ${status}: ${describeCell(cell)}` };
  });
}

function inputsGrid(operations: readonly string[], cells: readonly CoverageCell[]): CoverageGrid {
  const known: readonly string[] = INPUT_KINDS;
  const occurring = new Set(cells.map((c) => c.kind));
  const columns = [...known.filter((k) => occurring.has(k)), ...[...occurring].filter((k) => !known.includes(k)).sort()];
  return grid(operations, cells, columns, (operationId, kind) => {
    const group = cells.filter((c) => c.operationId === operationId && c.kind === kind);
    const state = worstCoverageState(group.map((c) => c.state));
    if (state === undefined) return { text: '', title: `${operationId} ${kind}: no such input` };
    const provoked = group.filter((c) => c.state === 'provoked').length;
    const lines = group.map((c) => `${c.label ?? c.kind}: ${c.state}${c.note === undefined ? '' : ` — ${c.note}`}`);
    return { state, text: `${provoked}/${group.length}`, title: [`${operationId} ${kind}: ${provoked} of ${group.length} provoked`, ...lines].join('\n') };
  });
}

/** One row per operation that has cells, one grid cell per column. */
function grid(
  operations: readonly string[],
  cells: readonly CoverageCell[],
  columns: string[],
  cellFor: (operationId: string, column: string) => CoverageGridCell,
): CoverageGrid {
  const rows = operations
    .filter((op) => cells.some((c) => c.operationId === op))
    .map((operationId) => ({ operationId, cells: columns.map((column) => cellFor(operationId, column)) }));
  return { columns, rows };
}

function describeCell(cell: CoverageCell): string {
  const seen = `${cell.observations} observation${cell.observations === 1 ? '' : 's'}`;
  return `${cell.state} · ${seen}${cell.note === undefined ? '' : ` · ${cell.note}`}`;
}

/** A cell summary.md lists: failed or not provoked. */
export interface CoverageGap {
  operationId: string;
  /** `response 409` or the input's label. */
  what: string;
  state: 'failed' | 'not-provoked';
  note: string;
}

/** Failed cells first, then not-provoked; responses before inputs; document order within. */
export function coverageGaps(coverage: ContractCoverage): CoverageGap[] {
  const gaps: CoverageGap[] = [];
  for (const state of ['failed', 'not-provoked'] as const) {
    for (const cell of coverage.responses)
      if (cell.state === state) gaps.push({ operationId: cell.operationId, what: `response ${cell.kind}`, state, note: cell.note ?? '' });
    for (const cell of coverage.inputs)
      if (cell.state === state) gaps.push({ operationId: cell.operationId, what: `input ${cell.label ?? cell.kind}`, state, note: cell.note ?? '' });
  }
  return gaps;
}
