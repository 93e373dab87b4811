import type { SerializedMetrics } from '../metrics/serialized.js';
import type { Band, BandEvent, DisturbanceWindow, RequestExemplar, WebhookWindow, WindowSummary } from '../model/events.js';
import type { BrowserStepSummary, ParticipantSummary } from '../model/browser-summary.js';
import type { RecoveryTime } from '../incident/recovery-time.js';
import type { ParticipantImpact } from '../model/incident-summary.js';
import { stepMetrics, type StepResult } from '../model/result.js';

/**
 * The run on one time axis (report.json's `runTimeline`, what report.html
 * draws as one timeline): every step's windows, the participants' moments,
 * the webhook sink's deliveries, the fault proxy's disturbances, and the
 * incidents, network changes and phases as bands, all at wall-clock epoch ms.
 * Built from what the run already reports (window events, band events,
 * disturbance events and the steps' results), so a report re-rendered
 * later, or merged from shards, draws the same. Pure.
 */
export interface RunTimeline {
  /** Epoch ms of t = 0 on the axis: the earliest thing on it. */
  originMs: number;
  endMs: number;
  bands: TimelineBand[];
  /** Per load step: its windows (rate, errors, latency per operation). */
  api: { step: string; windows: ApiWindow[] }[];
  /** Per browser step: what happened to each participant, and when. */
  participants: { step: string; marks: ParticipantMark[] }[];
  /** Per step with a webhook sink: its windows. */
  webhooks: { step: string; windows: (WebhookWindow & { startMs: number; endMs: number })[] }[];
  /** Per step with quality series: each window's value per cohort and metric. */
  quality: { step: string; windows: { startMs: number; endMs: number; quality: Record<string, Record<string, number>> }[] }[];
  /** What the fault proxy did, per window of each incident. */
  disturbances: DisturbanceWindow[];
  /** Each incident with its recovery, per step and overall, and what it did to the participants. */
  incidents: IncidentMark[];
}

export type TimelineBand = Band & {
  /** The step that owns it. */
  step: string;
  /** Still open when the run ended (killed, or the report is partial): it is drawn to the end. */
  open?: boolean;
};

export interface ApiWindow {
  startMs: number;
  endMs: number;
  /** Responses and failures of every operation together, and per second. */
  requests: number;
  errors: number;
  rate: number;
  targetRate?: number;
  operations: WindowSummary['operations'];
  /** Requests worth looking at, by X-Request-Id (when the step named some). */
  exemplars?: RequestExemplar[];
}

export interface ParticipantMark {
  at: number;
  participant: string;
  room: string;
  kind: 'arrived' | 'joined' | 'first-frame' | 'failed' | 'left' | 'video-stalled' | 'freeze' | 'reconnect';
  /** Interruptions: when video (or the connection) came back; absent when it did not. */
  endMs?: number;
  /** A failure's label (`join_ui_timeout`, …). */
  label?: string;
  /** The incident on when this happened (interruptions and failures). */
  incident?: string;
  detail?: string;
}

export interface IncidentMark {
  name: string;
  step: string;
  description: string;
  startMs: number;
  endMs: number;
  recovery: RecoveryTime;
  recoveryBySteps: { step: string; recovery: RecoveryTime }[];
  participants: ParticipantImpact[];
  disturbed?: Record<string, number>;
}

export interface TimelineInputs {
  steps: readonly StepResult[];
  /** Window events per step (report.json's `timeline`). */
  windows: Readonly<Record<string, readonly WindowSummary[]>>;
  bands?: readonly BandEvent[];
  disturbances?: readonly DisturbanceWindow[];
  /** When the run ended: open bands are drawn to here. */
  endMs?: number;
}

