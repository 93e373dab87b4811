import type { InboundStats, StatsSample } from '../probe/probe-types.js';
import { estimateMos } from './e-model.js';

/**
 * What a participant received between two consecutive getStats samples.
 * getStats counters are cumulative per stream, so every figure here is a
 * difference of the same stream (same peer connection, same stats id) in
 * both samples; a stream that appeared or vanished in between is left out
 * of the rates. Current values (jitter, RTT, frame size) are the later
 * sample's.
 */
export interface StatsInterval {
  /** When the interval ended (the later sample), epoch ms. */
  at: number;
  ms: number;
  /** Video streams present in both samples. */
  videoStreams: number;
  /** Frames decoded per second, mean over the video streams. */
  fps?: number;
  /** kbit/s received, mean over the video streams. */
  bitrateKbps?: number;
  /** Mean height of the video received, px. */
  frameHeight?: number;
  /** All inbound RTP: packets received and lost (as RTCP counts them) in the interval. */
  packetsReceived: number;
  packetsLost: number;
  /** Lost / (lost + received); absent when no packet was counted either way (a blackout: losses are counted once packets flow again). */
  packetLoss?: number;
  /** Mean interarrival jitter over the inbound streams, ms. */
  jitterMs?: number;
  /** Mean round-trip time over the peer connections, ms. */
  rttMs?: number;
  /** The E-model MOS of the interval's audio (see audioMosInput). */
  mos?: number;
  framesDecoded: number;
  framesDropped: number;
  /** Audio samples concealed and received in the interval. */
  concealedSamples: number;
  totalSamplesReceived: number;
}

/** The interval between two samples of one participant, or undefined when they are not in order. */
export function statsInterval(previous: StatsSample, next: StatsSample): StatsInterval | undefined {
  const ms = next.at - previous.at;
  if (!(ms > 0)) return undefined;
  const before = new Map<string, InboundStats>();
  for (const pc of previous.pcs) for (const s of pc.inbound) before.set(`${pc.id}/${s.id}`, s);
  const pairs: { kind: 'audio' | 'video'; was: InboundStats; now: InboundStats }[] = [];
  for (const pc of next.pcs) {
    for (const s of pc.inbound) {
      const was = before.get(`${pc.id}/${s.id}`);
      if (was !== undefined) pairs.push({ kind: s.kind, was, now: s });
    }
  }
  const grew = (a: number | null, b: number | null) => (a === null || b === null ? undefined : Math.max(0, b - a));
  const video = pairs.filter((p) => p.kind === 'video');
  const audio = pairs.filter((p) => p.kind === 'audio');
  const seconds = ms / 1000;
  const fpsValues = video
    .map((p) => grew(p.was.framesDecoded, p.now.framesDecoded))
    .filter((v): v is number => v !== undefined)
    .map((frames) => frames / seconds);
  const bitrates = video.map((p) => (Math.max(0, p.now.bytesReceived - p.was.bytesReceived) * 8) / ms);
  const heights = video.map((p) => p.now.frameHeight).filter((h): h is number => h !== null && h > 0);
  const received = sum(pairs.map((p) => Math.max(0, p.now.packetsReceived - p.was.packetsReceived)));
  // RTCP may report a negative loss (duplicates); a count that went down says nothing lost.
  const lost = sum(pairs.map((p) => Math.max(0, p.now.packetsLost - p.was.packetsLost)));
  const jitters = pairs.map((p) => p.now.jitterMs).filter((j): j is number => j !== null);
  const rtts = next.pcs.map((pc) => pc.rttMs).filter((r): r is number => r !== null);
  const rttMs = rtts.length === 0 ? undefined : mean(rtts);
  const mosInput = audioMosInput(audio, rttMs);
  return {
    at: next.at,
    ms,
    videoStreams: video.length,
    ...(fpsValues.length === 0 ? {} : { fps: mean(fpsValues) }),
    ...(bitrates.length === 0 ? {} : { bitrateKbps: mean(bitrates) }),
    ...(heights.length === 0 ? {} : { frameHeight: mean(heights) }),
    packetsReceived: received,
    packetsLost: lost,
    ...(received + lost === 0 ? {} : { packetLoss: lost / (received + lost) }),
    ...(jitters.length === 0 ? {} : { jitterMs: mean(jitters) }),
    ...(rttMs === undefined ? {} : { rttMs }),
    ...(mosInput === undefined ? {} : { mos: estimateMos(mosInput).mos }),
    framesDecoded: sum(video.map((p) => grew(p.was.framesDecoded, p.now.framesDecoded) ?? 0)),
    framesDropped: sum(video.map((p) => grew(p.was.framesDropped, p.now.framesDropped) ?? 0)),
    concealedSamples: sum(audio.map((p) => grew(p.was.concealedSamples, p.now.concealedSamples) ?? 0)),
    totalSamplesReceived: sum(audio.map((p) => grew(p.was.totalSamplesReceived, p.now.totalSamplesReceived) ?? 0)),
  };
}

/**
 * The E-model's inputs for one interval's audio: loss over the audio
 * streams, their mean jitter, the RTT. An interval in which audio streams
 * existed but not one audio packet arrived (a blackout) is 100 % loss: the
 * call had no sound, whatever RTCP will count later. No audio stream, or no
 * RTT yet: no estimate.
 */
function audioMosInput(audio: readonly { was: InboundStats; now: InboundStats }[], rttMs: number | undefined) {
  if (audio.length === 0 || rttMs === undefined) return undefined;
  const received = sum(audio.map((p) => Math.max(0, p.now.packetsReceived - p.was.packetsReceived)));
  const lost = sum(audio.map((p) => Math.max(0, p.now.packetsLost - p.was.packetsLost)));
  const lossPercent = received === 0 ? 100 : (100 * lost) / (received + lost);
  const jitters = audio.map((p) => p.now.jitterMs).filter((j): j is number => j !== null);
  return { rttMs, jitterMs: jitters.length === 0 ? 0 : mean(jitters), packetLossPercent: lossPercent };
}

export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function mean(values: readonly number[]): number {
  return sum(values) / values.length;
}
