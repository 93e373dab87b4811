import type { FaultName } from '../reference/faults.js';
import { UsageError } from '../errors.js';

/** Placeholder until the reference server lands. */
export async function serve(_options: { port: number; host: string; faults: FaultName[] }): Promise<number> {
  throw new UsageError('the reference server is not built yet');
}
