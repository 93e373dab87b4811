import { MetricsRegistry } from '../metrics/registry.js';
import { evaluateSlos } from '../slo/evaluate.js';
import type { MetricCatalog, Slo, SloVerdict } from '../slo/types.js';
import type { RecoveryTime } from './recovery-time.js';

/**
 * What an incident's own thresholds may name (`slos:` of an incident):
 *
 * ```yaml
 * slos:
 *   - recovery_time < 30s        # from its end to the first window that meets every SLO again
 *   - recovery_relapses == 0     # windows after the recovery that failed again
 * ```
 */
export const INCIDENT_METRICS: MetricCatalog = {
  metrics: {
    recovery_time: {
      kind: 'duration',
      description: 'from the end of the incident to the first window in which every measured step met its SLOs again, ms',
      perOperation: false,
    },
    recovery_relapses: {
      kind: 'count',
      description: 'windows after the recovery that failed their SLOs again',
      counter: 'recovery_relapses',
      requires: 'recovered',
      perOperation: false,
    },
  },
};

/**
 * An incident's thresholds judged on its recovery, with the same evaluator
 * as every SLO. "Not recovered by the end of the run" fails a recovery_time
 * threshold outright (observed: how long it was judged without recovering,
 * a lower bound), never passes it; a run that ended with the incident has
 * nothing to judge (no-data, which gates like a failure).
 */
export function judgeRecovery(slos: readonly Slo[], recovery: RecoveryTime, incidentEndMs: number): SloVerdict[] {
  const registry = new MetricsRegistry({ startedAtMs: incidentEndMs, now: () => incidentEndMs });
  if (recovery.status === 'recovered') {
    registry.record('recovery_time', '', 'ok', recovery.recoveryMs);
    registry.increment('recovered');
    registry.increment('recovery_relapses', '', recovery.relapses);
  }
  registry.finish(incidentEndMs);
  return evaluateSlos(slos, registry, INCIDENT_METRICS).map((verdict, i) => {
    if (recovery.status !== 'not-recovered' || slos[i]!.metric !== 'recovery_time') return verdict;
    const { expression, metric, threshold, unit } = verdict;
    return { expression, metric, threshold, unit, status: 'failed', observed: recovery.judgedUntilMs - incidentEndMs };
  });
}
