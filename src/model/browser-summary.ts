import type { ShardSpec } from '../shard/shard-spec.js';
import type { StartSync } from '../shard/start-at.js';
import type { LatencySummary } from '../metrics/summary.js';
import type { SerializedMetrics } from '../metrics/serialized.js';

/** Quality figures of one participant over its hold samples (remote video it received). */
export interface ParticipantQuality {
  samples: number;
  /** Mean of the last sample's framesPerSecond over inbound video streams. */
  fps: number | null;
  framesDecoded: number;
  framesDropped: number;
  freezeCount: number;
  totalFreezesDurationMs: number;
  /** Worst inbound jitter, ms. */
  jitterMs: number | null;
  packetsLost: number;
  packetsReceived: number;
  /** Mean current RTT over the peer connections, ms. */
  rttMs: number | null;
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