export function buildRunTimeline(input: TimelineInputs): RunTimeline {
  const bands = closedBands(input.bands ?? []);
  const incidents = incidentMarks(input.steps, bands);
  const api: RunTimeline['api'] = [];
  const webhooks: RunTimeline['webhooks'] = [];
  const quality: RunTimeline['quality'] = [];
  for (const step of input.steps) {
    const placed = placedWindows(input.windows[step.name] ?? [], stepMetrics(step));
    if (step.kind === 'load' && placed.length > 0) api.push({ step: step.name, windows: placed.map(apiWindow) });
    const withHooks = placed.filter((w) => w.window.webhooks !== undefined);
    if (withHooks.length > 0)
      webhooks.push({ step: step.name, windows: withHooks.map((w) => ({ ...w.window.webhooks!, startMs: w.startMs, endMs: w.endMs })) });
    const withQuality = placed.filter((w) => w.window.quality !== undefined);
    if (withQuality.length > 0)
      quality.push({ step: step.name, windows: withQuality.map((w) => ({ startMs: w.startMs, endMs: w.endMs, quality: w.window.quality! })) });
  }
  const participants = input.steps.flatMap((step) =>
    step.kind === 'browser' && step.summary !== undefined ? [{ step: step.name, marks: participantMarks(step.summary, incidents) }] : [],
  );
  const times = [
    ...bands.flatMap((b) => [b.startMs, b.endMs ?? b.startMs]),
    ...api.flatMap((lane) => lane.windows.flatMap((w) => [w.startMs, w.endMs])),
    ...participants.flatMap((lane) => lane.marks.flatMap((m) => [m.at, m.endMs ?? m.at])),
    ...webhooks.flatMap((lane) => lane.windows.flatMap((w) => [w.startMs, w.endMs])),
    ...quality.flatMap((lane) => lane.windows.flatMap((w) => [w.startMs, w.endMs])),
  ];
  const originMs = times.length === 0 ? (input.endMs ?? 0) : Math.min(...times);
  const endMs = Math.max(input.endMs ?? originMs, ...times);
  return {
    originMs,
    endMs,
    bands: bands.map((b) => (b.endMs === undefined ? { ...b, endMs, open: true } : b)),
    api,
    participants,
    webhooks,
    quality,
    disturbances: [...(input.disturbances ?? [])],
    incidents,
  };
}

/** One band per id: the end event's copy when it came, else the start's (open). */
function closedBands(events: readonly BandEvent[]): TimelineBand[] {
  const byId = new Map<string, TimelineBand>();
  for (const event of events) byId.set(event.band.id, { ...byId.get(event.band.id), ...event.band, step: event.step });
  return [...byId.values()].sort((a, b) => a.startMs - b.startMs);
}

interface Placed {
  startMs: number;
  endMs: number;
  window: WindowSummary;
}

/**
 * A step's windows on the run's clock: by their own `originMs` (every window
 * the runner forwarded has one), else by the step's metrics' start (a report
 * merged from shards, or written before windows carried their origin).
 * Windows that cannot be placed are left out rather than drawn at a guess.
 */
function placedWindows(windows: readonly WindowSummary[], metrics: SerializedMetrics | undefined): Placed[] {
  const fallback = metrics?.startedAtMs;
  return windows.flatMap((window) => {
    const origin = window.originMs ?? fallback;
    return origin === undefined ? [] : [{ startMs: origin + window.startMs, endMs: origin + window.endMs, window }];
  });
}

function apiWindow(placed: Placed): ApiWindow {
  const ops = placed.window.operations;
  let requests = 0;
  let errors = 0;
  for (const op of Object.values(ops)) {
    requests += op.count;
    errors += op.errors;
  }
  const seconds = Math.max(0.001, (placed.endMs - placed.startMs) / 1000);
  return {
    startMs: placed.startMs,
    endMs: placed.endMs,
    requests,
    errors,
    rate: Math.round((requests / seconds) * 10) / 10,
    ...(placed.window.targetRate === undefined ? {} : { targetRate: placed.window.targetRate }),
    operations: ops,
    ...(placed.window.requests === undefined || placed.window.requests.length === 0 ? {} : { exemplars: placed.window.requests }),
  };
}

