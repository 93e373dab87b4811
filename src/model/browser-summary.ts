import type { ShardSpec } from '../shard/shard-spec.js';
import type { StartSync } from '../shard/start-at.js';
import type { LatencySummary } from '../metrics/summary.js';
import type { SerializedMetrics } from '../metrics/serialized.js';

/**
 * Quality figures of one participant over its hold (docs/quality-metrics.md):
 * rates from the differences between consecutive getStats samples, freezes
 * from the rendered frames, current values from the last sample.
 */
export interface ParticipantQuality {
  samples: number;
  /** Frames decoded per second over the hold (time-weighted, mean over the videos it received). */
  fps: number | null;
  /** Inbound video kbit/s over the hold (mean over the videos it received). */
  bitrateKbps: number | null;
  /** Cumulative, as the last sample counted them. */
  framesDecoded: number;
  framesDropped: number;
  /** Freezes of rendered remote video during the hold (W3C webrtc-stats' definition, on rendered frames). */
  freezeCount: number;
  /** Frozen time during the hold, ms, summed over the videos it received. */
  totalFreezesDurationMs: number;
  /** Frozen time / hold time (mean over its videos); null without remote video. */
  freezeRatio: number | null;
  /** Mean inbound jitter over the hold, ms. */
  jitterMs: number | null;
  /** Cumulative, as the last sample counted them. */
  packetsLost: number;
  packetsReceived: number;
  /** Lost / (lost + received) during the hold. */
  packetLoss: number | null;
  /** Concealed audio samples / samples received during the hold. */
  audioConcealment: number | null;
  /** Mean RTT over the hold, ms. */
  rttMs: number | null;
  /** Mean E-model MOS of the hold's sampling intervals (1–5). */
  mos: number | null;
  /** Per network change that froze its video: how long after the change ended video came back, ms. */
  videoRecoveryTimesMs: number[];
  /** Network changes after which its video had not come back when the hold ended. */
  videoNotRecovered: number;
  /** Local candidate types of the selected pairs, e.g. ["host"]. */
  candidateTypes: string[];
  /** The encoder's last qualityLimitationReason (`cpu` counts towards overload). */
  qualityLimitationReason: string | null;
  /** Resolution received, e.g. "320x180". */
  resolution: string | null;
  /** Remote frames the page rendered during the whole visit (requestVideoFrameCallback). */
  remoteFramesRendered: number;
}

export interface ParticipantSummary {
  name: string;
  room: string;
  /** Its cohort, when the step has cohorts. */
  cohort?: string;
  shard: number;
  status: 'joined' | 'failed';
  /** Set when failed: exactly one label. */
  label?: FailureLabel;
  detail?: string;
  /** Harness clock: when navigation started and when it left (epoch ms). */
  arrivedAt?: number;
  leftAt?: number;
  /**
   * The join waterfall: milestones in ms after this participant's navigation
   * start (`navigationStart` is 0). `navigationStartEpochMs` anchors them.
   */
  navigationStartEpochMs?: number;
  milestonesMs: Milestones;
  joinTimeMs?: number;
  setupTimeMs?: number;
  timeToFirstFrameMs?: number;
  httpStatus?: number | null;
  quality?: ParticipantQuality;
  /** Interruptions of its media while it was in the call, from the hold's stats samples (epoch ms). */
  interruptions?: MediaInterruption[];
}

/**
 * One interruption of a participant's call, read from its stats samples (so
 * as fine as the sample interval):
 * - `video-stalled`: no inbound video frame was decoded from `startMs` until `endMs`;
 * - `freeze`: the browser counted a freeze of inbound video (getStats freezeCount) between two samples;
 * - `reconnect`: a peer connection left `connected` and came back (or did not).
 * No `endMs` means it had not ended when the participant left: the call did not recover.
 * The timeline labels each with the incident it happened during.
 */
export interface MediaInterruption {
  kind: 'video-stalled' | 'freeze' | 'reconnect';
  startMs: number;
  endMs?: number;
  detail?: string;
}

/**
 * The quality metrics of a step (or one cohort) as distributions in each
 * metric's own unit: `packet_loss`, `freeze_ratio` and `audio_concealment`
 * as ratios 0..1, `fps`, `bitrate` (kbit/s), `frame_height` (px), `mos`
 * (1–5), `jitter`, `rtt` and `video_recovery_time` in ms. Read from the
 * step's registry, so a merge of shards gives exactly these figures.
 */
export interface QualitySummary {
  fps: LatencySummary;
  bitrate: LatencySummary;
  frame_height: LatencySummary;
  packet_loss: LatencySummary;
  jitter: LatencySummary;
  rtt: LatencySummary;
  mos: LatencySummary;
  freeze_ratio: LatencySummary;
  audio_concealment: LatencySummary;
  video_recovery_time: LatencySummary;
  /** Counters over the hold. */
  freezes: number;
  frames_dropped: number;
  frames_decoded: number;
  video_not_recovered: number;
}

/** A timed network change of a cohort: as planned (ms after the hold started) and, in a run, when it was applied and reverted (epoch ms). */
export interface CohortChangeSummary {
  index: number;
  label: string;
  atMs: number;
  forMs: number;
  appliedAt?: number;
  revertedAt?: number;
}

