import type { MetricsRegistry } from '../metrics/registry.js';
import type { Slo } from '../slo/types.js';
import { COUNTERS } from './load-metrics.js';

/** The catalog metrics that judge failed requests of any kind (`availability` counts only 5xx and transport errors). */
const ERROR_METRICS: readonly string[] = ['errors', 'error_rate', 'success_rate'];

/**
 * A loud line for a run whose requests failed while none of its thresholds
 * reads failures: a load step once passed with 99 % of its requests failing
 * because its only SLO was a create latency. undefined when nothing failed
 * or an SLO judges errors.
 */
export function unjudgedErrorsNote(registry: MetricsRegistry, slos: readonly Slo[]): string | undefined {
  const errors = registry.counter(COUNTERS.errors);
  if (errors === 0 || slos.some((slo) => ERROR_METRICS.includes(slo.metric))) return undefined;
  const attempts = Math.max(1, registry.counter(COUNTERS.attempts));
  const share = Math.round((errors / attempts) * 10000) / 100;
  return `${errors} of ${attempts} requests failed (${share}%) and no SLO judges errors: the verdict says nothing about them; add one, e.g. --slo "error_rate < 0.1%" (or error_rate in the scenario's slos)`;
}
