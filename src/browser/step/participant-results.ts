import type { MetricsRegistry } from '../../metrics/registry.js';
import { BROWSER_COUNTERS, BROWSER_SERIES, failureCounter, recordQuality } from '../browser-metrics.js';
import type { BrowserStepOptions, FailureLabel } from '../options.js';
import type { ParticipantVerdict } from '../participant/classify.js';
import type { Participant } from '../participant/participant.js';
import { holdIntervals } from '../quality/participant-quality.js';
import type { MediaInterruption, ParticipantQuality, ParticipantSummary } from '../../model/browser-summary.js';
import { mediaInterruptions } from '../participant/interruptions.js';

export interface ParticipantResults {
  summaries: ParticipantSummary[];
  failures: Partial<Record<FailureLabel, number>>;
}

/**
 * One summary per participant, and into the step's registry under each
 * participant's operation (its cohort): join/setup/first-frame histograms
 * (outcome ok/failed), the participant counters (one per failure label),
 * and the quality figures that belong to the whole hold (freeze ratio,
 * audio concealment, recovery times, freeze and frame counters); the
 * per-interval quality series were recorded during the hold. The registry
 * is what SLOs are judged on and what shards merge.
 */
export function recordParticipants(
  participants: readonly Participant[],
  verdicts: ReadonlyMap<Participant, ParticipantVerdict>,
  qualities: ReadonlyMap<Participant, ParticipantQuality | undefined>,
  registry: MetricsRegistry,
  operationOf: (p: Participant) => string,
  cohortOf: (p: Participant) => string | undefined = () => undefined,
): ParticipantResults {
  const summaries: ParticipantSummary[] = [];
  const failures: Partial<Record<FailureLabel, number>> = {};
  for (const p of participants) {
    const v = verdicts.get(p)!;
    const quality = qualities.get(p);
    const summary = summarizeParticipant(p, v, quality, cohortOf(p));
    summaries.push(summary);
    const op = operationOf(p);
    const outcome = v.status === 'joined' ? 'ok' : 'failed';
    registry.increment(BROWSER_COUNTERS.participants, op);
    if (summary.joinTimeMs !== undefined) registry.record(BROWSER_SERIES.joinTime, op, outcome, summary.joinTimeMs);
    if (summary.setupTimeMs !== undefined) registry.record(BROWSER_SERIES.setupTime, op, outcome, summary.setupTimeMs);
    if (summary.timeToFirstFrameMs !== undefined) registry.record(BROWSER_SERIES.timeToFirstFrame, op, outcome, summary.timeToFirstFrameMs);
    if (v.status === 'joined') {
      registry.increment(BROWSER_COUNTERS.succeeded, op);
    } else {
      registry.increment(BROWSER_COUNTERS.failed, op);
      registry.increment(failureCounter(v.label), op);
      failures[v.label] = (failures[v.label] ?? 0) + 1;
    }
    if (quality !== undefined) recordHoldQuality(registry, op, p, quality);
  }
  return { summaries, failures };
}

/** The quality figures that belong to a participant's whole hold. */
function recordHoldQuality(registry: MetricsRegistry, op: string, p: Participant, quality: ParticipantQuality): void {
  if (quality.freezeRatio !== null) recordQuality(registry, 'freeze_ratio', op, quality.freezeRatio);
  if (quality.audioConcealment !== null) recordQuality(registry, 'audio_concealment', op, quality.audioConcealment);
  for (const ms of quality.videoRecoveryTimesMs) recordQuality(registry, 'video_recovery_time', op, ms);
  // Counters are always touched, so a cohort with none has a 0 (not a missing counter) once it was sampled.
  const intervals = holdIntervals(p.record);
  registry.increment(BROWSER_COUNTERS.freezes, op, quality.freezeCount);
  registry.increment(
    BROWSER_COUNTERS.framesDropped,
    op,
    intervals.reduce((n, i) => n + i.framesDropped, 0),
  );
  registry.increment(
    BROWSER_COUNTERS.framesDecoded,
    op,
    intervals.reduce((n, i) => n + i.framesDecoded, 0),
  );
  registry.increment(BROWSER_COUNTERS.videoNotRecovered, op, quality.videoNotRecovered);
}

function summarizeParticipant(p: Participant, v: ParticipantVerdict, quality: ParticipantQuality | undefined, cohort: string | undefined): ParticipantSummary {
  const { record } = p;
  const m = record.snapshot?.milestones ?? {};
  const nav = m.navigationStart;
  const rel: Record<string, number> = {};
  if (nav !== undefined) for (const [k, at] of Object.entries(m)) rel[k] = Math.round((at - nav) * 10) / 10;
  const diff = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? Math.max(0, a - b) : undefined);
  const joinTimeMs = diff(m.joined, nav);
  const setupTimeMs = diff(m.pcConnected, m.firstSetLocalDescription);
  const timeToFirstFrameMs = diff(m.firstRenderedFrame, nav);
  return {
    name: record.plan.name,
    room: record.plan.room,
    ...(cohort === undefined ? {} : { cohort }),
    shard: record.shard,
    status: v.status,
    ...(v.status === 'failed' ? { label: v.label, detail: v.detail } : {}),
    ...(record.arrivedAt === undefined ? {} : { arrivedAt: record.arrivedAt }),
    ...(record.leftAt === undefined ? {} : { leftAt: record.leftAt }),
    ...(nav === undefined ? {} : { navigationStartEpochMs: nav }),
    milestonesMs: rel,
    ...(joinTimeMs === undefined ? {} : { joinTimeMs }),
    ...(setupTimeMs === undefined ? {} : { setupTimeMs }),
    ...(timeToFirstFrameMs === undefined ? {} : { timeToFirstFrameMs }),
    ...(record.navigation.kind === 'ok' ? { httpStatus: record.navigation.httpStatus } : {}),
    ...(quality === undefined ? {} : { quality }),
    ...interruptionsOf(record.samples),
  };
}

/** The participant's media interruptions (the timeline labels them with the incidents they fall in), when it had any. */
function interruptionsOf(samples: Participant['record']['samples']): { interruptions?: MediaInterruption[] } {
  const interruptions = mediaInterruptions(samples);
  return interruptions.length === 0 ? {} : { interruptions };
}

/**
 * The room layout in words, e.g. "4 rooms × 2 participants (reference page is a full mesh: 1 peer connection per
 * participant)"; with another adapter its name stands in the brackets.
 */
export function describeLayout(rooms: number, perRoom: number, givenUrls: boolean, adapterName?: string): string {
  const peers = perRoom - 1;
  const shape =
    adapterName !== undefined
      ? ` (${adapterName})`
      : givenUrls
        ? ''
        : ` (reference page is a full mesh: ${peers} peer connection${peers === 1 ? '' : 's'} per participant)`;
  return `${rooms} ${givenUrls ? 'join URL' : 'room'}${rooms === 1 ? '' : 's'} × ${perRoom} participant${perRoom === 1 ? '' : 's'}${shape}`;
}

export function describeArrival(arrival: NonNullable<BrowserStepOptions['arrival']>): string {
  return arrival.kind === 'burst' ? 'burst' : `ramp:${arrival.perSecond}/s`;
}
