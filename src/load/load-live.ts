import type { RunEvent, WindowSummary } from '../model/events.js';
import type { SloVerdict } from '../model/result.js';
import { MetricsRegistry, SHORT_TAIL_FRACTION } from '../metrics/registry.js';
import type { SloWatch } from '../slo/watch.js';
import { windowSummary } from './build-load-summary.js';
import { COUNTERS, LOAD_SERIES } from './load-metrics.js';
import type { OpenLoopScheduler } from './open-loop.js';
import type { SerializedWindow } from '../metrics/serialized.js';
import type { ResolvedLoad } from './resolve-load.js';

const PROGRESS_EVERY_MS = 1000;

export interface LoadLiveOptions {
  load: ResolvedLoad;
  registry: MetricsRegistry;
  watch: SloWatch;
  emit: (event: RunEvent) => void;
  /** Called once, with the first abort_on_fail threshold breached after its grace period. */
  onBreach: (breach: SloVerdict) => void;
  /** The soak scheduler once it exists (its late/dropped figures go into progress). */
  scheduler: () => OpenLoopScheduler | undefined;
  /** Requests autocannon has sent so far (burst). */
  burstSent: () => number;
  /**
   * Where the periodic work runs: the soak scheduler's `defer` (in a gap
   * between sends, so sealing a window never makes a send late), or at once.
   */
  defer: (task: () => void) => void;
}

/**
 * The timed run's clocks: every `windowMs` the open window is sealed, emitted
 * and checked against abort_on_fail thresholds; every second a progress event.
 * `stop()` ends both and emits the last partial window, so the run's windows
 * always cover it to the end.
 */
export class LoadLive {
  readonly windows: WindowSummary[] = [];
  private readonly windowTimer: NodeJS.Timeout;
  private readonly progressTimer: NodeJS.Timeout;
  private breached = false;
  private lastResponses = 0;
  private lastAt = Date.now();

  constructor(private readonly options: LoadLiveOptions) {
    this.windowTimer = setInterval(() => options.defer(() => this.sealWindow()), options.load.windowMs);
    this.progressTimer = setInterval(() => options.defer(() => this.progress()), PROGRESS_EVERY_MS);
    this.progressTimer.unref();
  }

  /** Stops the clocks; call after `registry.finish()`. */
  stop(): void {
    clearInterval(this.windowTimer);
    clearInterval(this.progressTimer);
  }

  /**
   * After `registry.finish()`: the last (partial) window, unless the timer
   * already emitted it. When finish() folded a short tail into the window the
   * timer emitted, the summary's copy is updated in place (its line was
   * already printed; printing it again would show one window twice).
   */
  flushLastWindow(): void {
    const last = this.options.registry.windows().at(-1);
    const emitted = this.windows.at(-1);
    if (last === undefined || emitted?.endMs === last.endMs) return;
    if (emitted !== undefined && emitted.startMs === last.startMs) this.windows[this.windows.length - 1] = windowSummary(last, this.segments());
    else this.push(windowSummary(last, this.segments()));
  }

  private segments() {
    return this.options.load.options.mode === 'soak' ? this.options.load.segments : undefined;
  }

  private push(summary: WindowSummary): void {
    this.windows.push(summary);
    this.options.emit({ type: 'window', at: Date.now(), step: this.options.load.name, window: summary });
  }

  /**
   * Seal the open window, then (as a deferred task of its own, in the next
   * gap of the schedule) summarize it, emit it and check abort_on_fail
   * thresholds: two shorter pauses instead of one long one.
   */
  private sealWindow(): void {
    const { registry, load } = this.options;
    if (registry.finished) return;
    // The run ends within a quarter window: let finish() seal this window at the real end, so
    // the responses still in flight land in it rather than in a sliver of a window after it.
    if (load.totalMs !== undefined && load.totalMs - registry.durationMs < registry.windowMs * SHORT_TAIL_FRACTION) return;
    const sealed = registry.closeWindow();
    this.options.defer(() => this.publish(sealed));
  }

  private publish(sealed: SerializedWindow): void {
    const { registry, watch } = this.options;
    this.push(windowSummary(sealed, this.segments()));
    if (watch.active && !this.breached) {
      const breach = watch.check(registry, registry.durationMs);
      if (breach !== undefined) {
        this.breached = true;
        this.options.onBreach(breach);
      }
    }
  }

  private progress(): void {
    const { registry, load } = this.options;
    const now = Date.now();
    const responses = registry.counter(COUNTERS.responses);
    const rate = ((responses - this.lastResponses) * 1000) / Math.max(1, now - this.lastAt);
    this.lastResponses = responses;
    this.lastAt = now;
    const attempts = registry.counter(COUNTERS.attempts);
    const errors = registry.counter(COUNTERS.errors);
    const snap = this.options.scheduler()?.snapshot();
    const elapsedMs = now - registry.startedAtMs;
    this.options.emit({
      type: 'progress',
      at: now,
      step: load.name,
      progress: {
        elapsedMs,
        ...(load.totalMs === undefined ? {} : { totalMs: load.totalMs, fraction: Math.min(1, elapsedMs / load.totalMs) }),
        figures: {
          ...(snap === undefined ? {} : { 'target/s': Math.round(snap.targetRate), inflight: snap.inFlight, late: snap.late, dropped: snap.dropped }),
          ...(snap === undefined && load.options.mode === 'burst' ? { sent: this.options.burstSent() } : {}),
          'req/s': Math.round(rate),
          'err%': attempts === 0 ? 0 : Math.round((errors / attempts) * 10000) / 100,
        },
      },
    });
  }
}

/**
 * Run the window path once on a throwaway registry before the timed run:
 * the first seal of a run compiles histogram encoding, summaries and
 * decoding (measured at 150–270 ms on a busy 2-core host, against 20–60 ms
 * for every later one), and that first-time cost must not land between two
 * scheduled sends.
 */
export function warmUpWindowPath(operations: readonly string[], windowMs: number): void {
  const registry = new MetricsRegistry({ windowMs });
  for (const op of operations) {
    for (let i = 1; i <= 50; i++) {
      registry.record(LOAD_SERIES.latency, op, '2xx', i * 1.7);
      registry.record(LOAD_SERIES.serviceTime, op, '2xx', i * 1.3);
    }
    registry.increment(COUNTERS.responses, op);
  }
  for (let i = 0; i < 2; i++) windowSummary(registry.closeWindow(), undefined);
  registry.finish();
  registry.serialize();
}
