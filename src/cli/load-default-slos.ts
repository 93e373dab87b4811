import { LOAD_DEFAULTS } from '../load/options.js';

/**
 * The thresholds `roomgate load` applies when the user gives none: the seed's
 * latency and availability targets. A default on an operation the mix never
 * calls is left out with a note: it would be "no data" (a failure) for a run
 * that did exactly what it was asked (`--mix get=100` failed on
 * `create_room.p50`). Thresholds the user writes are never dropped; on an
 * uncalled operation they still fail as no-data.
 */
interface DefaultSlo {
  expression: string;
  /** The operation the threshold reads, when it reads one. */
  operation?: string;
  /** Needs the OpenAPI document (schema sampling). */
  needsSpec?: boolean;
}

const DEFAULT_LOAD_SLOS: readonly DefaultSlo[] = [
  { expression: 'create_room.p50 < 300ms', operation: 'create_room' },
  { expression: 'availability >= 99.9%' },
  { expression: 'schema_violations == 0', needsSpec: true },
];

export interface DefaultSlos {
  slos: string[];
  /** One line per default left out, saying why. */
  notes: string[];
}

export function defaultLoadSlos(options: { specAvailable: boolean; mix: Readonly<Record<string, number>> | undefined }): DefaultSlos {
  const mix: Readonly<Record<string, number>> = options.mix ?? LOAD_DEFAULTS.mix;
  const slos: string[] = [];
  const notes: string[] = [];
  for (const slo of DEFAULT_LOAD_SLOS) {
    if (slo.needsSpec === true && !options.specAvailable) continue;
    if (slo.operation !== undefined && !((mix[slo.operation] ?? 0) > 0)) {
      notes.push(`default SLO ${slo.expression} skipped: the mix never calls ${slo.operation}`);
      continue;
    }
    slos.push(slo.expression);
  }
  return { slos, notes };
}
