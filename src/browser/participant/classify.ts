import type { FailureLabel } from '../options.js';
import type { StatsSample } from '../probe/probe-types.js';
import type { ParticipantRecord } from './participant.js';

export type ParticipantVerdict = { status: 'joined'; sawVideo: boolean } | { status: 'failed'; label: FailureLabel; detail: string };

export interface ClassifyContext {
  /** Another participant of the same room joined: this one must see video. */
  expectMedia: boolean;
  /** Decoding stopped for this long during the hold means frozen video. */
  frozenAfterMs: number;
  /** The overload monitor fired while this participant was active. */
  overloaded: boolean;
  /**
   * Spans (epoch ms) in which a stall is planned, not a fault: the step's
   * timed network changes (a blackout). Only the stalled time outside them
   * counts towards `frozenAfterMs`; how fast video came back is judged by
   * video_recovery_time instead.
   */
  excused?: readonly { from: number; to: number }[];
}

/**
 * Give a participant exactly one verdict, and a failed one exactly one label.
 * The order matters and goes from cause to symptom: a crash explains
 * everything after it; a refusal explains a missing join; a failed ICE
 * explains missing media. When the harness was overloaded, any failure is
 * labelled `harness_overloaded` (the target is not to blame for it), with the
 * symptom kept in `detail`.
 */
export function classifyParticipant(record: ParticipantRecord, context: ClassifyContext): ParticipantVerdict {
  const verdict = classifySymptom(record, context);
  if (verdict.status === 'failed' && context.overloaded && verdict.label !== 'room_full' && verdict.label !== 'room_closed') {
    return { status: 'failed', label: 'harness_overloaded', detail: `${verdict.label} while the harness was overloaded: ${verdict.detail}` };
  }
  return verdict;
}

function classifySymptom(record: ParticipantRecord, context: ClassifyContext): ParticipantVerdict {
  const fail = (label: FailureLabel, detail: string): ParticipantVerdict => ({ status: 'failed', label, detail });
  if (record.crashed !== undefined) return fail('page_crash', `the page crashed: ${record.crashed}`);
  if (record.navigation.kind === 'refused') return fail('navigation_error', record.navigation.error);
  if (record.navigation.kind === 'failed') return fail('navigation_error', `navigation failed: ${record.navigation.error}`);
  if (record.navigation.kind === 'pending') return fail('navigation_error', 'navigation never started');
  const s = record.snapshot;
  if (s === undefined) return fail('navigation_error', 'the probe never ran on the page (no document?)');
  const m = s.milestones;
  const httpStatus = record.navigation.httpStatus;

  if (s.outcome?.kind === 'refused') {
    return fail(
      s.outcome.label as FailureLabel,
      `the page showed a refusal (${s.outcome.label})${httpStatus !== null && httpStatus >= 400 ? `, HTTP ${httpStatus}` : ''}`,
    );
  }
  if (s.outcome === null) {
    if (httpStatus !== null && httpStatus >= 400) return fail('navigation_error', `the join URL answered HTTP ${httpStatus}`);
    if (m.mediaDenied !== undefined && m.mediaGranted === undefined)
      return fail('media_denied', `getUserMedia failed: ${s.media.lastError ?? 'unknown error'}`);
    if (s.sockets.created > 0 && s.sockets.opened === 0) return fail('signaling_closed', 'the signaling WebSocket never opened');
    if (s.sockets.created > 0 && s.sockets.open === 0) {
      const close = s.sockets.lastClose;
      return fail(
        'signaling_closed',
        `the signaling WebSocket closed before joining${close ? ` (code ${close.code}${close.reason ? `, ${close.reason}` : ''})` : ''}`,
      );
    }
    return fail('join_ui_timeout', record.adapterError ?? 'the page never showed the joined state in time');
  }

  // Joined. A signaling connection that dropped abnormally after the join
  // (the server went away, e.g. an SFU process died) explains whatever media
  // symptom follows, so it comes first. A normal close (1000) is the page's
  // own choice and says nothing.
  const close = s.sockets.lastClose;
  if (
    s.sockets.opened > 0 &&
    s.sockets.open === 0 &&
    close !== null &&
    close.wasOpen &&
    close.code !== 1000 &&
    s.sockets.lastCloseAt !== null &&
    m.joined !== undefined &&
    s.sockets.lastCloseAt >= m.joined
  ) {
    const afterMs = Math.round(s.sockets.lastCloseAt - m.joined);
    return fail(
      'signaling_closed',
      `the signaling WebSocket closed ${afterMs} ms after joining (code ${close.code}${close.reason ? `, ${close.reason}` : ''}): the server went away`,
    );
  }
  if (!context.expectMedia) return { status: 'joined', sawVideo: m.firstRenderedFrame !== undefined };
  if (m.mediaDenied !== undefined && m.mediaGranted === undefined)
    return fail('media_denied', `joined without camera: ${s.media.lastError ?? 'getUserMedia failed'}`);
  if (s.pcs.length === 0) {
    if (s.sockets.created > 0 && s.sockets.open === 0) return fail('signaling_closed', 'signaling closed before any peer connection was made');
    return fail('connected_no_media', 'joined, but no peer connection was ever created although others were in the room');
  }
  if (m.pcConnected === undefined) {
    return fail(
      'ice_failed',
      m.pcFailed !== undefined || m.iceFailed !== undefined ? 'every peer connection failed ICE' : 'no peer connection reached "connected"',
    );
  }
  if (m.firstRenderedFrame === undefined) {
    if (m.firstDecodedFrame !== undefined) return fail('frozen_video', 'frames were decoded but none was ever rendered (blank video)');
    return fail(
      'connected_no_media',
      m.firstInboundPacket === undefined ? 'connected, but no media packet arrived' : 'packets arrived, but no video frame was decoded',
    );
  }
  if (m.firstDecodedFrame === undefined) return fail('frozen_video', 'a remote frame was rendered but getStats never counted a decoded frame');
  const stall = longestDecodeStall(record.samples, context.excused);
  if (stall !== undefined && stall.ms >= context.frozenAfterMs) {
    return fail('frozen_video', `remote video stopped decoding for ${Math.round(stall.ms)} ms during the hold`);
  }
  return { status: 'joined', sawVideo: true };
}