/** One cohort of a browser step, side by side with the others in reports. */
export interface CohortSummary {
  name: string;
  /** The share of the step's participants asked for, 0..1. */
  share: number;
  /** Its network profile in words, e.g. "300kbit down, 10% loss" (each participant's own link). */
  network: string;
  /** Participants placed in it. */
  participants: number;
  successRate: ProportionInterval;
  latency: { join_time: LatencySummary; setup_time: LatencySummary; time_to_first_frame: LatencySummary };
  quality: QualitySummary;
  changes: CohortChangeSummary[];
}

/**
 * CPU used during the hold, from /proc (Linux): Chromium's process trees and
 * this harness process, in cores (1 = one core busy the whole window).
 * Measured per process, so other work on the host does not count.
 */
export interface HoldCpuSummary {
  windowMs: number;
  /** Participants in their rooms during the hold. */
  participants: number;
  browserCores: number;
  browserCoresPerParticipant: number;
  harnessCores: number;
}

export interface RoomSummary {
  room: string;
  roomId?: string;
  joinUrl: string;
  participants: number;
  joined: number;
  createdByStep: boolean;
}

/**
 * `StepResult.summary` of a browser step. The report charts the join
 * waterfall from `participants[].milestonesMs`, the distributions from
 * `metrics` and the success rate with its Wilson interval.
 */
export interface BrowserStepSummary {
  kind: 'browser';
  adapter: string;
  arrival: string;
  /** Rooms × participants per room, e.g. "4 rooms × 2 participants (...)". */
  layout: string;
  holdMs: number;
  shards: number;
  rooms: RoomSummary[];
  participants: ParticipantSummary[];
  successRate: ProportionInterval;
  /** Failures by label (labels with no failure are omitted). */
  failures: Partial<Record<FailureLabel, number>>;
  latency: { join_time: LatencySummary; setup_time: LatencySummary; time_to_first_frame: LatencySummary };
  /** Media quality over the hold, every participant together. */
  quality?: QualitySummary;
  /** Present when the step has cohorts: each cohort's figures. */
  cohorts?: CohortSummary[];
  overload: OverloadReport & { overloaded: boolean };
  /** RSS of all browser processes near the end of the hold, bytes (Linux), and per participant. */
  browserRssBytes?: number;
  rssPerParticipantBytes?: number;
  /** CPU used during the hold (Linux). */
  holdCpu?: HoldCpuSummary;
  /** The resolution (ms) of the packet/decoding stamps: the probe's getStats poll interval. */
  statsResolutionMs: number;
  metrics: SerializedMetrics;
  /** Present when this run is one shard of a distributed run (`shards` above counts browser processes, not this). */
  runShard?: ShardSpec;
  /** Present with --start-at: when the arrivals were meant to start and how late this process was. */
  sync?: StartSync;
}

/** A success proportion with its Wilson score interval (src/browser/wilson.ts). */
export interface ProportionInterval {
  successes: number;
  total: number;
  /** successes / total; NaN when total is 0. */
  rate: number;
  /** Confidence level of the interval, e.g. 0.95. */
  confidence: number;
  low: number;
  high: number;
}

/** Why the harness was judged overloaded, with when (epoch ms). */
export interface OverloadSignal {
  kind: 'host_cpu' | 'event_loop' | 'encoder_cpu';
  at: number;
  detail: string;
}

export interface OverloadReport {
  signals: OverloadSignal[];
  /** Highest 1 s host CPU busy fraction seen (0..1). */
  peakHostCpu: number;
  /** Highest 1 s p99 event-loop delay of the harness process, ms. */
  peakEventLoopDelayMs: number;
  /**
   * Longest run of consecutive 1 s windows with host CPU at or above
   * `hostCpuReportAt` (ms). Reported always; an overload signal only when
   * `maxHostCpu` is enabled (≤ 1).
   */
  hostCpuSaturatedMs: number;
}

/** Milestone names, each an epoch-ms stamp on the page's clock (performance.timeOrigin + now()). */
export type MilestoneName =
  | 'navigationStart'
  | 'domContentLoaded'
  | 'load'
  | 'mediaRequested'
  | 'mediaGranted'
  | 'mediaDenied'
  | 'signalingOpen'
  | 'pcCreated'
  | 'firstSetLocalDescription'
  | 'firstSetRemoteDescription'
  | 'iceConnected'
  | 'pcConnected'
  | 'pcConnectedObserved'
  | 'pcFailed'
  | 'iceFailed'
  | 'remoteTrack'
  | 'firstInboundPacket'
  | 'firstDecodedFrame'
  | 'firstRenderedFrame'
  | 'joined'
  | 'refused';

export type Milestones = Partial<Record<MilestoneName, number>>;

/** A failure label: every failed participant gets exactly one. */
export const FAILURE_LABELS = [
  'navigation_error',
  'join_ui_timeout',
  'media_denied',
  'signaling_closed',
  'ice_failed',
  'connected_no_media',
  'frozen_video',
  'page_crash',
  'room_full',
  'room_closed',
  'harness_overloaded',
] as const;

export type FailureLabel = (typeof FAILURE_LABELS)[number];
