import { parseSlos, type ParseSloOptions } from '../slo/parse.js';
import type { Slo } from '../slo/types.js';
import { loadMetricCatalog } from './load-metrics.js';
import type { LoadOperations } from './load-operations.js';
import type { LoadMode } from './options.js';

/**
 * A load step's thresholds, parsed against its catalog and its operations'
 * names and aliases (`createRoom.p99`, `create.p99`), each operation then
 * written as its one metric name so the SLO reads the series the recorder
 * fills. The expression stays as the user wrote it.
 */
export function parseLoadSlos(input: unknown, mode: LoadMode, operations: LoadOperations, options: ParseSloOptions = {}): Slo[] {
  return parseSlos(input, loadMetricCatalog(mode), operations.vocabulary(), options).map((slo) => {
    if (slo.operation === undefined) return slo;
    const name = operations.nameOf(slo.operation);
    return name === undefined || name === slo.operation ? slo : { ...slo, operation: name };
  });
}