/**
 * The longest span during which some inbound video stream decoded no new
 * frame, over consecutive hold samples. A stall that overlaps an `excused`
 * span (a planned network change) and ended before the hold did is an
 * interruption the plan asked for, judged by video_recovery_time, and
 * counts 0; one that never ended counts only its time outside the spans.
 * Streams are keyed by position (peer connection, then stream), which is
 * stable while nobody joins or leaves.
 */
export function longestDecodeStall(samples: readonly StatsSample[], excused: readonly { from: number; to: number }[] = []): { ms: number } | undefined {
  if (samples.length < 2) return undefined;
  // Per stream: the last sample that showed progress, and the last one since that did not.
  const lastProgress = new Map<string, { at: number; frames: number; stalledUntil?: number }>();
  let longest = 0;
  const stall = (from: number, to: number, resumed: boolean) => {
    const planned = excused.some((span) => span.from < to && span.to > from);
    const ms = planned && resumed ? 0 : timeOutside(from, to, excused);
    longest = Math.max(longest, ms);
  };
  for (const sample of samples) {
    sample.pcs.forEach((pc, p) => {
      pc.inbound
        .filter((i) => i.kind === 'video')
        .forEach((video, v) => {
          const key = `${p}:${v}`;
          const frames = video.framesDecoded ?? 0;
          const seen = lastProgress.get(key);
          if (seen === undefined || frames > seen.frames) {
            if (seen?.stalledUntil !== undefined) stall(seen.at, seen.stalledUntil, true);
            lastProgress.set(key, { at: sample.at, frames });
          } else {
            seen.stalledUntil = sample.at;
          }
        });
    });
  }
  // Streams that had not decoded again by the last sample.
  for (const seen of lastProgress.values()) if (seen.stalledUntil !== undefined) stall(seen.at, seen.stalledUntil, false);
  return { ms: longest };
}

/** How much of [from, to] lies outside every span of `spans`. */
function timeOutside(from: number, to: number, spans: readonly { from: number; to: number }[]): number {
  let inside = 0;
  // Overlapping spans are merged first, so no moment is subtracted twice.
  const sorted = [...spans].sort((a, b) => a.from - b.from);
  let current: { from: number; to: number } | undefined;
  const merged: { from: number; to: number }[] = [];
  for (const span of sorted) {
    if (current !== undefined && span.from <= current.to) current.to = Math.max(current.to, span.to);
    else merged.push((current = { ...span }));
  }
  for (const span of merged) inside += Math.max(0, Math.min(to, span.to) - Math.max(from, span.from));
  return to - from - inside;
}
