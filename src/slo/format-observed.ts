import type { SloUnit } from './types.js';

/** An observed SLO value in its unit, for a verdict's reason: `1824.77ms`, `0.5%`, `12.3/s`, `3`. */
export function formatObserved(value: number, unit: SloUnit): string {
  switch (unit) {
    case 'ms':
      return `${Math.round(value * 100) / 100}ms`;
    case 'ratio':
      return `${Math.round(value * 10000) / 100}%`;
    case 'per_second':
      return `${Math.round(value * 10) / 10}/s`;
    case 'count':
      return String(value);
  }
}
