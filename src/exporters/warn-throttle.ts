/**
 * Reports a recurring failure at most once per interval (default one minute):
 * the first occurrence at once, later ones folded into a count that rides on
 * the next report. An exporter whose collector is down fails on every push;
 * one line a minute says so without drowning the run's own output.
 */
export class WarnThrottle {
  private lastAtMs: number | undefined;
  private suppressed = 0;
  private total = 0;

  constructor(
    private readonly report: (message: string) => void,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Occurrences so far, reported or not. */
  get count(): number {
    return this.total;
  }

  warn(message: string): void {
    this.total += 1;
    const now = this.now();
    if (this.lastAtMs !== undefined && now - this.lastAtMs < this.intervalMs) {
      this.suppressed += 1;
      return;
    }
    const folded = this.suppressed === 0 ? '' : ` (${this.suppressed} more since the last warning)`;
    this.suppressed = 0;
    this.lastAtMs = now;
    this.report(`${message}${folded}`);
  }
}
