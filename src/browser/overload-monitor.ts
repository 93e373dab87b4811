import { cpus } from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { OverloadThresholds } from './options.js';
import type { OverloadReport, OverloadSignal } from '../model/browser-summary.js';
export type { OverloadReport, OverloadSignal };

/** Host CPU at or above this counts towards `hostCpuSaturatedMs` (reporting only). */
const HOST_CPU_REPORT_AT = 0.97;

/**
 * Watches the host while participants run: the event-loop delay of this
 * process (perf_hooks.monitorEventLoopDelay) and host CPU (all cores, from
 * os.cpus() deltas each second). An event loop that cannot keep time means
 * the harness cannot schedule arrivals, polls and deadlines: its numbers
 * measure the host, not the target, and the step is `invalid`. (The step adds
 * a third signal, encoders reporting qualityLimitationReason=cpu.)
 *
 * Host CPU at 100 % alone is *not* an overload signal by default: a bench
 * that saturates Chromium keeps the CPU busy while every participant still
 * gets its frames on time. It is reported (`peakHostCpu`,
 * `hostCpuSaturatedMs`) and becomes a signal only when `maxHostCpu` is set
 * to 1 or less. Thresholds are options; see BrowserStepOptions.overload.
 */
export class OverloadMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private timer: NodeJS.Timeout | undefined;
  private previous = cpuTimes();
  private cpuHighSince: number | undefined;
  private saturatedSince: number | undefined;
  readonly report: OverloadReport = { signals: [], peakHostCpu: 0, peakEventLoopDelayMs: 0, hostCpuSaturatedMs: 0 };

  constructor(private readonly thresholds: Required<OverloadThresholds>) {}

  start(): void {
    this.histogram.enable();
    this.previous = cpuTimes();
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  stop(): OverloadReport {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.histogram.disable();
    return this.report;
  }

  /** True when some signal fired in [from, to] (epoch ms). */
  overloadedBetween(from: number, to: number): boolean {
    return this.report.signals.some((s) => s.at >= from && s.at <= to + 1000);
  }

  /** Add a signal found elsewhere (the encoders' qualityLimitationReason). */
  note(signal: OverloadSignal): void {
    this.report.signals.push(signal);
  }

  private tick(): void {
    const now = Date.now();
    const current = cpuTimes();
    const busy = current.busy - this.previous.busy;
    const total = current.total - this.previous.total;
    this.previous = current;
    const fraction = total > 0 ? busy / total : 0;
    this.report.peakHostCpu = Math.max(this.report.peakHostCpu, fraction);
    if (fraction >= HOST_CPU_REPORT_AT) {
      this.saturatedSince ??= now - 1000;
      this.report.hostCpuSaturatedMs = Math.max(this.report.hostCpuSaturatedMs, now - this.saturatedSince);
    } else {
      this.saturatedSince = undefined;
    }
    if (this.thresholds.maxHostCpu <= 1 && fraction >= this.thresholds.maxHostCpu) {
      this.cpuHighSince ??= now - 1000;
      if (now - this.cpuHighSince >= this.thresholds.cpuSustainedMs) {
        this.report.signals.push({
          kind: 'host_cpu',
          at: now,
          detail: `host CPU ${(fraction * 100).toFixed(0)} % busy for ${((now - this.cpuHighSince) / 1000).toFixed(0)} s (limit ${(this.thresholds.maxHostCpu * 100).toFixed(0)} % for ${this.thresholds.cpuSustainedMs / 1000} s)`,
        });
      }
    } else {
      this.cpuHighSince = undefined;
    }
    const p99 = this.histogram.percentile(99) / 1e6;
    this.histogram.reset();
    this.report.peakEventLoopDelayMs = Math.max(this.report.peakEventLoopDelayMs, p99);
    if (this.thresholds.maxEventLoopDelayMs > 0 && p99 > this.thresholds.maxEventLoopDelayMs) {
      this.report.signals.push({
        kind: 'event_loop',
        at: now,
        detail: `harness event-loop delay p99 ${p99.toFixed(0)} ms over 1 s (limit ${this.thresholds.maxEventLoopDelayMs} ms)`,
      });
    }
  }
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}
