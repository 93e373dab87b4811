import type { BrowserStepOptions } from './options.js';
import { UsageError } from '../errors.js';

/** Offsets (ms from the step's start) at which participant i starts navigating. */
export function arrivalOffsets(count: number, arrival: NonNullable<BrowserStepOptions['arrival']>): number[] {
  if (arrival.kind === 'burst') return Array.from({ length: count }, () => 0);
  return Array.from({ length: count }, (_, i) => (i * 1000) / arrival.perSecond);
}

/** `burst` or `ramp:N/s` (the CLI form). */
export function parseArrival(text: string): NonNullable<BrowserStepOptions['arrival']> {
  if (text === 'burst') return { kind: 'burst' };
  const match = /^ramp:(\d+(?:\.\d+)?)\/s$/.exec(text);
  if (match !== null && Number(match[1]) > 0) return { kind: 'ramp', perSecond: Number(match[1]) };
  throw new UsageError(`--arrival "${text}" is not burst or ramp:N/s`, { hint: 'e.g. --arrival burst, or --arrival ramp:2/s' });
}
