import { MetricsRegistry } from '../metrics/registry.js';
import type { Artifact, CheckResult, SloVerdict, StepResult, StepStatus } from '../model/result.js';
import type { Step, StepContext } from '../model/step.js';
import { evaluateSlos } from '../slo/evaluate.js';
import { parseSlos } from '../slo/parse.js';
import { ApiError, VideoConnectClient } from '../target/client.js';
import { toPageAdapter } from './adapters/load-adapter.js';
import { REFERENCE_ADAPTER } from './adapters/reference.js';
import type { AdapterRoom, PageAdapter } from './adapters/types.js';
import { checkRoomConsistency } from './api-consistency.js';
import { arrivalOffsets } from './arrival.js';
import { writeFailureArtifacts } from './artifacts.js';
import { BROWSER_COUNTERS, BROWSER_OPERATION, BROWSER_SERIES, browserMetricCatalog, failureCounter } from './browser-metrics.js';
import { BrowserPool } from './launch/browser-pool.js';
import { ensureFakeClip } from './launch/fake-video.js';
import { treeCpuSeconds, treeRssBytes } from './launch/process-memory.js';
import { BROWSER_DEFAULTS, type BrowserStepOptions, type FailureLabel, type ParticipantPlan } from './options.js';
import { OverloadMonitor } from './overload-monitor.js';
import { classifyParticipant, type ParticipantVerdict } from './participant/classify.js';
import { Participant } from './participant/participant.js';
import { participantQuality } from './quality.js';
import type { BrowserStepSummary, HoldCpuSummary, ParticipantSummary, RoomSummary } from './summary.js';
import { ParticipantWebhookSink } from './webhook-sink.js';
import { wilsonInterval } from './wilson.js';

/** A room the step created (through the API or the adapter), deleted at the end whatever happens. */
interface CreatedRoom {
  delete(): Promise<void>;
}

interface PlannedRoom {
  label: string;
  /** VideoConnect room id (API consistency checks run only for these). */
  roomId?: string;
  /** Id on the adapter's media server. */
  adapterRoomId?: string;
  joinUrl: string;
  createdByStep: boolean;
}

/**
 * Headless browser participants: M rooms × K participants join (burst or
 * ramp), hold while stats are sampled, then leave. Measures join time, setup
 * time and time to first frame, labels every failure once, checks that the
 * API's participant_count/status follow the truth, and writes artifacts for
 * every failed participant. SLOs are parsed here, before anything runs.
 */
export function createBrowserStep(options: BrowserStepOptions = {}): Step {
  const name = options.name ?? 'browser';
  const catalog = browserMetricCatalog();
  const slos = parseSlos(options.slos ?? [], catalog, [BROWSER_OPERATION], { path: `${name}.slos` });
  // Validated now, so a broken adapter is a config error before anything runs.
  const adapter = options.adapter === undefined ? REFERENCE_ADAPTER : toPageAdapter(options.adapter);
  const createdRooms: CreatedRoom[] = [];

  const deleteRooms = async () => {
    const rooms = createdRooms.splice(0);
    await Promise.allSettled(rooms.map((r) => r.delete()));
  };

  return {
    name,
    kind: 'browser',
    async run(ctx: StepContext): Promise<StepResult> {
      const startedAt = new Date();
      try {
        return await runStep(ctx, name, options, adapter, slos, catalog, createdRooms, startedAt);
      } finally {
        await deleteRooms();
      }
    },
    // A safety net: run() deletes its rooms itself; this catches a run() that never got to its finally.
    teardown: deleteRooms,
  };
}

