import type { LoadOperations, LoadRole } from '../load/load-operations.js';

/**
 * The thresholds `roomgate load` applies when the user gives none: the seed's
 * latency and availability targets, the error rate (a target that answers
 * 404 to everything never answers 5xx, so availability alone passed it), the
 * schema under load, and no room created twice by a retried create. Each
 * names the operations as the target profile does (`create_room.p50` for
 * VideoConnect, `createMeeting.p50` for a profile whose create is
 * createMeeting).
 *
 * A default on an operation the mix never calls is left out with a note: it
 * would be "no data" (a failure) for a run that did exactly what it was asked
 * (`--mix get=100` failed on `create_room.p50`). Thresholds the user writes
 * are never dropped; on an uncalled operation they still fail as no-data.
 */
interface DefaultSlo {
  expression: (operations: LoadOperations) => string;
  /** The role whose operation the threshold reads, or that must be called for it to mean anything. */
  role?: LoadRole;
  /** Needs the OpenAPI document (schema sampling). */
  needsSpec?: boolean;
  /** Needs the profile to promise idempotent creates and to let the run's rooms be listed by name. */
  needsIdempotency?: boolean;
}

const DEFAULT_LOAD_SLOS: readonly DefaultSlo[] = [
  { expression: (ops) => `${ops.get('create').name}.p50 < 300ms`, role: 'create' },
  { expression: () => 'availability >= 99.9%' },
  { expression: () => 'error_rate < 0.1%' },
  { expression: () => 'schema_violations == 0', needsSpec: true },
  { expression: () => 'duplicate_rooms == 0', role: 'create', needsIdempotency: true },
];

export interface DefaultSlos {
  slos: string[];
  /** One line per default left out, saying why. */
  notes: string[];
}

export interface DefaultSloContext {
  /** Responses are schema-sampled (a sample rate above 0). */
  specAvailable: boolean;
  operations: LoadOperations;
  /** The roles the mix calls. */
  called: ReadonlySet<LoadRole>;
  /** Creates carry an idempotency key, and the run's rooms can be listed by name. */
  idempotentCreates: boolean;
}

export function defaultLoadSlos(context: DefaultSloContext): DefaultSlos {
  const slos: string[] = [];
  const notes: string[] = [];
  for (const slo of DEFAULT_LOAD_SLOS) {
    if (slo.needsSpec === true && !context.specAvailable) continue;
    if (slo.needsIdempotency === true && !context.idempotentCreates) continue;
    if (slo.role !== undefined && !context.called.has(slo.role)) {
      const name = context.operations.has(slo.role) ? context.operations.get(slo.role).name : slo.role;
      notes.push(`default SLO ${slo.expression(context.operations)} skipped: the mix never calls ${name}`);
      continue;
    }
    slos.push(slo.expression(context.operations));
  }
  return { slos, notes };
}
