import type { MilestoneName, Milestones } from '../../model/browser-summary.js';
export type { MilestoneName, Milestones };
/**
 * The shapes probe.js returns to the harness (through page.evaluate). They
 * mirror the plain-JS probe by hand; `probe.test` keeps them honest by reading
 * them back from a real page.
 */

export interface ProbeSnapshot {
  now: number;
  milestones: Milestones;
  outcome: { kind: 'joined'; at: number } | { kind: 'refused'; label: string; at: number } | null;
  media: { requests: number; granted: number; denied: number; lastError: string | null };
  sockets: {
    created: number;
    opened: number;
    closed: number;
    open: number;
    lastClose: { code: number; reason: string; wasOpen: boolean } | null;
    lastCloseAt: number | null;
  };
  pcs: { connectionState: RTCPeerConnectionState; iceConnectionState: RTCIceConnectionState }[];
  pcFailures: number;
  remoteFramesRendered: number;
  /** framesDecoded summed over inbound video when the first remote frame was rendered (the cross-check). */
  decodedAtFirstRender: number | null;
  /** Poll interval of getStats before the first decoded frame: the resolution of packet/decoding stamps. */
  statsResolutionMs: number;
  /** Milestones moved earlier to the first media evidence (the connected event ran late on a busy page). */
  adjustedMilestones: MilestoneName[];
  /**
   * `pcConnectedObserved − pcConnected` in ms: how far the connected stamp was
   * moved back to the first media evidence (0 when not moved, null when the
   * connected event was never observed).
   */
  connectedAdjustmentMs: number | null;
  errors: string[];
}

export interface InboundStats {
  /** The stats object's id: the same stream keeps it from sample to sample (cumulative counters are diffed by it). */
  id: string;
  kind: 'audio' | 'video';
  bytesReceived: number;
  /** Audio only: samples the decoder concealed, and all samples received (cumulative). */
  concealedSamples: number | null;
  totalSamplesReceived: number | null;
  packetsReceived: number;
  packetsLost: number;
  jitterMs: number | null;
  framesDecoded: number | null;
  framesDropped: number | null;
  framesPerSecond: number | null;
  freezeCount: number | null;
  totalFreezesDurationMs: number | null;
  frameWidth: number | null;
  frameHeight: number | null;
}

export interface OutboundStats {
  kind: 'audio' | 'video';
  framesPerSecond: number | null;
  frameWidth: number | null;
  qualityLimitationReason: 'none' | 'cpu' | 'bandwidth' | 'other' | null;
}

export interface PeerStats {
  /** The probe's number for this peer connection (its creation order on the page). */
  id: number;
  connectionState: RTCPeerConnectionState;
  inbound: InboundStats[];
  outbound: OutboundStats[];
  rttMs: number | null;
  /** Local candidate type of the selected pair: host, srflx, prflx or relay. */
  candidateType: string | null;
}

/** A freeze of one rendered remote video (epoch ms on the page's clock). */
export interface VideoFreeze {
  from: number;
  to: number;
}

/** One remote <video> the probe watches: frames rendered and freezes (W3C webrtc-stats' definition, on rendered frames). */
export interface RenderedVideo {
  /** The probe's number for this element (the order it was first seen). */
  index: number;
  /** Still in the document and showing a remote track. */
  active: boolean;
  frames: number;
  lastFrameAt: number;
  /** Freezes that ended (the first 200). */
  freezes: VideoFreeze[];
  /** A freeze still going on when this sample was taken. */
  open: { from: number } | null;
  /** Freezes beyond the first 200, counted only. */
  droppedFreezes: number;
}

export interface StatsSample {
  at: number;
  remoteFramesRendered: number;
  pcs: PeerStats[];
  /** Remote videos that rendered at least one frame. */
  videos: RenderedVideo[];
}
