import type { MetricsRegistry } from '../metrics/registry.js';
import type { MetricCatalog, MetricDefinition } from '../slo/types.js';
import { FAILURE_LABELS } from './options.js';

/**
 * What the browser step records into the metrics registry. The operation of
 * every series and counter is the participant's cohort (its name), or `join`
 * when the step has no cohorts: a threshold without a cohort reads all of
 * them together, `lossy:fps.p50 >= 8` reads one.
 *
 * Join figures, one value per participant (histograms, ms):
 * - `join_time`: joined − navigation start (the adapter's `joined` predicate).
 * - `setup_time`: first peer connection connected − first setLocalDescription.
 * - `time_to_first_frame`: first rendered remote frame − navigation start.
 *
 * Quality over the hold (docs/quality-metrics.md), one value per participant
 * and sampling interval, recorded when the interval ends (so they fall into
 * the registry's time windows): `fps`, `bitrate`, `frame_height`,
 * `packet_loss`, `jitter`, `rtt`, `mos`. One value per participant for the
 * whole hold: `freeze_ratio`, `audio_concealment`. One value per participant
 * and network change that interrupted its video: `video_recovery_time`.
 *
 * Counters: `participants`, `participants_succeeded`, `participants_failed`,
 * `failed_<label>` per failure label; `freezes`, `frames_dropped`,
 * `frames_decoded`, `video_not_recovered`.
 */
export const BROWSER_OPERATION = 'join';

/** The registry operation of a participant: its cohort, or `join` in a step without cohorts. */
export function participantOperation(cohort: string | undefined): string {
  return cohort ?? BROWSER_OPERATION;
}

export const BROWSER_SERIES = {
  joinTime: 'join_time',
  setupTime: 'setup_time',
  timeToFirstFrame: 'time_to_first_frame',
} as const;

/** Quality series that are not durations: their values are kept × `scale` (see MetricDefinition `distribution`). */
export const QUALITY_DISTRIBUTIONS = {
  fps: {
    unit: 'count',
    scale: 1,
    description: 'inbound video frames decoded per second, per participant and sampling interval (mean over the videos it receives)',
  },
  bitrate: {
    unit: 'count',
    scale: 1,
    description: 'inbound video bitrate in kbit/s, per participant and sampling interval (mean over the videos it receives)',
  },
  frame_height: {
    unit: 'count',
    scale: 1,
    description: 'height in pixels of the video received, per participant and sampling interval (mean over the videos it receives)',
  },
  packet_loss: { unit: 'ratio', scale: 100, description: 'inbound RTP packets lost / (lost + received), per participant and sampling interval' },
  mos: {
    unit: 'count',
    scale: 1,
    description: 'audio quality estimate on the 1–5 MOS scale (ITU-T G.107 E-model) from loss, jitter and RTT, per participant and sampling interval',
  },
  freeze_ratio: { unit: 'ratio', scale: 100, description: 'time the remote video was frozen / hold time, per participant (mean over the videos it receives)' },
  audio_concealment: { unit: 'ratio', scale: 100, description: 'concealed audio samples / samples received over the hold, per participant' },
} as const satisfies Record<string, { unit: 'ratio' | 'count'; scale: number; description: string }>;

export type QualityDistribution = keyof typeof QUALITY_DISTRIBUTIONS;

/** Quality series that are durations (ms). */
export const QUALITY_LATENCIES = {
  jitter: 'inbound RTP interarrival jitter, ms, per participant and sampling interval (mean over its inbound streams)',
  rtt: 'round-trip time of the selected candidate pair, ms, per participant and sampling interval',
  video_recovery_time: 'first rendered frame after a network change ended − its end, ms, per participant and change that froze its video',
} as const;

export type QualityLatency = keyof typeof QUALITY_LATENCIES;
export type QualityMetric = QualityDistribution | QualityLatency;

export const BROWSER_COUNTERS = {
  participants: 'participants',
  succeeded: 'participants_succeeded',
  failed: 'participants_failed',
  freezes: 'freezes',
  framesDropped: 'frames_dropped',
  framesDecoded: 'frames_decoded',
  videoNotRecovered: 'video_not_recovered',
} as const;