function incidentMarks(steps: readonly StepResult[], bands: readonly TimelineBand[]): IncidentMark[] {
  return steps
    .flatMap((step) => {
      if (step.kind !== 'incident' || step.summary === undefined) return [];
      return step.summary.incidents.flatMap((outcome): IncidentMark[] => {
        const record = outcome.record;
        if (record.status === 'not-started') return [];
        return [
          {
            name: record.incident,
            step: step.name,
            description: record.description,
            startMs: record.startedAt,
            endMs: record.endedAt,
            recovery: outcome.recovery,
            recoveryBySteps: outcome.recoveryBySteps,
            participants: outcome.participants,
            ...(outcome.disturbed === undefined ? {} : { disturbed: outcome.disturbed }),
          },
        ];
      });
    })
    .concat(
      // An incident whose step never returned (a killed run) still has its band.
      bands
        .filter((b) => b.kind === 'incident' && !steps.some((s) => s.kind === 'incident' && s.summary?.incidents.some((i) => i.record.incident === b.id)))
        .map((b) => ({
          name: b.id,
          step: b.step,
          description: b.detail ?? '',
          startMs: b.startMs,
          endMs: b.endMs ?? b.startMs,
          recovery: { status: 'no-windows' },
          recoveryBySteps: [],
          participants: [],
        })),
    );
}

/** A participant's moments on the run's clock, interruptions and failures labelled with the incident they happened in. */
function participantMarks(summary: BrowserStepSummary, incidents: readonly IncidentMark[]): ParticipantMark[] {
  const during = (at: number, endMs?: number) =>
    incidents.find(
      (i) =>
        (endMs === undefined ? at >= i.startMs && at <= i.endMs : at < i.endMs && endMs > i.startMs) ||
        (at <= i.startMs && endMs === undefined && at >= i.startMs),
    )?.name;
  return summary.participants
    .flatMap((p) => {
      const base = { participant: p.name, room: p.room };
      const marks: ParticipantMark[] = [];
      if (p.arrivedAt !== undefined) marks.push({ ...base, kind: 'arrived', at: p.arrivedAt });
      const atMilestone = milestoneClock(p);
      const joined = atMilestone('joined');
      if (joined !== undefined) marks.push({ ...base, kind: 'joined', at: joined });
      const frame = atMilestone('firstRenderedFrame');
      if (frame !== undefined) marks.push({ ...base, kind: 'first-frame', at: frame });
      for (const interruption of p.interruptions ?? []) {
        const incident = interruptionIncident(interruption.startMs, interruption.endMs, incidents);
        marks.push({
          ...base,
          kind: interruption.kind,
          at: interruption.startMs,
          ...(interruption.endMs === undefined ? {} : { endMs: interruption.endMs }),
          ...(incident === undefined ? {} : { incident }),
          ...(interruption.detail === undefined ? {} : { detail: interruption.detail }),
        });
      }
      if (p.status === 'failed') {
        const at = p.leftAt ?? p.arrivedAt;
        if (at !== undefined) {
          const incident = during(p.arrivedAt ?? at, at);
          marks.push({
            ...base,
            kind: 'failed',
            at,
            ...(p.label === undefined ? {} : { label: p.label }),
            ...(incident === undefined ? {} : { incident }),
            ...(p.detail === undefined ? {} : { detail: p.detail }),
          });
        }
      }
      if (p.leftAt !== undefined) marks.push({ ...base, kind: 'left', at: p.leftAt });
      return marks;
    })
    .sort((a, b) => a.at - b.at);
}

/** The incident an interruption overlapped (one that was still going when the incident began counts too). */
export function interruptionIncident(
  startMs: number,
  endMs: number | undefined,
  incidents: readonly Pick<IncidentMark, 'name' | 'startMs' | 'endMs'>[],
): string | undefined {
  const end = endMs ?? Number.POSITIVE_INFINITY;
  return incidents.find((i) => startMs < i.endMs && end > i.startMs)?.name;
}

/** A milestone of a participant on the run's clock (milestones are ms after its navigation start). */
function milestoneClock(p: ParticipantSummary): (name: keyof ParticipantSummary['milestonesMs']) => number | undefined {
  return (name) => {
    const offset = p.milestonesMs[name];
    return offset === undefined || p.navigationStartEpochMs === undefined ? undefined : Math.round(p.navigationStartEpochMs + offset);
  };
}
