/**
 * Intended send times of an open-loop run: piecewise constant or linearly
 * ramping arrival rates. The k-th arrival of a segment is at the time t where
 * the expected arrival count N(t) = r0·t + (r1 − r0)·t²/(2T) equals k, so
 * the times are exact (no drift accumulates, however long the run) and need
 * no per-arrival storage.
 */
export interface RateSegment {
  durationMs: number;
  /** Rate (per second) at the start of the segment. */
  fromRate: number;
  /** Rate at the end; equal to fromRate for a constant segment. */
  toRate: number;
}

export class ArrivalSchedule {
  private segment = 0;
  private k = 0;
  private segmentStartMs = 0;

  constructor(private readonly segments: readonly RateSegment[]) {}

  /** Total length, ms. */
  get totalMs(): number {
    return this.segments.reduce((sum, s) => sum + s.durationMs, 0);
  }

  /** Expected number of arrivals over the whole schedule. */
  get expectedArrivals(): number {
    return this.segments.reduce((sum, s) => sum + ((s.fromRate + s.toRate) / 2) * (s.durationMs / 1000), 0);
  }

  /** The rate (per second) intended at `offsetMs`. */
  rateAt(offsetMs: number): number {
    let start = 0;
    for (const s of this.segments) {
      if (offsetMs < start + s.durationMs) return s.fromRate + (s.toRate - s.fromRate) * ((offsetMs - start) / s.durationMs);
      start += s.durationMs;
    }
    return 0;
  }

  /** The next intended send time (ms from the start), or undefined when the schedule is over. */
  next(): number | undefined {
    while (this.segment < this.segments.length) {
      const s = this.segments[this.segment]!;
      const t = arrivalTime(s, this.k);
      if (t !== undefined && t < s.durationMs) {
        this.k += 1;
        return this.segmentStartMs + t;
      }
      this.segmentStartMs += s.durationMs;
      this.segment += 1;
      this.k = 0;
    }
    return undefined;
  }
}

/** Time (ms into the segment) of its k-th arrival, k = 0, 1, …; undefined if the rate never gets there. */
function arrivalTime(s: RateSegment, k: number): number | undefined {
  const T = s.durationMs / 1000;
  const b = s.fromRate;
  const a = T > 0 ? (s.toRate - s.fromRate) / (2 * T) : 0;
  if (Math.abs(a) < 1e-12) return b > 0 ? (k / b) * 1000 : undefined;
  const disc = b * b + 4 * a * k;
  if (disc < 0) return undefined;
  return ((-b + Math.sqrt(disc)) / (2 * a)) * 1000;
}
