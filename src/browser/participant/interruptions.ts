import type { MediaInterruption } from '../../model/browser-summary.js';
import type { StatsSample } from '../probe/probe-types.js';

/**
 * A participant's media interruptions, read from its hold's stats samples
 * (so as fine as the sample interval, 1 s by default), on the run's clock:
 * - `video-stalled`: an inbound video stream decoded no new frame between
 *   samples, from the last sample that saw progress to the first that saw it
 *   again ("time until video again" is `endMs − startMs`);
 * - `freeze`: the browser's own freeze counter (getStats freezeCount) rose
 *   between two samples;
 * - `reconnect`: a peer connection left `connected` and came back.
 * No `endMs`: it had not ended by the last sample, the call did not recover.
 * Nothing before a stream's first decoded frame counts (that is joining, not
 * an interruption). The timeline labels each with the incident it happened in.
 */
export function mediaInterruptions(samples: readonly StatsSample[]): MediaInterruption[] {
  return [...stalls(samples), ...freezes(samples), ...reconnects(samples)].sort((a, b) => a.startMs - b.startMs);
}

/** Streams are keyed by position (peer connection, then stream), as classify.ts does: stable while nobody joins or leaves. */
function videoStreams(sample: StatsSample): Map<string, { framesDecoded: number; freezeCount: number; frozenMs: number }> {
  const out = new Map<string, { framesDecoded: number; freezeCount: number; frozenMs: number }>();
  sample.pcs.forEach((pc, p) =>
    pc.inbound
      .filter((i) => i.kind === 'video')
      .forEach((video, v) =>
        out.set(`${p}:${v}`, { framesDecoded: video.framesDecoded ?? 0, freezeCount: video.freezeCount ?? 0, frozenMs: video.totalFreezesDurationMs ?? 0 }),
      ),
  );
  return out;
}

function stalls(samples: readonly StatsSample[]): MediaInterruption[] {
  const lastProgress = new Map<string, { at: number; frames: number }>();
  const open = new Map<string, number>();
  const spans: MediaInterruption[] = [];
  for (const sample of samples) {
    for (const [key, stream] of videoStreams(sample)) {
      const seen = lastProgress.get(key);
      // A lower count is a new stream in the same place (a renegotiation): progress, not a stall.
      if (seen === undefined || stream.framesDecoded !== seen.frames) {
        const since = open.get(key);
        if (since !== undefined) spans.push({ kind: 'video-stalled', startMs: since, endMs: sample.at, detail: `stream ${key}` });
        open.delete(key);
        lastProgress.set(key, { at: sample.at, frames: stream.framesDecoded });
      } else if (seen.frames > 0 && !open.has(key)) {
        open.set(key, seen.at);
      }
    }
  }
  for (const [key, since] of open) spans.push({ kind: 'video-stalled', startMs: since, detail: `stream ${key}` });
  return spans;
}

function freezes(samples: readonly StatsSample[]): MediaInterruption[] {
  const out: MediaInterruption[] = [];
  for (let i = 1; i < samples.length; i += 1) {
    const before = videoStreams(samples[i - 1]!);
    for (const [key, now] of videoStreams(samples[i]!)) {
      const was = before.get(key);
      if (was === undefined || now.freezeCount <= was.freezeCount) continue;
      const count = now.freezeCount - was.freezeCount;
      out.push({
        kind: 'freeze',
        startMs: samples[i - 1]!.at,
        endMs: samples[i]!.at,
        detail: `stream ${key}: ${count} freeze${count === 1 ? '' : 's'}, ${Math.round(now.frozenMs - was.frozenMs)} ms frozen`,
      });
    }
  }
  return out;
}

function reconnects(samples: readonly StatsSample[]): MediaInterruption[] {
  const out: MediaInterruption[] = [];
  const downSince = new Map<number, { at: number; state: string }>();
  for (const sample of samples) {
    sample.pcs.forEach((pc, p) => {
      const down = downSince.get(p);
      if (pc.connectionState === 'connected') {
        if (down !== undefined) out.push({ kind: 'reconnect', startMs: down.at, endMs: sample.at, detail: `peer connection ${p} was ${down.state}` });
        downSince.delete(p);
      } else if (down === undefined && (pc.connectionState === 'disconnected' || pc.connectionState === 'failed')) {
        downSince.set(p, { at: sample.at, state: pc.connectionState });
      }
    });
  }
  for (const [p, down] of downSince) out.push({ kind: 'reconnect', startMs: down.at, detail: `peer connection ${p} was ${down.state} and did not come back` });
  return out;
}
