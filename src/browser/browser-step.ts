import { sleep } from '../abortable-sleep.js';
import { MetricsRegistry } from '../metrics/registry.js';
import type { Artifact, BrowserStepResult, CheckResult, SloVerdict, StepStatus } from '../model/result.js';
import type { Step, StepContext } from '../model/step.js';
import { removeStaleNetworkLabs, type NetworkCapabilities } from '../network/index.js';
import { evaluateSlos } from '../slo/evaluate.js';
import type { Slo } from '../slo/types.js';
import { VideoConnectClient } from '../target/client.js';
import { profileOf } from '../target/target.js';
import { createProfileClient } from '../profile/profile-client.js';
import { ProfileApiError } from '../profile/http-exchange.js';
import { toPageAdapter } from './adapters/load-adapter.js';
import { REFERENCE_ADAPTER } from './adapters/reference.js';
import type { PageAdapter } from './adapters/types.js';
import { checkRoomConsistency } from './api-consistency.js';
import { arrivalOffsets } from './arrival.js';
import { writeFailureArtifacts } from './artifacts.js';
import { browserMetricCatalog, BROWSER_OPERATION, participantOperation } from './browser-metrics.js';
import { parseBrowserSlos } from './browser-slos.js';
import { CohortLab, hostNetworkCapabilities, planCohortNetwork, type CohortNetworkPlan } from './cohorts/cohort-network.js';
import { loopbackPorts } from './cohorts/loopback-ports.js';
import { assignCohorts, validateCohorts, type PlacedCohort } from './cohorts/place-cohorts.js';
import { participantQuality } from './quality/participant-quality.js';
import { QualityTimeline } from './quality/quality-timeline.js';
import type { CohortDescription } from './quality/quality-summary.js';
import type { Span } from './quality/video-freezes.js';
import { BrowserPool } from './launch/browser-pool.js';
import { ensureFakeClip } from './launch/fake-video.js';
import { BROWSER_DEFAULTS, type BrowserStepOptions, type ParticipantPlan } from './options.js';
import { OverloadMonitor } from './overload-monitor.js';
import { classifyParticipant, type ParticipantVerdict } from './participant/classify.js';
import { Participant } from './participant/participant.js';
import { allJoinedCheck, browserVerdict, successJudgedBySlo } from './step/browser-verdict.js';
import { hold, type HoldOutcome } from './step/hold.js';
import { describeArrival, describeLayout, recordParticipants } from './step/participant-results.js';
import { AdapterRoomError, NoJoinUrlError, planRooms, type CreatedRoom, type PlannedRoom } from './step/plan-rooms.js';
import { forEachLimited } from './step/timing.js';
import { buildBrowserSummary } from './build-browser-summary.js';
import type { BrowserStepSummary, CohortChangeSummary, ParticipantQuality, RoomSummary } from '../model/browser-summary.js';
import { ParticipantWebhookSink } from './webhook-sink.js';
import { shardBrowserOptions } from './browser-shard.js';
import { waitForStart, type StartSync } from '../shard/start-at.js';

/** What the step knows of its cohorts before it runs: placement, and the network plan once the host was checked. */
interface StepCohorts {
  placed: PlacedCohort[];
  /** Cohort index of each participant (participant index = link index). */
  assignment: number[];
  network: CohortNetworkPlan | undefined;
}

/** Found before the step is created, where that can wait (buildBrowserStep): what the host can do for cohorts. */
export interface PreparedBrowserStep {
  networkCapabilities?: NetworkCapabilities;
}

/**
 * Headless browser participants: M rooms × K participants join (burst or
 * ramp), hold while stats are sampled, then leave. Measures join time, setup
 * time and time to first frame, and media quality over the hold as a time
 * series; labels every failure once, checks that the API's
 * participant_count/status follow the truth, and writes artifacts for every
 * failed participant. SLOs are parsed here, before anything runs. With
 * `cohorts`, each participant runs behind its own shaped network link
 * (cohorts/cohort-network.ts): the lab is built in setup (its teardown on
 * the runner's stack, so SIGINT removes it too) and the cohorts' timed
 * network changes are played during the hold.
 */
