import { MetricsRegistry } from '../../metrics/registry.js';
import { BROWSER_COUNTERS, BROWSER_OPERATION, BROWSER_SERIES, failureCounter } from '../browser-metrics.js';
import type { BrowserStepOptions, FailureLabel } from '../options.js';
import type { ParticipantVerdict } from '../participant/classify.js';
import type { Participant } from '../participant/participant.js';
import type { participantQuality } from '../quality.js';
import type { MediaInterruption, ParticipantSummary } from '../../model/browser-summary.js';
import { mediaInterruptions } from '../participant/interruptions.js';

type Quality = ReturnType<typeof participantQuality>;

export interface ParticipantResults {
  registry: MetricsRegistry;
  summaries: ParticipantSummary[];
  failures: Partial<Record<FailureLabel, number>>;
}

/**
 * One summary per participant and the step's registry: join/setup/first-frame
 * histograms (outcome ok/failed) and the participant counters, one per
 * failure label. The registry is what SLOs are judged on and what shards merge.
 */
export function recordParticipants(
  participants: readonly Participant[],
  verdicts: ReadonlyMap<Participant, ParticipantVerdict>,
  qualities: ReadonlyMap<Participant, Quality>,
  startedAtMs: number,
): ParticipantResults {
  const registry = new MetricsRegistry({ startedAtMs });
  const summaries: ParticipantSummary[] = [];
  const failures: Partial<Record<FailureLabel, number>> = {};
  for (const p of participants) {
    const v = verdicts.get(p)!;
    const summary = summarizeParticipant(p, v, qualities.get(p));
    summaries.push(summary);
    const outcome = v.status === 'joined' ? 'ok' : 'failed';
    registry.increment(BROWSER_COUNTERS.participants, BROWSER_OPERATION);
    if (summary.joinTimeMs !== undefined) registry.record(BROWSER_SERIES.joinTime, BROWSER_OPERATION, outcome, summary.joinTimeMs);
    if (summary.setupTimeMs !== undefined) registry.record(BROWSER_SERIES.setupTime, BROWSER_OPERATION, outcome, summary.setupTimeMs);
    if (summary.timeToFirstFrameMs !== undefined) registry.record(BROWSER_SERIES.timeToFirstFrame, BROWSER_OPERATION, outcome, summary.timeToFirstFrameMs);
    if (v.status === 'joined') {
      registry.increment(BROWSER_COUNTERS.succeeded, BROWSER_OPERATION);
    } else {
      registry.increment(BROWSER_COUNTERS.failed, BROWSER_OPERATION);
      registry.increment(failureCounter(v.label), BROWSER_OPERATION);
      failures[v.label] = (failures[v.label] ?? 0) + 1;
    }
  }
  registry.finish();
  return { registry, summaries, failures };
}

function summarizeParticipant(p: Participant, v: ParticipantVerdict, quality: Quality): ParticipantSummary {
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
  const shape = adapterName !== undefined ? ` (${adapterName})` : givenUrls ? '' : ` (reference page is a full mesh: ${peers} peer connection${peers === 1 ? '' : 's'} per participant)`;
  return `${rooms} ${givenUrls ? 'join URL' : 'room'}${rooms === 1 ? '' : 's'} × ${perRoom} participant${perRoom === 1 ? '' : 's'}${shape}`;
}

export function describeArrival(arrival: NonNullable<BrowserStepOptions['arrival']>): string {
  return arrival.kind === 'burst' ? 'burst' : `ramp:${arrival.perSecond}/s`;
}
