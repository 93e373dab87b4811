import { access } from 'node:fs/promises';
import { ConfigError, RoomgateError, TargetUnreachableError } from '../errors.js';
import type { WindowSummary } from '../model/events.js';
import type { SloVerdict, StepResult, StepStatus } from '../model/result.js';
import type { Step, StepContext } from '../model/step.js';
import { histogramOfWindows, MetricsRegistry } from '../metrics/registry.js';
import { OUTCOMES } from '../metrics/outcome.js';
import type { SerializedWindow } from '../metrics/serialized.js';
import { summarize } from '../metrics/summary.js';
import { evaluateSlos } from '../slo/evaluate.js';
import { parseSlos } from '../slo/parse.js';
import type { Slo } from '../slo/types.js';
import { SloWatch } from '../slo/watch.js';
import { ApiError, VideoConnectClient } from '../target/client.js';
import { ArrivalSchedule, type RateSegment } from './arrival-schedule.js';
import { runBurst, type BurstOutcome, type BurstPhase } from './burst.js';
import { COUNTERS, LOAD_SERIES, loadMetricCatalog } from './load-metrics.js';
import { LoadRecorder } from './load-recorder.js';
import type { LoadSummary, OperationSummary } from './load-summary.js';
import { OpenLoopScheduler, type OpenLoopOutcome, type PreparedRequest } from './open-loop.js';
import { LOAD_DEFAULTS, LOAD_OPERATIONS, type LoadPhase, type LoadStepOptions } from './options.js';
import { cleanupRooms, type CleanupReport } from './room-cleanup.js';
import { RoomWorkload } from './room-workload.js';
import { SchemaSampler } from './schema-sampler.js';
import { TokenKeeper } from './token-keeper.js';

const PROGRESS_EVERY_MS = 1000;
const CLEANUP_DEADLINE_MS = 60_000;

/** Options with every default applied and phases normalized. */
interface ResolvedLoad {
  name: string;
  options: LoadStepOptions;
  slos: Slo[];
  segments: RateSegment[];
  burstPhases: BurstPhase[];
  totalMs: number | undefined;
  windowMs: number;
}

/**
 * The burst/soak load step on the room endpoints. Options and thresholds are
 * validated here, when the step is created, so a bad threshold is a config
 * error (exit 2) before anything is started.
 */
export function createLoadStep(options: LoadStepOptions): Step {
  const resolved = resolve(options);
  return {
    name: resolved.name,
    kind: 'load',
    run: (ctx) => runLoad(resolved, ctx),
  };
}

