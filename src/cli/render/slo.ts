import type { SloVerdict } from '../../model/result.js';
import { ansi } from '../color.js';

/** One SLO verdict as a console line: `ok   create_room.p50 < 300ms (observed 212.4ms)`, `FAIL …`, `NO DATA …`. */
export function sloLine(verdict: SloVerdict, color: boolean): string {
  const mark = verdict.status === 'passed' ? ansi(32, 'ok  ', color) : verdict.status === 'failed' ? ansi(31, 'FAIL', color) : ansi(31, 'NO DATA', color);
  return `  ${mark} ${verdict.expression}${verdict.status === 'no-data' ? ' (no data)' : ` (observed ${formatObserved(verdict)})`}`;
}

function formatObserved(verdict: Exclude<SloVerdict, { status: 'no-data' }>): string {
  switch (verdict.unit) {
    case 'ms':
      return `${Math.round(verdict.observed * 100) / 100}ms`;
    case 'ratio':
      return `${Math.round(verdict.observed * 100_000) / 1000}%`;
    case 'per_second':
      return `${Math.round(verdict.observed * 10) / 10}/s`;
    case 'count':
      return String(verdict.observed);
  }
}
