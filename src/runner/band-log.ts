import type { Band, RunEvent } from '../model/events.js';
import type { Interval } from '../slo/scope.js';

/**
 * The bands of one scenario as they went by on the bus (phases the runner
 * emits for every run of a step, incidents the incidents step emits), so
 * scoped thresholds (`during burst`, `outside api-outage`) and recovery time
 * can ask when a step or an incident was on. A band still open when asked
 * (a run cut short) counts up to the moment of asking.
 */
export class BandLog {
  private readonly bands = new Map<string, { step: string; band: Band }>();

  readonly observe = (event: RunEvent): void => {
    if (event.type !== 'band') return;
    const known = this.bands.get(event.band.id);
    this.bands.set(event.band.id, { step: event.step, band: known === undefined ? event.band : { ...known.band, ...event.band } });
  };

  /**
   * When `name` was on: the runs of the step of that name, the incident of
   * that name, or every incident of the incidents step of that name.
   */
  intervalsOf(name: string, nowMs: number): Interval[] {
    const out: Interval[] = [];
    for (const { step, band } of this.bands.values()) {
      const matches = band.kind === 'phase' ? step === name : band.kind === 'incident' ? band.id === name || step === name : false;
      if (matches) out.push({ startMs: band.startMs, endMs: band.endMs ?? nowMs });
    }
    return out.sort((a, b) => a.startMs - b.startMs);
  }

  /** The incident bands of one incidents step. */
  incidents(step: string): Band[] {
    return [...this.bands.values()].filter((b) => b.step === step && b.band.kind === 'incident').map((b) => b.band);
  }
}
