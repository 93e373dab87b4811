import { UsageError } from '../errors.js';
import { FAULTS, isFaultName, type FaultName } from '../reference/faults.js';

/**
 * `--fault NAME ...` as every command takes it: each name must be a known
 * fault, and, for commands that can also point at a foreign target, faults
 * only make sense for the embedded reference server.
 */
export function parseFaultFlags(names: readonly string[] | undefined, target?: string): FaultName[] {
  const faults: FaultName[] = [];
  for (const name of names ?? []) {
    if (!isFaultName(name)) {
      throw new UsageError(`unknown fault "${name}"`, { hint: `choose one of: ${Object.keys(FAULTS).join(', ')}` });
    }
    faults.push(name);
  }
  if (faults.length > 0 && target !== undefined) {
    throw new UsageError('--fault applies to the embedded server only', {
      hint: 'drop --target, or start `roomgate serve --fault …` and point --target at it',
    });
  }
  return faults;
}
