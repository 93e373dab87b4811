import type { RunEvent } from '../model/events.js';

/**
 * Which steps the sink waits for, read off the run's lifecycle events: it
 * listens while the steps it watches run, and is done once they have all
 * ended. Named steps (`steps:`) are waited for by name (a skipped one ends
 * too: the runner reports it with a step-end); a step's first `room` event
 * counts as its start when its step-start came before the sink listened; otherwise every other step
 * that starts while the sink listens is watched, and the sink is done once at
 * least one has ended and none is running.
 */
export class WatchedSteps {
  private readonly running = new Set<string>();
  private readonly ended = new Set<string>();
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly self: string,
    private readonly named: readonly string[] | undefined,
  ) {}

  watches(step: string): boolean {
    return step !== this.self && (this.named === undefined || this.named.includes(step));
  }

  /** The bus listener's lifecycle half. */
  observe(event: RunEvent): void {
    if (event.type === 'step-start' && this.watches(event.step)) {
      this.running.add(event.step);
    } else if (event.type === 'room' && this.watches(event.step) && !this.running.has(event.step) && !this.ended.has(event.step)) {
      // In a parallel group a load step is launched its setup lead before its slot, so its step-start can
      // come before the sink is listening; a room it announces says it is running just as well.
      this.running.add(event.step);
    } else if (
      event.type === 'band' &&
      event.band.kind === 'phase' &&
      event.band.endMs !== undefined &&
      event.band.id === event.step &&
      this.watches(event.step)
    ) {
      // The end of a step's one run (a recurring step's bands are `<name>#<n>`, and its step-end says when all are done).
      // A step with `during`/`outside` thresholds is recorded (step-end) only once its whole group has ended, and the
      // group waits for the sink: its band's end is when it really stopped making rooms.
      this.running.delete(event.step);
      this.ended.add(event.step);
    } else if (event.type === 'step-end' && this.watches(event.step)) {
      this.running.delete(event.step);
      this.ended.add(event.step);
    } else {
      return;
    }
    for (const wake of this.wakers) wake();
  }

  /** A watched step has started (or ended, for one reported skipped without a start). */
  get anyStarted(): boolean {
    return this.running.size > 0 || this.ended.size > 0;
  }

  get done(): boolean {
    if (this.named !== undefined) return this.named.every((name) => this.ended.has(name));
    return this.ended.size > 0 && this.running.size === 0;
  }

  /** The steps seen so far, for the summary. */
  seen(): string[] {
    return [...new Set([...this.ended, ...this.running])];
  }

  /** Resolves at the next lifecycle change of a watched step, or when the signal aborts. */
  changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        this.wakers.delete(finish);
        signal.removeEventListener('abort', finish);
        resolve();
      };
      if (signal.aborted) return resolve();
      this.wakers.add(finish);
      signal.addEventListener('abort', finish, { once: true });
    });
  }
}