function resolve(options: LoadStepOptions): ResolvedLoad {
  const mode = options.mode;
  if (mode !== 'burst' && mode !== 'soak') throw new ConfigError(`mode must be burst or soak, got "${String(mode)}"`, { path: 'load.mode' });
  const windowMs = options.windowMs ?? LOAD_DEFAULTS.windowMs;
  positive(windowMs, 'load.window');
  const mix = options.mix ?? LOAD_DEFAULTS.mix;
  for (const [op, weight] of Object.entries(mix)) {
    if (!(LOAD_OPERATIONS as readonly string[]).includes(op)) {
      throw new ConfigError(`unknown operation "${op}" in the mix`, { path: 'load.mix', hint: `operations: ${LOAD_OPERATIONS.join(', ')}` });
    }
    if (typeof weight !== 'number' || weight < 0 || !Number.isFinite(weight)) throw new ConfigError(`weight of ${op} must be a number >= 0`, { path: `load.mix.${op}` });
  }
  if (Object.values(mix).every((w) => (w ?? 0) === 0)) throw new ConfigError('the mix gives every operation weight 0', { path: 'load.mix' });
  const sampleRate = options.schemaSampleRate ?? LOAD_DEFAULTS.schemaSampleRate;
  if (!(sampleRate >= 0 && sampleRate <= 1)) throw new ConfigError('schema sample rate must be between 0 and 1', { path: 'load.schema_sample_rate' });
  const maxLate = options.maxLateFraction ?? LOAD_DEFAULTS.maxLateFraction;
  if (!(maxLate >= 0 && maxLate <= 1)) {
    throw new ConfigError(`the late-send fraction must be between 0 and 1, got ${String(maxLate)}`, { path: 'load.maxLateFraction', hint: 'e.g. 0.01 (1 % of sends may be late); 1 never marks a run invalid for lateness' });
  }
  const phases: LoadPhase[] = options.phases ?? burstRamp(options) ?? [{}];
  if (phases.length === 0) throw new ConfigError('phases is empty', { path: 'load.phases' });
  const segments: RateSegment[] = [];
  const burstPhases: BurstPhase[] = [];
  let previousRate = 0;
  let totalMs: number | undefined = 0;
  phases.forEach((phase, i) => {
    const path = options.phases === undefined ? 'load' : `load.phases[${i}]`;
    const durationMs = phase.durationMs ?? (phase.requests === undefined ? options.durationMs : undefined) ?? (options.requests === undefined ? LOAD_DEFAULTS.durationMs : undefined);
    if (mode === 'soak') {
      const rate = phase.rate ?? options.rate ?? LOAD_DEFAULTS.rate;
      positive(rate, `${path}.rate`);
      const d = durationMs ?? LOAD_DEFAULTS.durationMs;
      positive(d, `${path}.duration`);
      const ramp = Math.min(d, phase.rampMs ?? (options.phases === undefined ? (options.rampMs ?? 0) : 0));
      if (ramp > 0) segments.push({ durationMs: ramp, fromRate: previousRate, toRate: rate });
      if (d - ramp > 0) segments.push({ durationMs: d - ramp, fromRate: rate, toRate: rate });
      previousRate = rate;
      totalMs = (totalMs ?? 0) + d;
    } else {
      const connections = phase.connections ?? options.connections ?? LOAD_DEFAULTS.connections.burst;
      positive(connections, `${path}.connections`);
      const requests = phase.requests ?? (phase.durationMs === undefined ? options.requests : undefined);
      if (requests !== undefined) {
        positive(requests, `${path}.requests`);
        if (requests < connections) throw new ConfigError(`requests (${requests}) must be at least connections (${connections})`, { path: `${path}.requests` });
        burstPhases.push({ connections, requests, ...burstRate(phase, options, path) });
        totalMs = undefined;
      } else {
        const d = durationMs ?? LOAD_DEFAULTS.durationMs;
        positive(d, `${path}.duration`);
        burstPhases.push({ connections, durationMs: d, ...burstRate(phase, options, path) });
        if (totalMs !== undefined) totalMs += d;
      }
    }
  });
  if ((options.workers ?? 0) > 0) {
    throw new ConfigError('autocannon workers are not supported yet by roomgate load', {
      path: 'load.workers',
      hint: 'omit workers (one core drives ~10k req/s on loopback), or split the run across processes and merge their metrics',
    });
  }
  const slos = parseSlos(options.slos ?? [], loadMetricCatalog(mode), LOAD_OPERATIONS, { path: 'load.slos', windowMs });
  return { name: options.name ?? `load-${mode}`, options, slos, segments, burstPhases, totalMs, windowMs };
}

/**
 * A burst ramp without explicit phases: three equal steps at 1/4, 1/2 and 3/4
 * of the connections over `rampMs`, then the full count. A closed loop cannot
 * ramp smoothly (its load is its connection count), so it steps.
 */
function burstRamp(options: LoadStepOptions): LoadPhase[] | undefined {
  if (options.mode !== 'burst' || options.rampMs === undefined || options.rampMs <= 0) return undefined;
  const connections = options.connections ?? LOAD_DEFAULTS.connections.burst;
  const stepMs = options.rampMs / 3;
  const steps = [0.25, 0.5, 0.75].map((f) => ({ connections: Math.max(1, Math.round(connections * f)), durationMs: stepMs }));
  return [...steps, options.requests === undefined ? { connections, durationMs: options.durationMs ?? LOAD_DEFAULTS.durationMs } : { connections, requests: options.requests }];
}

function burstRate(phase: LoadPhase, options: LoadStepOptions, path: string): { rate?: number } {
  const rate = phase.rate ?? options.rate;
  if (rate === undefined) return {};
  positive(rate, `${path}.rate`);
  return { rate };
}

function positive(value: number, path: string): void {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) throw new ConfigError(`must be > 0, got ${String(value)}`, { path });
}