async function runStep(
  ctx: StepContext,
  stepName: string,
  options: BrowserStepOptions,
  adapter: PageAdapter,
  slos: ReturnType<typeof parseSlos>,
  catalog: ReturnType<typeof browserMetricCatalog>,
  createdRooms: CreatedRoom[],
  startedAt: Date,
): Promise<StepResult> {
  const d = BROWSER_DEFAULTS;
  const perRoom = options.participants ?? d.participants;
  const arrival = options.arrival ?? d.arrival;
  const holdMs = options.holdMs ?? d.holdMs;
  const thresholds = { ...d.overload, ...options.overload };
  const client = new VideoConnectClient({ baseUrl: ctx.target.baseUrl, credentials: ctx.target.credentials });
  const { signal } = ctx;
  const checks: CheckResult[] = [];
  const artifacts: Artifact[] = [];
  const emitCheck = (result: CheckResult) => {
    checks.push(result);
    ctx.emit({ type: 'check', at: Date.now(), step: stepName, result });
  };
  const log = (message: string, level: 'info' | 'warn' = 'info') => ctx.emit({ type: 'log', at: Date.now(), step: stepName, level, message });
  const finish = (status: StepStatus, reason: string | undefined, slosOut: SloVerdict[], summary?: BrowserStepSummary): StepResult => {
    const finishedAt = new Date();
    return {
      name: stepName,
      kind: 'browser',
      status,
      ...(reason === undefined ? {} : { reason }),
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      checks,
      slos: slosOut,
      ...(summary === undefined ? {} : { summary: summary as unknown as Record<string, unknown> }),
      artifacts,
    };
  };

  // 1. Rooms and participant plans.
  const rooms: PlannedRoom[] = [];
  const plans: ParticipantPlan[] = [];
  const prefix = options.namePrefix ?? d.namePrefix;
  try {
    if (options.joinUrls !== undefined && options.joinUrls.length > 0) {
      options.joinUrls.forEach((url, i) => rooms.push({ label: `url${i + 1}`, joinUrl: url, createdByStep: false }));
    } else if (adapter.createRoom !== undefined) {
      // The adapter creates rooms on its own media server; the VideoConnect API is not involved.
      const count = options.rooms ?? d.rooms;
      for (let i = 0; i < count; i++) {
        const room: AdapterRoom = await adapter.createRoom({
          index: i,
          name: `roomgate ${stepName} ${i + 1}`,
          participants: perRoom,
          ...(options.maxParticipants === undefined ? {} : { maxParticipants: options.maxParticipants }),
          signal,
        });
        createdRooms.push({ delete: async () => adapter.deleteRoom?.(room) });
        rooms.push({ label: `room${i + 1}:${room.id}`, adapterRoomId: room.id, joinUrl: room.joinUrl, createdByStep: true });
      }
    } else {
      const count = options.rooms ?? d.rooms;
      for (let i = 0; i < count; i++) {
        const { room } = await client.createRoom(
          {
            name: `roomgate ${stepName} ${i + 1}`,
            ...(options.maxParticipants === undefined ? {} : { max_participants: options.maxParticipants }),
            ...(options.privateRooms === true ? { is_private: true } : {}),
          },
          { signal },
        );
        createdRooms.push({ delete: async () => void (await client.deleteRoom(room.room_id)) });
        rooms.push({ label: room.room_id, roomId: room.room_id, joinUrl: room.join_url, createdByStep: true });
      }
    }
    for (const [r, room] of rooms.entries()) {
      for (let k = 0; k < perRoom; k++) {
        const name = `${prefix}-r${r + 1}-p${k + 1}`;
        let joinUrl = room.joinUrl;
        if (options.privateRooms === true && room.roomId !== undefined) {
          joinUrl = (await client.createJoinToken(room.roomId, { participant_name: name }, { signal })).join_url;
        }
        const roomId = room.roomId ?? room.adapterRoomId;
        plans.push({ name, joinUrl, room: room.label, index: plans.length, roomIndex: r, ...(roomId === undefined ? {} : { roomId }) });
      }
    }
  } catch (error) {
    if (error instanceof ApiError) return finish('errored', `could not set up rooms through the API: ${error.message}`, []);
    if (adapter.createRoom !== undefined && !(error instanceof ApiError) && options.joinUrls === undefined) {
      return finish('errored', `the adapter "${adapter.name}" could not create rooms: ${(error as Error).message}`, []);
    }
    throw error;
  }

  // 2. Browsers, contexts and pages, all before the first arrival so launch time is never measured.
  const perBrowser = Math.max(1, options.participantsPerBrowser ?? d.participantsPerBrowser);
  const shards = Math.max(1, Math.ceil(plans.length / perBrowser));
  const fakeVideoFile = options.fakeVideoFile ?? ((options.lowResolution ?? d.lowResolution) ? await ensureFakeClip() : undefined);
  const pool = await BrowserPool.launch({ shards, executablePath: options.executablePath, fakeVideoFile, extraArgs: [...(adapter.chromiumArgs ?? []), ...(options.chromiumArgs ?? [])], signal });
  const monitor = new OverloadMonitor(thresholds);
  const sink = options.webhooks === true ? await ParticipantWebhookSink.start() : undefined;
  const participants = plans.map((plan, i) => new Participant(plan, i % pool.size, adapter, signal));
  let browserRssBytes: number | undefined;
  let holdCpu: HoldCpuSummary | undefined;
  try {
    if (sink !== undefined) await sink.subscribe(client, signal);
    await forEachLimited(participants, 4, async (p, i) => p.prepare(await pool.newContext(i)));
    log(`${participants.length} participants in ${rooms.length} rooms on ${pool.size} browser(s); arrival ${describeArrival(arrival)}`);
    monitor.start();

    // 3. Arrivals and joins.
    const offsets = arrivalOffsets(participants.length, arrival);
    const t0 = Date.now();
    let settled = 0;
    const progress = () =>
      ctx.emit({
        type: 'progress',
        at: Date.now(),
        step: stepName,
        progress: { elapsedMs: Date.now() - t0, fraction: settled / participants.length, figures: { settled, of: participants.length } },
      });
    await Promise.all(
      participants.map(async (p, i) => {
        await sleep(t0 + offsets[i]! - Date.now(), signal);
        if (signal.aborted) return;
        await p.join({
          navigationTimeoutMs: options.navigationTimeoutMs ?? d.navigationTimeoutMs,
          joinTimeoutMs: options.joinTimeoutMs ?? d.joinTimeoutMs,
        });
        settled++;
        progress();
      }),
    );

    // 4. Media: whoever joined a room where someone else joined must see video.
    const joinedIn = (room: string) => participants.filter((p) => p.record.plan.room === room && p.record.snapshot?.outcome?.kind === 'joined');
    const expectsMedia = (p: Participant) => p.record.snapshot?.outcome?.kind === 'joined' && joinedIn(p.record.plan.room).length >= 2;
    if (!signal.aborted) {
      const mediaDeadline = Date.now() + (options.mediaTimeoutMs ?? d.mediaTimeoutMs);
      await Promise.all(participants.filter(expectsMedia).map((p) => p.awaitMedia(mediaDeadline)));
    }

    // 5. Hold: sample stats, and meanwhile check that the API tells the truth about who is in.
    const inRoom = participants.filter((p) => p.record.snapshot?.outcome?.kind === 'joined');
    const consistencyWhileIn = signal.aborted
      ? undefined
      : checkRoomConsistency(
          client,
          rooms
            .filter((r) => r.roomId !== undefined)
            .map((r) => {
              const count = joinedIn(r.label).length;
              return { roomId: r.roomId!, participantCount: count, ...(count > 0 ? { status: 'active' as const } : {}) };
            }),
          { name: 'api-consistency.participant-count-while-joined', budgetMs: options.propagationBudgetMs ?? d.propagationBudgetMs, signal },
        );
    log(`hold: ${inRoom.length} of ${participants.length} participants in, sampling stats for ${holdMs} ms`);
    const holdStart = Date.now();
    const holdEnd = holdStart + holdMs;
    const cpuAtHoldStart = { browser: await treeCpuSeconds(pool.pids()), harness: process.cpuUsage(), at: Date.now() };
    const interval = options.sampleIntervalMs ?? d.sampleIntervalMs;
    while (!signal.aborted) {
      await Promise.all(inRoom.map((p) => p.sample()));
      if (browserRssBytes === undefined && Date.now() >= holdEnd - holdMs / 2) browserRssBytes = await treeRssBytes(pool.pids());
      if (Date.now() + interval > holdEnd) break;
      await sleep(interval, signal);
    }
    // How many cores the browsers (and this process) kept busy during the hold, whatever else ran on the host.
    const browserCpuAtHoldEnd = await treeCpuSeconds(pool.pids());
    const holdWindowMs = Date.now() - cpuAtHoldStart.at;
    if (cpuAtHoldStart.browser !== undefined && browserCpuAtHoldEnd !== undefined && holdWindowMs > 0 && inRoom.length > 0) {
      const harness = process.cpuUsage(cpuAtHoldStart.harness);
      const browserCores = (browserCpuAtHoldEnd - cpuAtHoldStart.browser) / (holdWindowMs / 1000);
      holdCpu = {
        windowMs: holdWindowMs,
        participants: inRoom.length,
        browserCores: round3(browserCores),
        browserCoresPerParticipant: round3(browserCores / inRoom.length),
        harnessCores: round3((harness.user + harness.system) / 1000 / holdWindowMs),
      };
    }
    browserRssBytes ??= await treeRssBytes(pool.pids());
    if (consistencyWhileIn !== undefined) emitCheck(await consistencyWhileIn);
    await Promise.all(participants.map((p) => p.refreshSnapshot()));

    // 6. Judge everyone (pages still open, so failures can be photographed).
    const monitorEnd = Date.now();
    const qualities = new Map(participants.map((p) => [p, participantQuality(p.record)]));
    const cpuLimited = inRoom.filter((p) => qualities.get(p)?.qualityLimitationReason === 'cpu').length;
    if (inRoom.length > 0 && cpuLimited / inRoom.length > thresholds.maxCpuLimitedFraction) {
      monitor.note({
        kind: 'encoder_cpu',
        at: monitorEnd,
        detail: `${cpuLimited} of ${inRoom.length} participants' encoders report qualityLimitationReason=cpu (limit ${(thresholds.maxCpuLimitedFraction * 100).toFixed(0)} %)`,
      });
    }
    const verdicts = new Map<Participant, ParticipantVerdict>();
    for (const p of participants) {
      const from = p.record.arrivedAt ?? t0;
      verdicts.set(
        p,
        classifyParticipant(p.record, {
          expectMedia: expectsMedia(p),
          frozenAfterMs: options.frozenAfterMs ?? d.frozenAfterMs,
          overloaded: monitor.overloadedBetween(from, monitorEnd),
        }),
      );
    }
    for (const p of participants) {
      const v = verdicts.get(p)!;
      if (v.status === 'failed') artifacts.push(...(await writeFailureArtifacts(p, ctx.runDir, stepName, v.label)));
    }

    // 7. Leave, then the API must show the rooms empty again (and webhooks must have seen everyone).
    await Promise.all(participants.map((p) => p.leave()));
    const overload = { ...monitor.stop(), overloaded: false };
    overload.overloaded = overload.signals.length > 0;
    if (!signal.aborted) {
      emitCheck(
        await checkRoomConsistency(
          client,
          rooms.filter((r) => r.roomId !== undefined).map((r) => ({ roomId: r.roomId!, participantCount: 0 })),
          { name: 'api-consistency.participant-count-after-leave', budgetMs: options.propagationBudgetMs ?? d.propagationBudgetMs, signal },
        ),
      );
      if (sink !== undefined) {
        emitCheck(await sink.check(inRoom.map((p) => p.record.plan.name), options.propagationBudgetMs ?? d.propagationBudgetMs, signal));
      }
    }

    // 8. Metrics, SLOs, summary.
    const registry = new MetricsRegistry({ startedAtMs: t0 });
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
    const succeeded = summaries.filter((s) => s.status === 'joined').length;
    const successRate = wilsonInterval(succeeded, summaries.length);
    // Without an SLO about success, every participant must succeed: that is the gate.
    const successJudgedBySlo = slos.some((s) => ['success_rate', 'failure_rate', 'participants_failed'].includes(s.metric) || s.metric.startsWith('failed_'));
    if (!successJudgedBySlo && !signal.aborted) {
      const failed = summaries.filter((s) => s.status === 'failed');
      emitCheck(
        failed.length === 0
          ? { name: 'participants.all-joined-and-saw-video', group: 'participants', status: 'passed', observations: summaries.length, durationMs: Date.now() - t0 }
          : {
              name: 'participants.all-joined-and-saw-video',
              group: 'participants',
              status: 'failed',
              durationMs: Date.now() - t0,
              message: `${failed.length} of ${summaries.length} participants failed: ${Object.entries(failures).map(([l, n]) => `${n} ${l}`).join(', ')}`,
              evidence: failed.map((f) => ({ expected: `${f.name} joins${summaries.length > 1 ? ' and sees remote video' : ''}`, actual: `${f.label}: ${f.detail}` })),
            },
      );
    }
    const sloVerdicts = signal.aborted ? [] : evaluateSlos(slos, registry, catalog);
    for (const verdict of sloVerdicts) ctx.emit({ type: 'slo', at: Date.now(), step: stepName, verdict });

    const summary: BrowserStepSummary = {
      kind: 'browser',
      adapter: adapter.name,
      arrival: describeArrival(arrival),
      layout: describeLayout(rooms.length, perRoom, options.joinUrls !== undefined && options.joinUrls.length > 0, adapter),
      holdMs,
      shards: pool.size,
      rooms: rooms.map((r): RoomSummary => ({
        room: r.label,
        ...(r.roomId === undefined ? {} : { roomId: r.roomId }),
        joinUrl: r.joinUrl,
        participants: participants.filter((p) => p.record.plan.room === r.label).length,
        joined: joinedIn(r.label).length,
        createdByStep: r.createdByStep,
      })),
      participants: summaries,
      successRate,
      failures,
      latency: {
        join_time: registry.summary(BROWSER_SERIES.joinTime),
        setup_time: registry.summary(BROWSER_SERIES.setupTime),
        time_to_first_frame: registry.summary(BROWSER_SERIES.timeToFirstFrame),
      },
      overload,
      ...(browserRssBytes === undefined ? {} : { browserRssBytes, rssPerParticipantBytes: Math.round(browserRssBytes / Math.max(1, participants.length)) }),
      ...(holdCpu === undefined ? {} : { holdCpu }),
      statsResolutionMs: participants.find((p) => p.record.snapshot)?.record.snapshot?.statsResolutionMs ?? 100,
      metrics: registry.serialize(),
    };

    if (signal.aborted) return finish('interrupted', 'interrupted; participants left and rooms were deleted', sloVerdicts, summary);
    if (overload.overloaded) {
      return finish('invalid', `the harness was overloaded, so the figures measure this host, not the target: ${overload.signals[0]!.detail}`, sloVerdicts, summary);
    }
    const failedChecks = checks.filter((c) => c.status === 'failed');
    const failedSlos = sloVerdicts.filter((v) => v.status !== 'passed');
    if (failedChecks.length > 0 || failedSlos.length > 0) {
      const reasons = [...failedChecks.map((c) => (c.status === 'failed' ? c.message : '')), ...failedSlos.map((v) => `SLO ${v.expression} ${v.status === 'no-data' ? 'had no data' : `observed ${'observed' in v ? v.observed : ''}`}`)];
      return finish('failed', reasons.join('; '), sloVerdicts, summary);
    }
    return finish('passed', undefined, sloVerdicts, summary);
  } finally {
    monitor.stop();
    await Promise.allSettled(participants.map((p) => p.close()));
    if (sink !== undefined) await sink.close(client);
    await pool.close();
  }
}

function summarizeParticipant(p: Participant, v: ParticipantVerdict, quality: ReturnType<typeof participantQuality>): ParticipantSummary {
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
  };
}

/** The room layout in words, e.g. "4 rooms × 2 participants (mesh: 1 peer connection each)". */
function describeLayout(rooms: number, perRoom: number, givenUrls: boolean, adapter: PageAdapter): string {
  const peers = perRoom - 1;
  const shape = adapter === REFERENCE_ADAPTER && !givenUrls ? ` (reference page is a full mesh: ${peers} peer connection${peers === 1 ? '' : 's'} per participant)` : ` (${adapter.name})`;
  return `${rooms} ${givenUrls ? 'join URL' : 'room'}${rooms === 1 ? '' : 's'} × ${perRoom} participant${perRoom === 1 ? '' : 's'}${shape}`;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function describeArrival(arrival: NonNullable<BrowserStepOptions['arrival']>): string {
  return arrival.kind === 'burst' ? 'burst' : `ramp:${arrival.perSecond}/s`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}
