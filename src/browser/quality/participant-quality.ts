import type { ParticipantRecord } from '../participant/participant.js';
import type { ParticipantQuality } from '../../model/browser-summary.js';
import { mean, statsInterval, sum, type StatsInterval } from './stats-interval.js';
import { frozenTime, videoRecoveries, type Span } from './video-freezes.js';

/**
 * Quality figures of one participant over its hold samples: rates from the
 * differences between consecutive samples (stats-interval.ts), freezes and
 * recoveries from the probe's rendered-frame stamps (video-freezes.ts),
 * current values (candidate types, encoder limitation, resolution) from the
 * last sample. `changes` are the network changes played during the hold.
 */
export function participantQuality(record: ParticipantRecord, changes: readonly Span[] = []): ParticipantQuality | undefined {
  const first = record.samples[0];
  const last = record.samples.at(-1);
  if (first === undefined || last === undefined) return undefined;
  const intervals = holdIntervals(record);
  const videos = last.pcs.flatMap((pc) => pc.inbound.filter((i) => i.kind === 'video'));
  const all = last.pcs.flatMap((pc) => pc.inbound);
  const outboundVideo = last.pcs.flatMap((pc) => pc.outbound.filter((o) => o.kind === 'video'));
  const limitation =
    outboundVideo.find((o) => o.qualityLimitationReason === 'cpu')?.qualityLimitationReason ?? outboundVideo[0]?.qualityLimitationReason ?? null;
  const counted = (values: (number | null)[]) => values.reduce<number>((a, b) => a + (b ?? 0), 0);
  const sized = videos.find((v) => v.frameWidth !== null && v.frameHeight !== null);
  const frozen = frozenTime(last, { from: first.at, to: last.at });
  const received = sum(intervals.map((i) => i.packetsReceived));
  const lost = sum(intervals.map((i) => i.packetsLost));
  const concealed = sum(intervals.map((i) => i.concealedSamples));
  const audioSamples = sum(intervals.map((i) => i.totalSamplesReceived));
  const jitterMs = weighted(intervals, (i) => i.jitterMs);
  const rttMs = weighted(intervals, (i) => i.rttMs);
  const packetLoss = received + lost === 0 ? null : lost / (received + lost);
  const recoveries = videoRecoveries(last, changes);
  return {
    samples: record.samples.length,
    fps: round1(weighted(intervals, (i) => i.fps)),
    bitrateKbps: round1(weighted(intervals, (i) => i.bitrateKbps)),
    framesDecoded: counted(videos.map((v) => v.framesDecoded)),
    framesDropped: counted(videos.map((v) => v.framesDropped)),
    freezeCount: frozen.freezes,
    totalFreezesDurationMs: Math.round(frozen.frozenMs),
    freezeRatio: frozen.ratio === undefined ? null : round4(frozen.ratio),
    jitterMs: round1(jitterMs),
    packetsLost: counted(all.map((v) => v.packetsLost)),
    packetsReceived: counted(all.map((v) => v.packetsReceived)),
    packetLoss: packetLoss === null ? null : round4(packetLoss),
    audioConcealment: audioSamples === 0 ? null : round4(concealed / audioSamples),
    rttMs: round1(rttMs),
    mos: round2(mosOverHold(intervals)),
    videoRecoveryTimesMs: recoveries.recoveredMs.map((ms) => Math.round(ms)),
    videoNotRecovered: recoveries.notRecovered,
    candidateTypes: [...new Set(last.pcs.map((pc) => pc.candidateType).filter((t): t is string => t !== null))],
    qualityLimitationReason: limitation,
    resolution: sized === undefined ? null : `${sized.frameWidth}x${sized.frameHeight}`,
    remoteFramesRendered: last.remoteFramesRendered,
  };
}

/** The intervals between a participant's consecutive hold samples. */
export function holdIntervals(record: ParticipantRecord): StatsInterval[] {
  const out: StatsInterval[] = [];
  for (let i = 1; i < record.samples.length; i++) {
    const interval = statsInterval(record.samples[i - 1]!, record.samples[i]!);
    if (interval !== undefined) out.push(interval);
  }
  return out;
}

/** The time-weighted mean of a per-interval figure, over the intervals that have it. */
function weighted(intervals: readonly StatsInterval[], pick: (i: StatsInterval) => number | undefined): number | null {
  let total = 0;
  let ms = 0;
  for (const interval of intervals) {
    const value = pick(interval);
    if (value === undefined) continue;
    total += value * interval.ms;
    ms += interval.ms;
  }
  return ms === 0 ? null : total / ms;
}

/** The hold's MOS: the mean of the intervals' (an interval without sound scores its 1 like any other). */
function mosOverHold(intervals: readonly StatsInterval[]): number | null {
  const scores = intervals.map((i) => i.mos).filter((m): m is number => m !== undefined);
  return scores.length === 0 ? null : mean(scores);
}

function round1(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

function round2(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