async function runLoad(load: ResolvedLoad, ctx: StepContext): Promise<StepResult> {
  const { options } = load;
  const mode = options.mode;
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const catalog = loadMetricCatalog(mode);
  const client = new VideoConnectClient({ baseUrl: ctx.target.baseUrl, credentials: ctx.target.credentials, timeoutMs: options.requestTimeoutMs ?? LOAD_DEFAULTS.requestTimeoutMs });
  const workload = new RoomWorkload(options.mix ?? LOAD_DEFAULTS.mix);
  const tokens = new TokenKeeper(client);
  const windows: WindowSummary[] = [];
  const log = (level: 'info' | 'warn', message: string) => ctx.emit({ type: 'log', at: Date.now(), step: load.name, level, message });
  const finish = (status: StepStatus, reason: string | undefined, slos: SloVerdict[], summary: LoadSummary | undefined): StepResult => ({
    name: load.name,
    kind: 'load',
    status,
    ...(reason === undefined ? {} : { reason }),
    startedAt,
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - started,
    checks: [],
    slos,
    ...(summary === undefined ? {} : { summary: summary as unknown as Record<string, unknown> }),
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
    const poolSize = options.roomPoolSize ?? LOAD_DEFAULTS.roomPoolSize;
    for (let i = 0; i < poolSize && !ctx.signal.aborted; i++) {
      const { room } = await retryServerErrors(() =>
        client.createRoom(
          { name: `${workload.namePrefix}pool-${i}`, max_participants: 10 },
          // No signal here: each create is short (bounded by the client's timeout) and the
          // loop checks for an interruption between them; passing the run's signal to
          // every setup request would pile abort listeners onto it.
          { idempotencyKey: `${workload.runTag}-pool-${i}` },
        ),
      );
      roomsCreated += 1;
      workload.addRoom(room.room_id);
    }
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

  // The clock starts after setup, so windows and throughput cover the timed run only.
  const registry = new MetricsRegistry({ windowMs: load.windowMs });
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
  const watch = new SloWatch(load.slos, catalog);
  let scheduler: OpenLoopScheduler | undefined;
  let burstSent = 0;
  const windowTimer = setInterval(() => {
    const sealed = registry.closeWindow();
    const summary = windowSummary(sealed, mode === 'soak' ? load.segments : undefined);
    windows.push(summary);
    ctx.emit({ type: 'window', at: Date.now(), step: load.name, window: summary });
    if (watch.active && abortedBy === undefined) {
      const breach = watch.check(registry, registry.durationMs);
      if (breach !== undefined) {
        abortedBy = breach;
        log('warn', `stopping: abort_on_fail threshold breached: ${breach.expression}`);
        stopper.abort(new Error(`SLO breached: ${breach.expression}`));
      }
    }
  }, load.windowMs);
  let lastResponses = 0;
  let lastAt = Date.now();
  const progressTimer = setInterval(() => {
    const now = Date.now();
    const responses = registry.counter(COUNTERS.responses);
    const rate = ((responses - lastResponses) * 1000) / Math.max(1, now - lastAt);
    lastResponses = responses;
    lastAt = now;
    const attempts = registry.counter(COUNTERS.attempts);
    const errors = registry.counter(COUNTERS.errors);
    const snap = scheduler?.snapshot();
    const elapsedMs = now - registry.startedAtMs;
    ctx.emit({
      type: 'progress',
      at: now,
      step: load.name,
      progress: {
        elapsedMs,
        ...(load.totalMs === undefined ? {} : { totalMs: load.totalMs, fraction: Math.min(1, elapsedMs / load.totalMs) }),
        figures: {
          ...(snap === undefined ? {} : { 'target/s': Math.round(snap.targetRate), inflight: snap.inFlight, late: snap.late, dropped: snap.dropped }),
          ...(snap === undefined && mode === 'burst' ? { sent: burstSent } : {}),
          'req/s': Math.round(rate),
          'err%': attempts === 0 ? 0 : Math.round((errors / attempts) * 10000) / 100,
        },
      },
    });
  }, PROGRESS_EVERY_MS);
  progressTimer.unref();

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
    clearInterval(windowTimer);
    clearInterval(progressTimer);
    ctx.signal.removeEventListener('abort', onOuterAbort);
  }
  registry.finish();
  const last = registry.windows().at(-1);
  if (last !== undefined && (windows.length === 0 || windows.at(-1)!.endMs !== last.endMs)) {
    const summary = windowSummary(last, mode === 'soak' ? load.segments : undefined);
    windows.push(summary);
    ctx.emit({ type: 'window', at: Date.now(), step: load.name, window: summary });
  }

  // Teardown: every room of the run that is still open is deleted, even after an interruption.
  const cleanup = await cleanupAfter(client, workload, options);
  tokens.stop();

  const interrupted = ctx.signal.aborted;
  const verdicts = evaluateSlos(load.slos, registry, catalog);
  const summary = buildSummary(load, registry, windows, workload, roomsCreated, cleanup.report, recorder, soakOutcome, burstOutcome, abortedBy);

  if (runError !== undefined) return finish('errored', `the load generator failed: ${(runError as Error).message}`, verdicts, summary);
  if (interrupted) return finish('interrupted', 'interrupted; the results cover the part that ran', verdicts, summary);
  if (registry.counter(COUNTERS.attempts) === 0) return finish('invalid', 'no request was sent', verdicts, summary);
  if (registry.counter(COUNTERS.responses) === 0) {
    return finish('invalid', `the target answered none of the ${registry.counter(COUNTERS.requests)} requests (unreachable?)`, verdicts, summary);
  }
  if (summary.schedule !== undefined && summary.schedule.lateFraction > (options.maxLateFraction ?? LOAD_DEFAULTS.maxLateFraction)) {
    const s = summary.schedule;
    return finish(
      'invalid',
      `the load generator fell behind its schedule: ${s.late} of ${s.sent} sends (${pct(s.lateFraction)}) were more than ${s.lateThresholdMs} ms late; lower --rate or run on a quieter machine`,
      verdicts,
      summary,
    );
  }
  if (abortedBy !== undefined) return finish('failed', `stopped early: ${abortedBy.expression} was breached`, verdicts, summary);
  const bad = verdicts.filter((v) => v.status !== 'passed');
  if (bad.length > 0) {
    return finish('failed', `${bad.length} of ${verdicts.length} SLOs not met: ${bad.map((v) => `${v.expression} (${v.status === 'no-data' ? 'no data' : `observed ${fmt(v.observed, v.unit)}`})`).join('; ')}`, verdicts, summary);
  }
  return finish('passed', undefined, verdicts, summary);
}

/**
 * Setup is not measured, so a transient 5xx there should not end the run: retry
 * (same Idempotency-Key, so a retry never creates a second room) a few times.
 */
async function retryServerErrors<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status < 500 || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

async function loadSampler(options: LoadStepOptions, log: (level: 'info' | 'warn', message: string) => void): Promise<SchemaSampler | undefined> {
  const rate = options.schemaSampleRate ?? LOAD_DEFAULTS.schemaSampleRate;
  if (rate === 0) return undefined;
  const path = options.specPath ?? LOAD_DEFAULTS.specPath;
  try {
    await access(path);
  } catch {
    if (options.specPath !== undefined) throw new ConfigError(`the OpenAPI document ${path} does not exist`, { path: 'load.spec' });
    log('warn', `no OpenAPI document at ${path}: responses are not schema-checked under load (schema_violations has no data)`);
    return undefined;
  }
  return SchemaSampler.load(path, rate);
}

async function cleanupAfter(
  client: VideoConnectClient,
  workload: RoomWorkload,
  options: LoadStepOptions,
): Promise<{ report: CleanupReport | { skipped: true; reason: string }; kind: string }> {
  if (options.cleanup === false) return { report: { skipped: true, reason: 'cleanup: false' }, kind: '' };
  const report = await cleanupRooms(client, workload.namePrefix, AbortSignal.timeout(CLEANUP_DEADLINE_MS));
  return { report, kind: report.error === undefined ? '' : ` (cleanup: ${report.error})` };
}

function windowSummary(window: SerializedWindow, segments: readonly RateSegment[] | undefined): WindowSummary {
  const operations: WindowSummary['operations'] = {};
  const ops = new Set(window.series.filter((s) => s.metric === LOAD_SERIES.latency).map((s) => s.operation));
  for (const op of ops) {
    const histogram = histogramOfWindows([window], LOAD_SERIES.latency, { operation: op });
    const s = summarize(histogram);
    histogram.destroy();
    const errors = window.counters.filter((c) => c.name === COUNTERS.errors && c.operation === op).reduce((sum, c) => sum + c.value, 0);
    operations[op === '' ? '(unattributed)' : op] = { count: s.count, errors, p50: s.p50, p99: s.p99, max: s.max };
  }
  const seconds = Math.max(0.001, (window.endMs - window.startMs) / 1000);
  const responses = window.counters.filter((c) => c.name === COUNTERS.responses).reduce((sum, c) => sum + c.value, 0);
  const result: WindowSummary = { startMs: window.startMs, endMs: window.endMs, operations, achievedRate: Math.round((responses / seconds) * 10) / 10 };
  if (segments !== undefined) {
    const schedule = new ArrivalSchedule(segments);
    const middle = Math.min((window.startMs + window.endMs) / 2, schedule.totalMs - 1);
    result.targetRate = Math.round(schedule.rateAt(Math.max(0, middle)) * 10) / 10;
  }
  return result;
}

function buildSummary(
  load: ResolvedLoad,
  registry: MetricsRegistry,
  windows: WindowSummary[],
  workload: RoomWorkload,
  roomsCreated: number,
  cleanup: CleanupReport | { skipped: true; reason: string },
  recorder: LoadRecorder,
  soak: OpenLoopOutcome | undefined,
  burst: BurstOutcome | undefined,
  abortedBy: SloVerdict | undefined,
): LoadSummary {
  const operations: Record<string, OperationSummary> = {};
  for (const op of registry.operations()) {
    const byOutcome: OperationSummary['byOutcome'] = {};
    for (const outcome of OUTCOMES) {
      const count = registry.summary(LOAD_SERIES.latency, { operation: op, outcomes: [outcome] }).count;
      if (count > 0) byOutcome[outcome] = count;
    }
    operations[op] = {
      attempts: registry.counter(COUNTERS.attempts, { operation: op }),
      requests: registry.counter(COUNTERS.requests, { operation: op }),
      responses: registry.counter(COUNTERS.responses, { operation: op }),
      errors: registry.counter(COUNTERS.errors, { operation: op }),
      byOutcome,
      latency: registry.summary(LOAD_SERIES.latency, { operation: op }),
      ...(load.options.mode === 'soak' ? { serviceTime: registry.summary(LOAD_SERIES.serviceTime, { operation: op }) } : {}),
    };
  }
  const attempts = registry.counter(COUNTERS.attempts);
  const errors = registry.counter(COUNTERS.errors);
  const responses = registry.counter(COUNTERS.responses);
  const seconds = Math.max(0.001, registry.durationMs / 1000);
  const lateThresholdMs = load.options.lateThresholdMs ?? LOAD_DEFAULTS.lateThresholdMs;
  return {
    mode: load.options.mode,
    runTag: workload.runTag,
    durationMs: registry.durationMs,
    totals: {
      attempts,
      requests: registry.counter(COUNTERS.requests),
      responses,
      errors,
      errorRate: attempts === 0 ? 0 : errors / attempts,
      throughput: Math.round((responses / seconds) * 10) / 10,
      timeouts: registry.counter(COUNTERS.errorsTimeout),
      resets: registry.counter(COUNTERS.errorsReset),
      connectionErrors: registry.counter(COUNTERS.errorsConnection),
      unattributedErrors: registry.counter(COUNTERS.errors, { operation: '' }),
      schemaChecked: registry.counter(COUNTERS.schemaChecked),
      schemaViolations: registry.counter(COUNTERS.schemaViolations),
    },
    operations,
    ...(soak === undefined
      ? {}
      : {
          schedule: {
            requestedRate: Math.round((new ArrivalSchedule(load.segments).expectedArrivals / Math.max(0.001, new ArrivalSchedule(load.segments).totalMs / 1000)) * 10) / 10,
            achievedRate: Math.round((soak.sent / Math.max(0.001, soak.elapsedMs / 1000)) * 10) / 10,
            scheduled: soak.scheduled,
            sent: soak.sent,
            late: soak.late,
            dropped: soak.dropped,
            lateFraction: soak.sent === 0 ? 0 : soak.late / soak.sent,
            maxLateMs: Math.round(soak.maxLateMs * 1000) / 1000,
            lateThresholdMs,
          },
        }),
    ...(burst === undefined
      ? {}
      : { burst: { autocannonRequests: burst.autocannonRequests, autocannonErrors: burst.autocannonErrors, phases: load.burstPhases.map((p) => ({ ...p })) } }),
    setup: { roomsCreated },
    cleanup,
    schemaViolationExamples: recorder.violationExamples,
    ...(abortedBy === undefined ? {} : { abortedBy: abortedBy.expression }),
    windows,
    histograms: registry.serialize(),
  };
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 10000) / 100}%`;
}

function fmt(value: number, unit: SloVerdict['unit']): string {
  switch (unit) {
    case 'ms':
      return `${Math.round(value * 100) / 100}ms`;
    case 'ratio':
      return pct(value);
    case 'per_second':
      return `${Math.round(value * 10) / 10}/s`;
    case 'count':
      return String(value);
  }
}