export function failureCounter(label: string): string {
  return `failed_${label}`;
}

/** Record one quality value in its own unit (a ratio as 0..1, fps, ms, …); the scale is applied here. */
export function recordQuality(registry: MetricsRegistry, metric: QualityMetric, operation: string, value: number): void {
  if (!Number.isFinite(value)) return;
  const scale = metric in QUALITY_DISTRIBUTIONS ? QUALITY_DISTRIBUTIONS[metric as QualityDistribution].scale : 1;
  registry.record(metric, operation, 'ok', Math.max(0, value) * scale);
}

/** True for series whose values are not durations (fps, ratios, a MOS): charts of latency must leave them out. */
export function isQualityDistribution(metric: string): boolean {
  return Object.hasOwn(QUALITY_DISTRIBUTIONS, metric);
}

/** The factor a quality series' stored values carry (1 for durations). */
export function qualityScale(metric: string): number {
  return metric in QUALITY_DISTRIBUTIONS ? QUALITY_DISTRIBUTIONS[metric as QualityDistribution].scale : 1;
}

/**
 * The metrics SLOs of a browser step may name, e.g. `join_time.p95 < 5s`,
 * `success_rate >= 99%`, `failed_room_full == 0`, `freeze_ratio.p95 < 2%`,
 * `fps.p50 >= 8`, `mos.p50 >= 3.5`; each also per cohort (`lossy:fps.p50 >= 8`,
 * parsed by parseBrowserSlos).
 */
export function browserMetricCatalog(): MetricCatalog {
  const metrics: Record<string, MetricDefinition> = {
    join_time: { kind: 'latency', description: 'joined − navigation start, ms' },
    setup_time: { kind: 'latency', description: 'peer connection connected − first setLocalDescription, ms' },
    time_to_first_frame: { kind: 'latency', description: 'first rendered remote video frame − navigation start, ms' },
    success_rate: {
      kind: 'ratio',
      description: 'participants who joined (and saw video when others were in the room) / all participants',
      numerator: [BROWSER_COUNTERS.succeeded],
      denominator: [BROWSER_COUNTERS.participants],
    },
    failure_rate: {
      kind: 'ratio',
      description: 'failed participants / all participants',
      numerator: [BROWSER_COUNTERS.failed],
      denominator: [BROWSER_COUNTERS.participants],
    },
    participants: { kind: 'count', description: 'participants started', counter: BROWSER_COUNTERS.participants },
    participants_failed: {
      kind: 'count',
      description: 'participants that failed',
      counter: BROWSER_COUNTERS.failed,
      requires: BROWSER_COUNTERS.participants,
    },
    freezes: {
      kind: 'count',
      description: 'freezes of rendered remote video during the hold, all participants',
      counter: BROWSER_COUNTERS.freezes,
      requires: BROWSER_COUNTERS.participants,
    },
    frames_dropped: {
      kind: 'count',
      description: 'inbound video frames the decoder dropped during the hold',
      counter: BROWSER_COUNTERS.framesDropped,
      requires: BROWSER_COUNTERS.participants,
    },
    video_not_recovered: {
      kind: 'count',
      description: "network changes after which a participant's video had not come back when the hold ended",
      counter: BROWSER_COUNTERS.videoNotRecovered,
      requires: BROWSER_COUNTERS.participants,
    },
  };
  for (const [name, d] of Object.entries(QUALITY_DISTRIBUTIONS))
    metrics[name] = { kind: 'distribution', description: d.description, unit: d.unit, scale: d.scale };
  for (const [name, description] of Object.entries(QUALITY_LATENCIES)) metrics[name] = { kind: 'latency', description };
  for (const label of FAILURE_LABELS) {
    metrics[failureCounter(label)] = {
      kind: 'count',
      description: `participants that failed with ${label}`,
      counter: failureCounter(label),
      requires: BROWSER_COUNTERS.participants,
    };
  }
  return { metrics };
}
