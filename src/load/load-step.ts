import { randomUUID } from 'node:crypto';
import { RoomgateError, TargetUnreachableError } from '../errors.js';
import type { LoadStepResult, SloVerdict, StepStatus } from '../model/result.js';
import type { Step, StepContext } from '../model/step.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { ProfileApiError } from '../profile/http-exchange.js';
import { createProfileClient, type ProfileClient } from '../profile/profile-client.js';
import { evaluateSlos } from '../slo/evaluate.js';
import { SloWatch } from '../slo/watch.js';
import { profileOf } from '../target/target.js';
import { ArrivalSchedule } from './arrival-schedule.js';
import { AuthKeeper } from './auth-keeper.js';
import { buildSummary } from './build-load-summary.js';
import { runBurst, type BurstOutcome } from './burst.js';
import { COUNTERS, loadMetricCatalog } from './load-metrics.js';
import { LoadLive, warmUpWindowPath } from './load-live.js';
import { LoadRecorder } from './load-recorder.js';
import { auditAfter, cleanupAfter, createRoomPool, loadSampler, retryServerErrors, type AuditOutcome } from './load-setup.js';
import type { LoadSummary } from '../model/load-summary.js';
import { loadVerdict } from './load-verdict.js';
import { unjudgedErrorsNote } from './unjudged-errors.js';
import { OpenLoopScheduler, type OpenLoopOutcome } from './open-loop.js';
import { LOAD_DEFAULTS, type LoadStepOptions } from './options.js';
import { bindLoad, resolveLoad, type BoundLoad } from './resolve-load.js';
import { RoomWorkload, type LoadRequest } from './room-workload.js';
import type { SchemaSampler } from './schema-sampler.js';
import { shardTag, type ShardSpec } from '../shard/shard-spec.js';
import { waitForStart, type StartSync } from '../shard/start-at.js';

/**
 * The burst/soak load step on the room operations of the target's profile.
 * Options and thresholds are validated here, when the step is created (with
 * the profile the plan already loaded, when it gives one: names in the mix
 * and the SLOs are checked against its operations), so a bad threshold is a
 * config error (exit 2) before anything is started.
 */
export function createLoadStep(options: LoadStepOptions): Step {
  const resolved = resolveLoad(options);
  if (options.profile !== undefined) bindLoad(resolved, options.profile);
  return {
    name: resolved.name,
    kind: 'load',
    run: async (ctx) => runLoad(bindLoad(resolved, await profileOf(ctx.target)), ctx),
  };
}

