import type { MetricsRegistry } from '../../metrics/registry.js';
import type { WindowSummary } from '../../model/events.js';
import type { ParticipantRecord } from '../participant/participant.js';
import { recordQuality } from '../browser-metrics.js';
import { statsInterval } from './stats-interval.js';
import { frozenTime } from './video-freezes.js';
import { browserWindowSummary, windowQuality } from './window-quality.js';

export interface QualityTimelineOptions {
  registry: MetricsRegistry;
  /** Every participant of the step, with the registry operation it records under (its cohort). */
  participants: readonly { record: ParticipantRecord; operation: string }[];
  /** The key a window's quality shows for an operation (`join` → `all` without cohorts). */
  rename?: (operation: string) => string;
  emitWindow: (window: WindowSummary) => void;
}

/**
 * Quality as a time series: after every sampling round of the hold, each
 * participant's new interval (the difference to its previous sample) goes
 * into the registry at once, so it lands in the time window it belongs to;
 * every `registry.windowMs` the window is sealed and emitted as a `window`
 * event with each cohort's quality, so a timeline (and a killed run's
 * events.ndjson) shows quality while the hold goes on.
 */
export class QualityTimeline {
  private readonly recorded = new Map<ParticipantRecord, number>();
  private timer: NodeJS.Timeout | undefined;
  private hold: { from: number; to?: number } | undefined;

  constructor(private readonly options: QualityTimelineOptions) {}

  /** Seal and emit a window every `windowMs` from now on. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.seal(Date.now()), this.options.registry.windowMs);
    this.timer.unref();
  }

  holdStarted(at: number): void {
    this.hold = { from: at };
  }

  holdEnded(at: number): void {
    if (this.hold !== undefined) this.hold.to = at;
  }

  /** Record every interval not yet recorded (call after each sampling round). */
  recordNewSamples(): void {
    for (const { record, operation } of this.options.participants) {
      const done = this.recorded.get(record) ?? 1;
      for (let i = Math.max(1, done); i < record.samples.length; i++) {
        const interval = statsInterval(record.samples[i - 1]!, record.samples[i]!);
        if (interval === undefined) continue;
        const r = this.options.registry;
        if (interval.fps !== undefined) recordQuality(r, 'fps', operation, interval.fps);
        if (interval.bitrateKbps !== undefined) recordQuality(r, 'bitrate', operation, interval.bitrateKbps);
        if (interval.frameHeight !== undefined) recordQuality(r, 'frame_height', operation, interval.frameHeight);
        if (interval.packetLoss !== undefined) recordQuality(r, 'packet_loss', operation, interval.packetLoss);
        if (interval.jitterMs !== undefined) recordQuality(r, 'jitter', operation, interval.jitterMs);
        if (interval.rttMs !== undefined) recordQuality(r, 'rtt', operation, interval.rttMs);
        if (interval.mos !== undefined) recordQuality(r, 'mos', operation, interval.mos);
      }
      this.recorded.set(record, Math.max(done, record.samples.length));
    }
  }

  /** Stop the window timer (idempotent). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * The last window: everything recorded since the last seal (the judged
   * participants included) is sealed and emitted, then the registry is
   * finished. Call once, after the last record.
   */
  finish(at: number = Date.now()): void {
    this.stop();
    const { registry } = this.options;
    if (registry.finished) return;
    this.seal(at);
    registry.finish(at);
  }

  private seal(at: number): void {
    const window = this.options.registry.closeWindow(at);
    const quality = windowQuality(window, this.frozenRatios(window.startMs, window.endMs), this.options.rename);
    this.options.emitWindow(browserWindowSummary(window, quality));
  }

  /** Per operation: each participant's frozen share of the window (offsets from the registry's start), within the hold. */
  private frozenRatios(startMs: number, endMs: number): Map<string, number[]> {
    const out = new Map<string, number[]>();
    if (this.hold === undefined) return out;
    const origin = this.options.registry.startedAtMs;
    const span = { from: Math.max(origin + startMs, this.hold.from), to: Math.min(origin + endMs, this.hold.to ?? Number.POSITIVE_INFINITY) };
    if (span.to <= span.from) return out;
    for (const { record, operation } of this.options.participants) {
      const last = record.samples.at(-1);
      if (last === undefined) continue;
      const ratio = frozenTime(last, span).ratio;
      if (ratio === undefined) continue;
      const list = out.get(operation) ?? [];
      list.push(ratio);
      out.set(operation, list);
    }
    return out;
  }
}
