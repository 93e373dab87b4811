import { sleep } from '../abortable-sleep.js';
import type { Artifact, BrowserStepResult, CheckResult, SloVerdict, StepStatus } from '../model/result.js';
import type { Step, StepContext } from '../model/step.js';
import { evaluateSlos } from '../slo/evaluate.js';
import { parseSlos } from '../slo/parse.js';
import { ApiError, VideoConnectClient } from '../target/client.js';
import { toPageAdapter } from './adapters/load-adapter.js';
import { REFERENCE_ADAPTER } from './adapters/reference.js';
import type { PageAdapter } from './adapters/types.js';
import { checkRoomConsistency } from './api-consistency.js';
import { arrivalOffsets } from './arrival.js';
import { writeFailureArtifacts } from './artifacts.js';
import { BROWSER_OPERATION, browserMetricCatalog } from './browser-metrics.js';
import { BrowserPool } from './launch/browser-pool.js';
import { ensureFakeClip } from './launch/fake-video.js';
import { BROWSER_DEFAULTS, type BrowserStepOptions, type ParticipantPlan } from './options.js';
import { OverloadMonitor } from './overload-monitor.js';
import { classifyParticipant, type ParticipantVerdict } from './participant/classify.js';
import { Participant } from './participant/participant.js';
import { participantQuality } from './quality.js';
import { allJoinedCheck, browserVerdict, successJudgedBySlo } from './step/browser-verdict.js';
import { hold, type HoldOutcome } from './step/hold.js';
import { describeArrival, describeLayout, recordParticipants } from './step/participant-results.js';
import { AdapterRoomError, planRooms, type CreatedRoom, type PlannedRoom } from './step/plan-rooms.js';
import { forEachLimited } from './step/timing.js';
import { buildBrowserSummary } from './build-browser-summary.js';
import type { BrowserStepSummary, RoomSummary } from '../model/browser-summary.js';
import { ParticipantWebhookSink } from './webhook-sink.js';
import { shardBrowserOptions } from './browser-shard.js';
import { waitForStart, type StartSync } from '../shard/start-at.js';

/**
 * Headless browser participants: M rooms × K participants join (burst or
 * ramp), hold while stats are sampled, then leave. Measures join time, setup
 * time and time to first frame, labels every failure once, checks that the
 * API's participant_count/status follow the truth, and writes artifacts for
 * every failed participant. SLOs are parsed here, before anything runs.
 */
export function createBrowserStep(given: BrowserStepOptions = {}): Step {
  const name = given.name ?? 'browser';
  // A shard runs its share (a config error now, exit 2, when there is too little to share).
  const options = shardBrowserOptions(given);
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
    async run(ctx: StepContext): Promise<BrowserStepResult> {
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
): Promise<BrowserStepResult> {
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
  const finish = (status: StepStatus, reason: string | undefined, slosOut: SloVerdict[], summary?: BrowserStepSummary): BrowserStepResult => {
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
      ...(summary === undefined ? {} : { summary }),
      artifacts,
    };
  };

  // 1. Rooms and participant plans.
  let rooms: PlannedRoom[];
  let plans: ParticipantPlan[];
  try {
    ({ rooms, plans } = await planRooms(client, adapter, stepName, options, createdRooms, signal));
  } catch (error) {
    if (error instanceof ApiError) return finish('errored', `could not set up rooms through the API: ${error.message}`, []);
    if (error instanceof AdapterRoomError) return finish('errored', error.message, []);
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
  let held: HoldOutcome = {};
  try {
    if (sink !== undefined) await sink.subscribe(client, signal);
    const browserNice = options.browserNice ?? d.browserNice;
    await pool.deprioritize(browserNice);
    await forEachLimited(participants, 4, async (p, i) => p.prepare(await pool.newContext(i)));
    // Again for the renderers the pages brought (new ones forked later inherit it from the zygote).
    await pool.deprioritize(browserNice);
    log(`${participants.length} participants in ${rooms.length} rooms on ${pool.size} browser(s); arrival ${describeArrival(arrival)}`);
    monitor.start();

    // 3. Arrivals and joins, at the agreed time when shards start together.
    let sync: StartSync | undefined;
    if (options.startAtMs !== undefined) {
      sync = await waitForStart(options.startAtMs, signal);
      if (sync.setupOverran) log(`arrivals started ${sync.lateMs} ms after --start-at ${sync.startAt} (browser launch took longer than the time left)`, 'warn');
    }
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
    held = await hold(pool, inRoom, holdMs, options.sampleIntervalMs ?? d.sampleIntervalMs, signal);
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
    // In parallel: each screenshot waits on its own renderer, and a starved one must not hold up the rest.
    const failedOnes = participants.flatMap((p) => {
      const v = verdicts.get(p)!;
      return v.status === 'failed' ? [{ p, label: v.label }] : [];
    });
    if (failedOnes.length > 0) log(`${failedOnes.length} of ${participants.length} participants failed: writing their screenshots, console logs and stats`);
    const written = await Promise.all(failedOnes.map(({ p, label }) => writeFailureArtifacts(p, ctx.runDir, stepName, label)));
    artifacts.push(...written.flat());

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
    const { registry, summaries, failures } = recordParticipants(participants, verdicts, qualities, t0);
    // Without an SLO about success, every participant must succeed: that is the gate.
    if (!successJudgedBySlo(slos) && !signal.aborted) emitCheck(allJoinedCheck(summaries, failures, Date.now() - t0));
    const sloVerdicts = signal.aborted ? [] : evaluateSlos(slos, registry, catalog);
    for (const verdict of sloVerdicts) ctx.emit({ type: 'slo', at: Date.now(), step: stepName, verdict });

    const summary = buildBrowserSummary({
      adapter: adapter.name,
      arrival: describeArrival(arrival),
      layout: describeLayout(rooms.length, perRoom, options.joinUrls !== undefined && options.joinUrls.length > 0, adapter === REFERENCE_ADAPTER ? undefined : adapter.name),
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
      failures,
      registry,
      overload,
      browserRssBytes: held.browserRssBytes,
      holdCpu: held.holdCpu,
      statsResolutionMs: participants.find((p) => p.record.snapshot)?.record.snapshot?.statsResolutionMs ?? 100,
      runShard: options.shard,
      sync,
    });

    const { status, reason } = browserVerdict({ interrupted: signal.aborted, overloadDetail: overload.signals[0]?.detail, checks, verdicts: sloVerdicts });
    return finish(status, reason, sloVerdicts, summary);
  } finally {
    monitor.stop();
    await Promise.allSettled(participants.map((p) => p.close()));
    if (sink !== undefined) await sink.close(client);
    await pool.close();
  }
}
