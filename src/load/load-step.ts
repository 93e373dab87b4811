import { RoomgateError, TargetUnreachableError } from '../errors.js';
import type { LoadStepResult, SloVerdict, StepStatus } from '../model/result.js';
import type { Step, StepContext } from '../model/step.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { evaluateSlos } from '../slo/evaluate.js';
import { SloWatch } from '../slo/watch.js';
import { VideoConnectClient } from '../target/client.js';
import { ArrivalSchedule } from './arrival-schedule.js';
import { buildSummary } from './build-load-summary.js';
import { runBurst, type BurstOutcome } from './burst.js';
import { loadMetricCatalog } from './load-metrics.js';
import { LoadLive } from './load-live.js';
import { LoadRecorder } from './load-recorder.js';
import { cleanupAfter, createRoomPool, loadSampler, retryServerErrors } from './load-setup.js';
import type { LoadSummary } from '../model/load-summary.js';
import { loadVerdict } from './load-verdict.js';
import { OpenLoopScheduler, type OpenLoopOutcome, type PreparedRequest } from './open-loop.js';
import { LOAD_DEFAULTS, type LoadStepOptions } from './options.js';
import { resolveLoad, type ResolvedLoad } from './resolve-load.js';
import { RoomWorkload } from './room-workload.js';
import type { SchemaSampler } from './schema-sampler.js';
import { TokenKeeper } from './token-keeper.js';
import { shardTag, type ShardSpec } from '../shard/shard-spec.js';
import { waitForStart, type StartSync } from '../shard/start-at.js';
import { randomUUID } from 'node:crypto';

/**
 * The burst/soak load step on the room endpoints. Options and thresholds are
 * validated here, when the step is created, so a bad threshold is a config
 * error (exit 2) before anything is started.
 */
export function createLoadStep(options: LoadStepOptions): Step {
  const resolved = resolveLoad(options);
  return {
    name: resolved.name,
    kind: 'load',
    run: (ctx) => runLoad(resolved, ctx),
  };
}

async function runLoad(load: ResolvedLoad, ctx: StepContext): Promise<LoadStepResult> {
  const { options } = load;
  const mode = options.mode;
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const catalog = loadMetricCatalog(mode);
  const client = new VideoConnectClient({ baseUrl: ctx.target.baseUrl, credentials: ctx.target.credentials, timeoutMs: options.requestTimeoutMs ?? LOAD_DEFAULTS.requestTimeoutMs });
  const workload = new RoomWorkload(options.mix ?? LOAD_DEFAULTS.mix, shardWorkload(options.shard));
  const tokens = new TokenKeeper(client);
  const log = (level: 'info' | 'warn', message: string) => ctx.emit({ type: 'log', at: Date.now(), step: load.name, level, message });
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

  // Setup: token (never in the timed path), schema sampler, a pool of rooms.
  // Burst's fixed cycle bakes the Authorization header in; these rebuild it on a refresh.
  const cycleListeners = new Set<() => void>();
  let roomsCreated = 0;
  let sampler: SchemaSampler | undefined;
  try {
    await retryServerErrors(() => tokens.start(ctx.signal));
    tokens.onChange((authorization) => {
      workload.setAuthorization(authorization);
      for (const listener of cycleListeners) listener();
    });
    sampler = await loadSampler(options, log);
    roomsCreated = await createRoomPool(client, workload, options.roomPoolSize ?? LOAD_DEFAULTS.roomPoolSize, ctx.signal);
  } catch (error) {
    tokens.stop();
    if (ctx.signal.aborted) {
      const cleanup = await cleanupAfter(client, workload, options);
      return finish('interrupted', `interrupted during setup${cleanup.kind}`, [], undefined);
    }
    if (error instanceof TargetUnreachableError) return finish('invalid', error.message, [], undefined);
    if (error instanceof RoomgateError) throw error;
    const cleanup = await cleanupAfter(client, workload, options);
    return finish('errored', `setup failed: ${(error as Error).message}${cleanup.kind}`, [], undefined);
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
  const recorder = new LoadRecorder(registry, workload, sampler, mode);
  const nextRequest = (): PreparedRequest => {
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
  let scheduler: OpenLoopScheduler | undefined;
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
  });

  let soakOutcome: OpenLoopOutcome | undefined;
  let burstOutcome: BurstOutcome | undefined;
  let runError: unknown;
  try {
    if (mode === 'soak') {
      scheduler = new OpenLoopScheduler({
        origin: ctx.target.baseUrl,
        connections: options.connections ?? LOAD_DEFAULTS.connections.soak,
        schedule: new ArrivalSchedule(load.segments),
        maxInFlight: options.maxInFlight ?? LOAD_DEFAULTS.maxInFlight,
        lateThresholdMs: options.lateThresholdMs ?? LOAD_DEFAULTS.lateThresholdMs,
        requestTimeoutMs: options.requestTimeoutMs ?? LOAD_DEFAULTS.requestTimeoutMs,
        nextRequest,
        observer: recorder,
        signal: stopper.signal,
      });
      soakOutcome = await scheduler.run();
    } else {
      burstOutcome = await runBurst({
        origin: ctx.target.baseUrl,
        phases: load.burstPhases,
        requestTimeoutMs: options.requestTimeoutMs ?? LOAD_DEFAULTS.requestTimeoutMs,
        nextRequest,
        // A mix without creates or deletes is a fixed cycle autocannon encodes once (burst.ts).
        fixedCycle:
          workload.fixedCycle() === undefined
            ? undefined
            : {
                requests: () => workload.fixedCycle()!,
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

  // Teardown: every room of the run that is still open is deleted, even after an interruption.
  const cleanup = await cleanupAfter(client, workload, options);
  tokens.stop();

  const verdicts = evaluateSlos(load.slos, registry, catalog);
  for (const verdict of verdicts) ctx.emit({ type: 'slo', at: Date.now(), step: load.name, verdict });
  const summary = buildSummary(load, registry, live.windows, workload, roomsCreated, cleanup.report, recorder, soakOutcome, burstOutcome, abortedBy, {
    sync,
    generatorCpu: generatorCpu(cpu, registry.durationMs),
  });
  const { status, reason } = loadVerdict({
    runError,
    interrupted: ctx.signal.aborted,
    totals: summary.totals,
    schedule: summary.schedule,
    maxLateFraction: options.maxLateFraction ?? LOAD_DEFAULTS.maxLateFraction,
    abortedBy: abortedBy?.expression,
    verdicts,
  });
  return finish(status, reason, verdicts, summary);
}

/**
 * A shard's workload: its shard in the run tag (so room names and
 * Idempotency-Keys never collide with another shard's, and cleanup deletes
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
