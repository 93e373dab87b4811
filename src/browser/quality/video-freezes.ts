import type { RenderedVideo, StatsSample } from '../probe/probe-types.js';

/**
 * Freezes of the remote video a participant rendered, as the probe stamps
 * them (probe.js: W3C webrtc-stats' freeze definition applied to rendered
 * frames), read from its latest sample: how much of a span was frozen, and
 * how fast video came back after a network change.
 */

/** A span of wall-clock time, epoch ms. */
export interface Span {
  from: number;
  to: number;
}

/** One freeze of one video; `to` is undefined while it goes on. */
export interface FreezeSpan {
  video: number;
  from: number;
  to: number | undefined;
}

/** Every freeze the sample knows of, closed and open. */
export function freezeSpans(sample: StatsSample): FreezeSpan[] {
  return (sample.videos ?? []).flatMap((v) => [
    ...v.freezes.map((f) => ({ video: v.index, from: f.from, to: f.to })),
    ...(v.open === null ? [] : [{ video: v.index, from: v.open.from, to: undefined }]),
  ]);
}

/** The videos that count within `span`: those still showing, and any that froze inside it. */
function videosIn(sample: StatsSample, span: Span): RenderedVideo[] {
  return (sample.videos ?? []).filter(
    (v) => v.active || v.freezes.some((f) => f.to > span.from && f.from < span.to) || (v.open !== null && v.open.from < span.to),
  );
}

export interface FrozenTime {
  /** Frozen ms summed over the videos, within the span. */
  frozenMs: number;
  /** Freezes that overlap the span. */
  freezes: number;
  /** Videos counted (the ratio's denominator is span × videos). */
  videos: number;
  /** frozenMs / (span length × videos); undefined without a video or span. */
  ratio: number | undefined;
}

/** How much of `span` the sample's videos were frozen; an open freeze counts until the span ends (or the sample, if earlier). */
export function frozenTime(sample: StatsSample, span: Span): FrozenTime {
  const to = Math.min(span.to, sample.at);
  const bounded = { from: span.from, to };
  const videos = to > span.from ? videosIn(sample, bounded) : [];
  const indexes = new Set(videos.map((v) => v.index));
  let frozenMs = 0;
  let freezes = 0;
  for (const freeze of freezeSpans(sample)) {
    if (!indexes.has(freeze.video)) continue;
    const overlap = Math.min(to, freeze.to ?? to) - Math.max(span.from, freeze.from);
    if (overlap <= 0) continue;
    frozenMs += overlap;
    freezes += 1;
  }
  const length = to - span.from;
  return { frozenMs, freezes, videos: videos.length, ratio: videos.length === 0 || length <= 0 ? undefined : frozenMs / (length * videos.length) };
}

export interface Recoveries {
  /** Per network change that froze this participant's video and after which it came back: first frame after the change ended − its end, ms. */
  recoveredMs: number[];
  /** Network changes after which some video of this participant was still frozen at the sample. */
  notRecovered: number;
}

/**
 * Recovery after each network change (`changes`: applied → reverted, epoch
 * ms) that interrupted this participant's video: a freeze that overlaps the
 * change. The recovery time of a change is the slowest of the participant's
 * videos to come back: the end of the freeze that overlapped it minus the
 * change's end, 0 when video came back while the change was still on. A
 * change that froze nothing has no recovery time. Changes of every cohort
 * count, since a peer's blackout freezes the video this participant
 * receives from it.
 */
export function videoRecoveries(sample: StatsSample, changes: readonly Span[]): Recoveries {
  const recoveredMs: number[] = [];
  let notRecovered = 0;
  const spans = freezeSpans(sample);
  for (const change of changes) {
    let slowest: number | undefined;
    let stillFrozen = false;
    for (const video of new Set(spans.map((s) => s.video))) {
      const overlapping = spans.filter((s) => s.video === video && s.from < change.to && (s.to ?? Number.POSITIVE_INFINITY) > change.from);
      if (overlapping.length === 0) continue;
      const last = overlapping.reduce((a, b) => ((a.to ?? Number.POSITIVE_INFINITY) >= (b.to ?? Number.POSITIVE_INFINITY) ? a : b));
      if (last.to === undefined) stillFrozen = true;
      else slowest = Math.max(slowest ?? 0, Math.max(0, last.to - change.to));
    }
    if (stillFrozen) notRecovered += 1;
    else if (slowest !== undefined) recoveredMs.push(slowest);
  }
  return { recoveredMs, notRecovered };
}
