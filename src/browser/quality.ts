import type { ParticipantRecord } from './participant/participant.js';
import type { ParticipantQuality } from '../model/browser-summary.js';

/** Quality figures of one participant from its last hold sample (counters are cumulative in getStats). */
export function participantQuality(record: ParticipantRecord): ParticipantQuality | undefined {
  const last = record.samples.at(-1);
  if (last === undefined) return undefined;
  const videos = last.pcs.flatMap((pc) => pc.inbound.filter((i) => i.kind === 'video'));
  const all = last.pcs.flatMap((pc) => pc.inbound);
  const fpsValues = videos.map((v) => v.framesPerSecond).filter((v): v is number => v !== null);
  const rtts = last.pcs.map((pc) => pc.rttMs).filter((v): v is number => v !== null);
  const jitters = all.map((v) => v.jitterMs).filter((v): v is number => v !== null);
  const outboundVideo = last.pcs.flatMap((pc) => pc.outbound.filter((o) => o.kind === 'video'));
  const limitation = outboundVideo.find((o) => o.qualityLimitationReason === 'cpu')?.qualityLimitationReason ?? outboundVideo[0]?.qualityLimitationReason ?? null;
  const sum = (values: (number | null)[]) => values.reduce<number>((a, b) => a + (b ?? 0), 0);
  const first = videos.find((v) => v.frameWidth !== null && v.frameHeight !== null);
  return {
    samples: record.samples.length,
    fps: fpsValues.length === 0 ? null : Math.round((sum(fpsValues) / fpsValues.length) * 10) / 10,
    framesDecoded: sum(videos.map((v) => v.framesDecoded)),
    framesDropped: sum(videos.map((v) => v.framesDropped)),
    freezeCount: sum(videos.map((v) => v.freezeCount)),
    totalFreezesDurationMs: sum(videos.map((v) => v.totalFreezesDurationMs)),
    jitterMs: jitters.length === 0 ? null : Math.max(...jitters),
    packetsLost: sum(all.map((v) => v.packetsLost)),
    packetsReceived: sum(all.map((v) => v.packetsReceived)),
    rttMs: rtts.length === 0 ? null : Math.round((sum(rtts) / rtts.length) * 10) / 10,
    candidateTypes: [...new Set(last.pcs.map((pc) => pc.candidateType).filter((t): t is string => t !== null))],
    qualityLimitationReason: limitation,
    resolution: first === undefined ? null : `${first.frameWidth}x${first.frameHeight}`,
    remoteFramesRendered: last.remoteFramesRendered,
  };
}
