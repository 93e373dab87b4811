import type { MetricsRegistry } from '../metrics/registry.js';
import { evaluateSlo } from './evaluate.js';
import type { MetricCatalog, Slo, SloVerdict } from './types.js';

/**
 * `abort_on_fail` during a run: after each sealed window the step asks the
 * watch whether an aborting threshold is breached. Sliding-window thresholds
 * are judged on their latest windows, whole-run thresholds on everything so
 * far; `no-data` never aborts (the run may simply not have sent that
 * operation yet); nothing aborts before the threshold's grace period.
 */
export class SloWatch {
  private readonly aborting: readonly Slo[];

  constructor(
    slos: readonly Slo[],
    private readonly catalog: MetricCatalog,
  ) {
    this.aborting = slos.filter((slo) => slo.abortOnFail);
  }

  get active(): boolean {
    return this.aborting.length > 0;
  }

  /** The first breached aborting threshold, or undefined. `elapsedMs` since the run started. */
  check(registry: MetricsRegistry, elapsedMs: number): SloVerdict | undefined {
    for (const slo of this.aborting) {
      if (elapsedMs < slo.graceMs) continue;
      const verdict = evaluateSlo(slo, registry, this.catalog);
      if (verdict.status === 'failed') return verdict;
    }
    return undefined;
  }
}