async function runLoad(load: BoundLoad, ctx: StepContext): Promise<LoadStepResult> {
  const { options } = load;
  const mode = options.mode;
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const catalog = loadMetricCatalog(mode);
  const profile = await profileOf(ctx.target);
  const workloadIdentity = shardWorkload(options.shard);
  const runTag = workloadIdentity.runTag ?? `rg-${randomUUID().slice(0, 8)}`;
  let setupRequests = 0;
  const client = createProfileClient(profile, {
    baseUrl: ctx.target.baseUrl,
    clientId: ctx.target.credentials.clientId === '' ? undefined : ctx.target.credentials.clientId,
    clientSecret: ctx.target.credentials.clientSecret,
    timeoutMs: options.requestTimeoutMs ?? LOAD_DEFAULTS.requestTimeoutMs,
    requestId: () => `${runTag}-s${++setupRequests}`,
  });
  const workload = new RoomWorkload(client.api, load.operations, load.weights, {
    ...workloadIdentity,
    runTag,
    createRetries: options.createRetries ?? LOAD_DEFAULTS.createRetries,
  });
  const auth = new AuthKeeper(client.auth);
  const log = (level: 'info' | 'warn', message: string) => ctx.emit({ type: 'log', at: Date.now(), step: load.name, level, message });
  const announce = (event: 'created' | 'closed', roomId: string, requestId?: string) =>
    ctx.emit({ type: 'room', at: Date.now(), step: load.name, event, roomId, ...(requestId === undefined ? {} : { requestId }) });
  const finish = (status: StepStatus, reason: string | undefined, slos: SloVerdict[], summary: LoadSummary | undefined): LoadStepResult => ({
    name: load.name,
    kind: 'load',
    status,
    ...(reason === undefined ? {} : { reason }),
    startedAt,
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - started,
    checks: [],
    slos,
    ...(summary === undefined ? {} : { summary }),
    artifacts: [],
  });
  const cleanup = () => cleanupAfter(client, workload, options, ctx.signal, (id) => announce('closed', id));

  // Setup: auth headers (never fetched in the timed path), schema sampler, a pool of rooms.
  // Burst's fixed cycle bakes the auth headers in; these rebuild it on a refresh.
  const cycleListeners = new Set<() => void>();
  let roomsCreated = 0;
  let sampler: SchemaSampler | undefined;
  try {
    warmUpWindowPath(load.operations.names(), load.windowMs);
    await retryServerErrors(() => auth.start(ctx.signal));
    auth.onChange((headers) => {
      workload.setAuthHeaders(headers);
      for (const listener of cycleListeners) listener();
    });
    sampler = await loadSampler(options, profile, load.operations);
    roomsCreated = await createRoomPool(client, workload, options.roomPoolSize ?? LOAD_DEFAULTS.roomPoolSize, ctx.signal, (id, requestId) =>
      announce('created', id, requestId),
    );
  } catch (error) {
    auth.stop();
    if (ctx.signal.aborted) {
      const swept = await cleanup();
      return finish('interrupted', `interrupted during setup${clause(swept.problem)}`, [], undefined);
    }
    if (error instanceof TargetUnreachableError) return finish('invalid', error.message, [], undefined);
    if (error instanceof RoomgateError) throw error;
    const swept = await cleanup();
    // The target answered, but not what its profile promises (a create answered 404): the target
    // fails the load test. Refused credentials and everything else are roomgate unable to run it.
    const refused = error instanceof ProfileApiError && error.status !== 401 && error.status !== 403;
    // "CreateRoom answered 404: …" → "the target answered 404 on CreateRoom: …": the target is at fault, in the profile's words.
    const answered = refused
      ? error.message.replace(`${error.operationId} answered ${error.status}`, `the target answered ${error.status} on ${error.operationId}`)
      : (error as Error).message;
    return finish(refused ? 'failed' : 'errored', `setup failed: ${answered}${clause(swept.problem)}`, [], undefined);
  }

  // Every shard begins its measured phase at the agreed time; a late one says by how much.
  let sync: StartSync | undefined;
  if (options.startAtMs !== undefined) {
    sync = await waitForStart(options.startAtMs, ctx.signal);
    if (sync.setupOverran) log('warn', `started ${sync.lateMs} ms after --start-at ${sync.startAt} (setup took longer than the time left)`);
  }

  // The clock starts after setup, so windows and throughput cover the timed run only.
  const registry = new MetricsRegistry({ windowMs: load.windowMs });
  const cpuAtStart = process.cpuUsage();
  ctx.publishMetrics?.({ step: load.name, registry, slos: load.slos, catalog });
  const recorder = new LoadRecorder(registry, workload, sampler, mode, (change) => announce(change.event, change.roomId, change.requestId));
  const nextRequest = (): LoadRequest => {
    const request = workload.next();
    if (sampler?.shouldSample() === true) {
      request.sampled = true;
      request.wantBody = true;
    }
    return request;
  };

  // The run: stopped by the user's signal or by an abort_on_fail threshold.
  const stopper = new AbortController();
  const onOuterAbort = () => stopper.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
  let abortedBy: SloVerdict | undefined;
  let scheduler: OpenLoopScheduler<LoadRequest> | undefined;
  let burstSent = 0;
  const live = new LoadLive({
    load,
    registry,
    watch: new SloWatch(load.slos, catalog),
    emit: ctx.emit,
    onBreach: (breach) => {
      abortedBy = breach;
      log('warn', `stopping: abort_on_fail threshold breached: ${breach.expression}`);
      stopper.abort(new Error(`SLO breached: ${breach.expression}`));
    },
    scheduler: () => scheduler,
    burstSent: () => burstSent,
    defer: (task) => (scheduler === undefined ? task() : scheduler.defer(task)),
  });

  const maxBodyBytes = options.maxBodyBytes ?? LOAD_DEFAULTS.maxBodyBytes;
  const requestTimeoutMs = options.requestTimeoutMs ?? LOAD_DEFAULTS.requestTimeoutMs;
  let soakOutcome: OpenLoopOutcome | undefined;
  let burstOutcome: BurstOutcome | undefined;
  let runError: unknown;
  try {
    if (mode === 'soak') {
      scheduler = new OpenLoopScheduler<LoadRequest>({
        origin: ctx.target.baseUrl,
        connections: options.connections ?? LOAD_DEFAULTS.connections.soak,
        schedule: new ArrivalSchedule(load.segments),
        maxInFlight: options.maxInFlight ?? LOAD_DEFAULTS.maxInFlight,
        lateThresholdMs: options.lateThresholdMs ?? LOAD_DEFAULTS.lateThresholdMs,
        requestTimeoutMs,
        maxBodyBytes,
        nextRequest,
        observer: recorder,
        signal: stopper.signal,
      });
      soakOutcome = await scheduler.run();
    } else {
      const cycle = workload.fixedCycle();
      burstOutcome = await runBurst<LoadRequest>({
        origin: ctx.target.baseUrl,
        phases: load.burstPhases,
        requestTimeoutMs,
        maxBodyBytes,
        nextRequest,
        // A mix without creates or closes is a fixed cycle autocannon encodes once (burst.ts).
        fixedCycle:
          cycle === undefined
            ? undefined
            : {
                requests: () => workload.fixedCycle() ?? cycle,
                subscribe: (listener) => {
                  cycleListeners.add(listener);
                  return () => cycleListeners.delete(listener);
                },
              },
        shouldSample: sampler === undefined ? undefined : () => sampler!.shouldSample(),
        recorder,
        signal: stopper.signal,
        onTick: ({ sent }) => (burstSent = sent),
      });
    }
  } catch (error) {
    runError = error;
  } finally {
    live.stop();
    ctx.signal.removeEventListener('abort', onOuterAbort);
  }
  registry.finish();
  const cpu = process.cpuUsage(cpuAtStart);
  live.flushLastWindow();

  // After the run: count the rooms a create made twice (before cleanup closes any), then
  // close every room of the run that is still open, even after an interruption.
  const duplicates = await audit(load, registry, client, workload, ctx.signal);
  const swept = await cleanup();
  auth.stop();

  const verdicts = evaluateSlos(load.slos, registry, catalog);
  for (const verdict of verdicts) ctx.emit({ type: 'slo', at: Date.now(), step: load.name, verdict });
  const notes: string[] = [];
  const unjudged = unjudgedErrorsNote(registry, load.slos);
  if (unjudged !== undefined) {
    notes.push(unjudged);
    log('warn', unjudged);
  }
  if (swept.problem !== undefined) log('warn', `cleanup: ${swept.problem}`);
  const summary = buildSummary(
    load,
    registry,
    live.windows,
    workload,
    { roomsCreated, cleanup: swept.report, duplicates, notes, operationNames: [...load.operations.all] },
    recorder,
    soakOutcome,
    burstOutcome,
    abortedBy,
    { sync, generatorCpu: generatorCpu(cpu, registry.durationMs) },
  );
  const { status, reason } = loadVerdict({
    runError,
    interrupted: ctx.signal.aborted,
    totals: summary.totals,
    schedule: summary.schedule,
    maxLateFraction: options.maxLateFraction ?? LOAD_DEFAULTS.maxLateFraction,
    abortedBy: abortedBy?.expression,
    verdicts,
    operations: summary.operations,
  });
  return finish(status, reason ?? (status === 'passed' ? unjudged : undefined), verdicts, summary);
}