export function createBrowserStep(given: BrowserStepOptions = {}, prepared: PreparedBrowserStep = {}): Step {
  const name = given.name ?? 'browser';
  // A shard runs its share (a config error now, exit 2, when there is too little to share).
  const options = shardBrowserOptions(given);
  const catalog = browserMetricCatalog();
  const cohorts = planStepCohorts(options, prepared.networkCapabilities);
  const slos = parseBrowserSlos(options.slos ?? [], catalog, cohorts?.placed.map((c) => c.name) ?? [], { path: `${name}.slos` });
  // Validated now, so a broken adapter is a config error before anything runs.
  const adapter = options.adapter === undefined ? REFERENCE_ADAPTER : toPageAdapter(options.adapter);
  const createdRooms: CreatedRoom[] = [];
  let lab: CohortLab | undefined;

  const deleteRooms = async () => {
    const rooms = createdRooms.splice(0);
    await Promise.allSettled(rooms.map((r) => r.delete()));
  };
  const openLab = async (ctx: StepContext, cohorts: StepCohorts): Promise<CohortLab> => {
    const log = (message: string) => ctx.emit({ type: 'log', at: Date.now(), step: name, level: 'info', message });
    const stale = await removeStaleNetworkLabs();
    if (stale.length > 0) log(`removed network namespaces left by runs that are gone: ${stale.join(', ')}`);
    const plan = cohorts.network ?? planCohortNetwork(cohorts.placed, cohorts.assignment, await hostNetworkCapabilities(), { holdMs: holdMsOf(options) });
    cohorts.network = plan;
    const ports = loopbackPorts([ctx.target.baseUrl, ...(options.joinUrls ?? []), ...(adapter.loopbackUrls ?? [])]);
    log(
      `network lab: ${plan.cohorts.map((c) => `${c.name} (${c.participants.length} × ${c.network})`).join(', ')}; loopback port${ports.length === 1 ? '' : 's'} ${ports.join(', ') || '(none)'} exposed`,
    );
    return CohortLab.create(plan, { exposePorts: ports, signal: ctx.signal });
  };
  const closeLab = async () => {
    const open = lab;
    lab = undefined;
    await open?.teardown();
  };

  return {
    name,
    kind: 'browser',
    ...(cohorts === undefined
      ? {}
      : {
          async setup(ctx: StepContext) {
            lab = await openLab(ctx, cohorts);
          },
        }),
    async run(ctx: StepContext): Promise<BrowserStepResult> {
      const startedAt = new Date();
      // Run without setup (the step used as a library): the lab is made and removed here.
      const ownLab = cohorts !== undefined && lab === undefined;
      try {
        if (ownLab) lab = await openLab(ctx, cohorts);
        return await runStep(ctx, name, options, adapter, slos, catalog, createdRooms, startedAt, cohorts, lab);
      } finally {
        await deleteRooms();
        if (ownLab) await closeLab();
      }
    },
    // A safety net for the rooms (run() deletes its rooms itself), and the network lab's removal.
    async teardown() {
      await deleteRooms();
      await closeLab();
    },
  };
}

function holdMsOf(options: BrowserStepOptions): number {
  return options.holdMs ?? BROWSER_DEFAULTS.holdMs;
}

/** Cohorts validated and placed; the network planned too when the host's capabilities are known (else in setup). */
function planStepCohorts(options: BrowserStepOptions, capabilities: NetworkCapabilities | undefined): StepCohorts | undefined {
  if (options.cohorts === undefined) return undefined;
  const placed = validateCohorts(options.cohorts);
  const rooms = options.joinUrls !== undefined && options.joinUrls.length > 0 ? options.joinUrls.length : (options.rooms ?? BROWSER_DEFAULTS.rooms);
  const assignment = assignCohorts(rooms * (options.participants ?? BROWSER_DEFAULTS.participants), placed);
  const network = capabilities === undefined ? undefined : planCohortNetwork(placed, assignment, capabilities, { holdMs: holdMsOf(options) });
  return { placed, assignment, network };
}

