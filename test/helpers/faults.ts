import { FAULT_NAMES, FAULTS, type FaultCatcher, type FaultName } from '../../src/reference/faults.js';

/** A fault with what catches it, narrowed to one step. */
export interface CaughtFault<S extends FaultCatcher['step']> {
  fault: FaultName;
  caughtBy: Extract<FaultCatcher, { step: S }>;
}

function isCaughtBy<S extends FaultCatcher['step']>(step: S, caughtBy: FaultCatcher): caughtBy is Extract<FaultCatcher, { step: S }> {
  return caughtBy.step === step;
}

/** The faults the given step catches, in the order of src/reference/faults.ts: the rows of the fault tests. */
export function faultsCaughtBy<S extends FaultCatcher['step']>(step: S): CaughtFault<S>[] {
  const caught: CaughtFault<S>[] = [];
  for (const fault of FAULT_NAMES) {
    const caughtBy: FaultCatcher = FAULTS[fault].caughtBy;
    if (isCaughtBy(step, caughtBy)) caught.push({ fault, caughtBy });
  }
  return caught;
}

/** What a person reads as the catch of a fault: its checks, or its SLO. */
export function catchNames(fault: FaultName): readonly string[] {
  const caughtBy: FaultCatcher = FAULTS[fault].caughtBy;
  return 'slo' in caughtBy ? [caughtBy.slo] : caughtBy.checks;
}

/** The one check that catches `fault` (for a test about that fault alone). */
export function catchingCheck(fault: FaultName): string {
  const caughtBy: FaultCatcher = FAULTS[fault].caughtBy;
  if ('slo' in caughtBy || caughtBy.checks.length !== 1) throw new Error(`${fault} is not caught by exactly one check (src/reference/faults.ts)`);
  return caughtBy.checks[0]!;
}