/**
 * The duplicate audit, when it can tell something: an SLO reads
 * `duplicate_rooms`, or creates were retried (only a retry can double a
 * room). Its figures go into the registry before the SLOs are judged.
 */
async function audit(
  load: BoundLoad,
  registry: MetricsRegistry,
  client: ProfileClient,
  workload: RoomWorkload,
  signal: AbortSignal,
): Promise<AuditOutcome | undefined> {
  const asked = load.slos.some((slo) => slo.metric === 'duplicate_rooms');
  if (!asked && registry.counter(COUNTERS.retries) === 0) return undefined;
  const outcome = await auditAfter(client, workload, signal);
  if ('skipped' in outcome) return outcome;
  registry.increment(COUNTERS.roomsAudited, '', outcome.rooms);
  registry.increment(COUNTERS.duplicateRooms, '', outcome.duplicates);
  return outcome;
}

/**
 * A shard's workload: its shard in the run tag (so room names and
 * Idempotency-Keys never collide with another shard's, and cleanup closes
 * only its own rooms) and its own seed (so shards do not send the same sequence).
 */
function shardWorkload(shard: ShardSpec | undefined): { runTag?: string; seed?: number } {
  const tag = shardTag(shard);
  return tag === '' ? {} : { runTag: `rg-${randomUUID().slice(0, 8)}-${tag}`, seed: shard!.index };
}

/** CPU this process spent over the timed run: what one shard of generator costs, whatever else runs on the host. */
function generatorCpu(cpu: NodeJS.CpuUsage, durationMs: number): { seconds: number; cores: number } {
  const seconds = (cpu.user + cpu.system) / 1e6;
  return { seconds: Math.round(seconds * 1000) / 1000, cores: Math.round((seconds / Math.max(0.001, durationMs / 1000)) * 1000) / 1000 };
}

/** ` (cleanup: …)` for a reason, when cleanup did not finish. */
function clause(problem: string | undefined): string {
  return problem === undefined ? '' : ` (cleanup: ${problem})`;
}
