import type { BrowserStepSummary, MediaInterruption, ParticipantSummary } from '../model/browser-summary.js';
import type { ParticipantImpact } from '../model/incident-summary.js';
import type { Interval } from '../slo/scope.js';
import { overlaps } from '../slo/scope.js';

/**
 * What an incident did to the calls of one browser step's participants:
 * who was in a call while it was on, whose media was interrupted then, whose
 * video came back before they left and how long that took. Read from the
 * participants' interruptions (src/browser/participant/interruptions.ts), so
 * "the API recovered but the calls did not" is a figure, not a guess.
 */
export function participantImpact(step: string, summary: BrowserStepSummary, incident: Interval): ParticipantImpact {
  const present = summary.participants.filter((p) => inCallDuring(p, incident));
  const interrupted = present.map((p) => ({ p, hits: interruptionsDuring(p, incident) })).filter((x) => x.hits.length > 0);
  const back = interrupted.filter((x) => x.hits.every((i) => i.endMs !== undefined));
  const longest = Math.max(0, ...back.flatMap((x) => x.hits.map((i) => i.endMs! - i.startMs)));
  return {
    step,
    present: present.length,
    interrupted: interrupted.length,
    videoBack: back.length,
    ...(back.length === 0 ? {} : { longestUntilVideoMs: longest }),
    notRecovered: interrupted.length - back.length,
  };
}

/** The interruptions of a participant that began while the incident was on, or were still going when it began. */
export function interruptionsDuring(participant: ParticipantSummary, incident: Interval): MediaInterruption[] {
  return (participant.interruptions ?? []).filter(
    (i) => overlaps({ startMs: i.startMs, endMs: i.endMs ?? Number.POSITIVE_INFINITY }, incident) || i.startMs === incident.startMs,
  );
}

function inCallDuring(participant: ParticipantSummary, incident: Interval): boolean {
  if (participant.status !== 'joined' || participant.arrivedAt === undefined) return false;
  return overlaps({ startMs: participant.arrivedAt, endMs: participant.leftAt ?? Number.POSITIVE_INFINITY }, incident);
}