async function runStep(
  ctx: StepContext,
  stepName: string,
  options: BrowserStepOptions,
  adapter: PageAdapter,
  slos: readonly Slo[],
  catalog: ReturnType<typeof browserMetricCatalog>,
  createdRooms: CreatedRoom[],
  startedAt: Date,
  cohorts: StepCohorts | undefined,
  lab: CohortLab | undefined,
): Promise<BrowserStepResult> {
  const d = BROWSER_DEFAULTS;
  const perRoom = options.participants ?? d.participants;
  const arrival = options.arrival ?? d.arrival;
  const holdMs = options.holdMs ?? d.holdMs;
  const thresholds = { ...d.overload, ...options.overload };
  // Rooms are created, read and closed as the target's profile says (VideoConnect's is the built-in one).
  const client = createProfileClient(await profileOf(ctx.target), {
    baseUrl: ctx.target.baseUrl,
    clientId: ctx.target.credentials.clientId === '' ? undefined : ctx.target.credentials.clientId,
    clientSecret: ctx.target.credentials.clientSecret,
  });
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
    if (error instanceof ProfileApiError) return finish('errored', `could not set up rooms through the API: ${error.message}`, []);
    if (error instanceof NoJoinUrlError) return finish('errored', error.message, []);
    if (error instanceof AdapterRoomError) return finish('errored', error.message, []);
    throw error;
  }

  // Cohorts: participant i runs behind link i; the rooms' own join URLs may live on other loopback ports.
  const cohortOf = (p: Participant): string | undefined => (cohorts === undefined ? undefined : cohorts.placed[cohorts.assignment[p.record.plan.index]!]?.name);
  const operationOf = (p: Participant) => participantOperation(cohortOf(p));
  if (lab !== undefined) {
    if (cohorts!.assignment.length !== plans.length)
      throw new Error(`cohorts were placed for ${cohorts!.assignment.length} participants, the rooms have ${plans.length}`);
    await lab.expose(loopbackPorts(plans.map((p) => p.joinUrl)), signal);
  }

  // 2. Browsers, contexts and pages, all before the first arrival so launch time is never measured.
  // In cohorts every participant has its own browser: a browser lives in one network namespace.
  const perBrowser = lab !== undefined ? 1 : Math.max(1, options.participantsPerBrowser ?? d.participantsPerBrowser);
  const shards = Math.max(1, Math.ceil(plans.length / perBrowser));
  const fakeVideoFile = options.fakeVideoFile ?? ((options.lowResolution ?? d.lowResolution) ? await ensureFakeClip() : undefined);
  const pool = await BrowserPool.launch({
    shards,
    executablePath: options.executablePath,
    fakeVideoFile,
    extraArgs: [...(adapter.chromiumArgs ?? []), ...(options.chromiumArgs ?? [])],
    ...(lab === undefined ? {} : { wrap: (chromium: string, i: number) => lab.link(i).chromiumExecutable(chromium) }),
    signal,
  });
  const monitor = new OverloadMonitor(thresholds);
  const sink = options.webhooks === true ? await ParticipantWebhookSink.start() : undefined;
  // participant.joined/left deliveries are VideoConnect's events (a profile's webhooks role maps room events only).
  const webhookClient = () => new VideoConnectClient({ baseUrl: ctx.target.baseUrl, credentials: ctx.target.credentials });
  const participants = plans.map((plan, i) => new Participant(plan, i % pool.size, adapter, signal));
  let held: HoldOutcome = {};
  let registry: MetricsRegistry | undefined;
  let timeline: QualityTimeline | undefined;
  // Each cohort's changes as played: planned, then stamped when applied and reverted.
  const changes = new Map<string, CohortChangeSummary[]>(
    (cohorts?.network?.cohorts ?? []).map((c) => [
      c.name,
      c.changes.map((ch) => ({ index: ch.index, label: ch.shaping.label, atMs: ch.atMs, forMs: ch.forMs })),
    ]),
  );
  try {
    if (sink !== undefined) await sink.subscribe(webhookClient(), signal);
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
    registry = new MetricsRegistry({ startedAtMs: t0, windowMs: options.windowMs ?? d.windowMs });
    timeline = new QualityTimeline({
      registry,
      participants: participants.map((p) => ({ record: p.record, operation: operationOf(p) })),
      rename: (op) => (cohorts === undefined && op === BROWSER_OPERATION ? 'all' : op),
      emitWindow: (window) => ctx.emit({ type: 'window', at: Date.now(), step: stepName, window }),
    });
    timeline.start();
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
              return { roomId: r.roomId!, participantCount: count, ...(count > 0 ? { state: 'active' as const } : {}) };
            }),
          { name: 'api-consistency.participant-count-while-joined', budgetMs: options.propagationBudgetMs ?? d.propagationBudgetMs, signal },
        );
    log(`hold: ${inRoom.length} of ${participants.length} participants in, sampling stats for ${holdMs} ms`);
    const holdStart = Date.now();
    timeline.holdStarted(holdStart);
    // The cohorts' timed changes, from the hold's start; each one a band on the timeline.
    const playing = lab?.play(holdStart, signal, (event) => {
      const change = changes.get(event.cohort)?.find((c) => c.index === event.change.index);
      if (change === undefined) return;
      if (event.phase === 'applied') change.appliedAt = event.at;
      else change.revertedAt = event.at;
      log(`cohort ${event.cohort}: ${event.change.shaping.label} ${event.phase === 'applied' ? 'on' : 'over'}`);
      ctx.emit({
        type: 'band',
        at: event.at,
        step: stepName,
        band: {
          id: `network:${event.cohort}:${event.change.index}`,
          kind: 'network',
          label: `${event.cohort}: ${event.change.shaping.label}`,
          startMs: change.appliedAt ?? event.at,
          ...(change.revertedAt === undefined ? {} : { endMs: change.revertedAt }),
        },
      });
    });
    const sampleIntervalMs = options.sampleIntervalMs ?? d.sampleIntervalMs;
    held = await hold(pool, inRoom, holdMs, sampleIntervalMs, signal, () => timeline?.recordNewSamples());
    await playing;
    timeline.holdEnded(Date.now());
    if (consistencyWhileIn !== undefined) emitCheck(await consistencyWhileIn);
    await Promise.all(participants.map((p) => p.refreshSnapshot()));

    // 6. Judge everyone (pages still open, so failures can be photographed).
    const monitorEnd = Date.now();
    const played = [...changes.values()].flat().filter((c) => c.appliedAt !== undefined);
    // A participant's video is interrupted by its own cohort's changes and by those of its room peers' cohorts
    // (media crosses both links), never by a change in a room it is not in.
    const spansOf = (cohort: string | undefined): Span[] =>
      (cohort === undefined ? [] : (changes.get(cohort) ?? [])).flatMap((c) =>
        c.appliedAt === undefined || c.revertedAt === undefined ? [] : [{ from: c.appliedAt, to: c.revertedAt }],
      );
    const recoverySpansOf = (p: Participant): Span[] =>
      [...new Set(participants.filter((q) => q.record.plan.room === p.record.plan.room).map(cohortOf))].flatMap(spansOf);
    const qualities = new Map<Participant, ParticipantQuality | undefined>(participants.map((p) => [p, participantQuality(p.record, recoverySpansOf(p))]));
    // A stall during a planned change is the plan, not a fault (widened by a sampling interval: samples bound it only that closely).
    const excused = played.map((c) => ({ from: c.appliedAt! - sampleIntervalMs, to: (c.revertedAt ?? monitorEnd) + sampleIntervalMs }));
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
          excused,
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
        emitCheck(
          await sink.check(
            inRoom.map((p) => p.record.plan.name),
            options.propagationBudgetMs ?? d.propagationBudgetMs,
            signal,
          ),
        );
      }
    }

    // 8. Metrics, SLOs, summary.
    const { summaries, failures } = recordParticipants(participants, verdicts, qualities, registry, operationOf, cohortOf);
    timeline.finish();
    // Without an SLO about success, every participant must succeed: that is the gate.
    if (!successJudgedBySlo(slos) && !signal.aborted) emitCheck(allJoinedCheck(summaries, failures, Date.now() - t0));
    const sloVerdicts = signal.aborted ? [] : evaluateSlos(slos, registry, catalog);
    for (const verdict of sloVerdicts) ctx.emit({ type: 'slo', at: Date.now(), step: stepName, verdict });

    const summary = buildBrowserSummary({
      adapter: adapter.name,
      arrival: describeArrival(arrival),
      layout: describeLayout(
        rooms.length,
        perRoom,
        options.joinUrls !== undefined && options.joinUrls.length > 0,
        adapter === REFERENCE_ADAPTER ? undefined : adapter.name,
      ),
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
      ...(cohorts === undefined ? {} : { cohorts: describeCohorts(cohorts, changes) }),
      runShard: options.shard,
      sync,
    });

    const { status, reason } = browserVerdict({ interrupted: signal.aborted, overloadDetail: overload.signals[0]?.detail, checks, verdicts: sloVerdicts });
    return finish(status, reason, sloVerdicts, summary);
  } finally {
    timeline?.stop();
    monitor.stop();
    await Promise.allSettled(participants.map((p) => p.close()));
    if (sink !== undefined) await sink.close(webhookClient());
    await pool.close();
  }
}

/** The cohorts as the summary describes them (their figures come from the registry). */
function describeCohorts(cohorts: StepCohorts, changes: ReadonlyMap<string, CohortChangeSummary[]>): CohortDescription[] {
  return cohorts.placed.map((c) => ({
    name: c.name,
    share: c.share,
    network: cohorts.network?.cohorts.find((n) => n.name === c.name)?.network ?? 'unshaped',
    changes: changes.get(c.name) ?? [],
  }));
}
