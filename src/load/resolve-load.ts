import { ConfigError } from '../errors.js';
import type { TargetProfile } from '../profile/types.js';
import type { Slo } from '../slo/types.js';
import type { RateSegment } from './arrival-schedule.js';
import type { BurstPhase } from './burst.js';
import { LOAD_ROLES, LoadOperations, type LoadRole } from './load-operations.js';
import { shardLoadOptions } from './load-shard.js';
import { parseLoadSlos } from './load-slos.js';
import { LOAD_DEFAULTS, LOAD_LIMITS, MAX_DURATION_MS, type LoadPhase, type LoadStepOptions } from './options.js';

/** Options with every default applied and phases normalized (everything that does not depend on the target's profile). */
export interface ResolvedLoad {
  name: string;
  options: LoadStepOptions;
  segments: RateSegment[];
  burstPhases: BurstPhase[];
  totalMs: number | undefined;
  windowMs: number;
}

/** A resolved load bound to the target's profile: its operations, the mix per role, and the thresholds. */
export interface BoundLoad extends ResolvedLoad {
  operations: LoadOperations;
  /** Weight per role, > 0 only for the roles the run calls. */
  weights: ReadonlyMap<LoadRole, number>;
  slos: Slo[];
}

/**
 * Every option validated against sane bounds (config errors, exit 2, before
 * anything starts) and defaulted; soak phases become rate segments, burst
 * phases autocannon phases.
 */
export function resolveLoad(given: LoadStepOptions): ResolvedLoad {
  const mode = given.mode;
  if (mode !== 'burst' && mode !== 'soak') throw new ConfigError(`mode must be burst or soak, got "${String(mode)}"`, { path: 'load.mode' });
  // A shard validates and runs its own share; the totals stay in `given`.
  const options = shardLoadOptions(given);
  const windowMs = options.windowMs ?? LOAD_DEFAULTS.windowMs;
  bounded(windowMs, 'load.window', MAX_DURATION_MS, 'ms');
  for (const [key, path, max] of [
    ['requestTimeoutMs', 'load.requestTimeout', MAX_DURATION_MS],
    ['lateThresholdMs', 'load.lateThreshold', MAX_DURATION_MS],
    ['maxInFlight', 'load.maxInFlight', LOAD_LIMITS.maxInFlight],
    ['maxBodyBytes', 'load.maxBodyBytes', LOAD_LIMITS.maxBodyBytes],
  ] as const) {
    const value = options[key];
    if (value !== undefined) bounded(value, path, max, key.endsWith('Ms') ? 'ms' : '');
  }
  if (options.roomPoolSize !== undefined) atMost(options.roomPoolSize, 'load.roomPoolSize', LOAD_LIMITS.roomPoolSize, 0);
  if (options.createRetries !== undefined) atMost(options.createRetries, 'load.createRetries', LOAD_LIMITS.createRetries, 0);
  const sampleRate = options.schemaSampleRate ?? LOAD_DEFAULTS.schemaSampleRate;
  if (!(sampleRate >= 0 && sampleRate <= 1)) throw new ConfigError('schema sample rate must be between 0 and 1', { path: 'load.schema_sample_rate' });
  const maxLate = options.maxLateFraction ?? LOAD_DEFAULTS.maxLateFraction;
  if (!(maxLate >= 0 && maxLate <= 1)) {
    throw new ConfigError(`the late-send fraction must be between 0 and 1, got ${String(maxLate)}`, {
      path: 'load.maxLateFraction',
      hint: 'e.g. 0.01 (1 % of sends may be late); 1 never marks a run invalid for lateness',
    });
  }
  const phases: LoadPhase[] = options.phases ?? burstRamp(options) ?? [{}];
  if (phases.length === 0) throw new ConfigError('phases is empty', { path: 'load.phases' });
  const segments: RateSegment[] = [];
  const burstPhases: BurstPhase[] = [];
  let previousRate = 0;
  let totalMs: number | undefined = 0;
  phases.forEach((phase, i) => {
    const path = options.phases === undefined ? 'load' : `load.phases[${i}]`;
    const durationMs =
      phase.durationMs ??
      (phase.requests === undefined ? options.durationMs : undefined) ??
      (options.requests === undefined ? LOAD_DEFAULTS.durationMs : undefined);
    if (mode === 'soak') {
      const rate = phase.rate ?? options.rate ?? LOAD_DEFAULTS.rate;
      bounded(rate, `${path}.rate`, LOAD_LIMITS.rate, '/s');
      const d = durationMs ?? LOAD_DEFAULTS.durationMs;
      bounded(d, `${path}.duration`, MAX_DURATION_MS, 'ms');
      if (phase.rampMs !== undefined) bounded(phase.rampMs, `${path}.ramp`, MAX_DURATION_MS, 'ms');
      const ramp = Math.min(d, phase.rampMs ?? (options.phases === undefined ? (options.rampMs ?? 0) : 0));
      if (ramp > 0) segments.push({ durationMs: ramp, fromRate: previousRate, toRate: rate });
      if (d - ramp > 0) segments.push({ durationMs: d - ramp, fromRate: rate, toRate: rate });
      previousRate = rate;
      totalMs = (totalMs ?? 0) + d;
    } else {
      const connections = phase.connections ?? options.connections ?? LOAD_DEFAULTS.connections.burst;
      bounded(connections, `${path}.connections`, LOAD_LIMITS.connections, '');
      const requests = phase.requests ?? (phase.durationMs === undefined ? options.requests : undefined);
      if (requests !== undefined) {
        bounded(requests, `${path}.requests`, LOAD_LIMITS.requests, '');
        if (requests < connections) throw new ConfigError(`requests (${requests}) must be at least connections (${connections})`, { path: `${path}.requests` });
        burstPhases.push({ connections, requests, ...burstRate(phase, options, path) });
        totalMs = undefined;
      } else {
        const d = durationMs ?? LOAD_DEFAULTS.durationMs;
        bounded(d, `${path}.duration`, MAX_DURATION_MS, 'ms');
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
  // A soak's connection pool is bounded like a burst's connections.
  if (mode === 'soak' && options.connections !== undefined) bounded(options.connections, 'load.connections', LOAD_LIMITS.connections, '');
  if (options.rampMs !== undefined) bounded(options.rampMs, 'load.ramp', MAX_DURATION_MS, 'ms');
  if (totalMs !== undefined && totalMs > MAX_DURATION_MS) {
    throw new ConfigError(`the phases add up to ${totalMs} ms, longer than the ${MAX_DURATION_MS} ms (about 24.8 days) a timer can wait`, {
      path: 'load.phases',
      hint: 'shorten the run',
    });
  }
  return { name: options.name ?? `load-${mode}`, options, segments, burstPhases, totalMs, windowMs };
}

/**
 * The mix and the thresholds against the target's profile: every name in
 * them must be one of its operations (or an alias), every role the mix calls
 * one the profile maps. Config errors (exit 2), like the rest of the options.
 */
export function bindLoad(load: ResolvedLoad, profile: TargetProfile): BoundLoad {
  const operations = LoadOperations.of(profile);
  const weights = mixWeights(operations, load.options.mix);
  const slos = parseLoadSlos(load.options.slos ?? [], load.options.mode, operations, { path: 'load.slos', windowMs: load.windowMs });
  return { ...load, operations, weights, slos };
}

/**
 * The weight of each role in `mix` (names, aliases), or in the default mix:
 * create 20, get 70, list 5, close 5, without the roles the profile does not
 * map (a profile without a list role simply has no lists).
 */
export function mixWeights(operations: LoadOperations, mix: LoadStepOptions['mix']): Map<LoadRole, number> {
  const weights = mix ?? Object.fromEntries(Object.entries(LOAD_DEFAULTS.mix).filter(([role]) => LOAD_ROLES.some((r) => r === role && operations.has(r))));
  return operations.resolveMix(weights, 'load.mix');
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
  return [
    ...steps,
    options.requests === undefined ? { connections, durationMs: options.durationMs ?? LOAD_DEFAULTS.durationMs } : { connections, requests: options.requests },
  ];
}

function burstRate(phase: LoadPhase, options: LoadStepOptions, path: string): { rate?: number } {
  const rate = phase.rate ?? options.rate;
  if (rate === undefined) return {};
  bounded(rate, `${path}.rate`, LOAD_LIMITS.rate, '/s');
  return { rate };
}

/** > 0 and at most `max`: what one generator process (or a timer) can honour. */
function bounded(value: number, path: string, max: number, unit: string): void {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) throw new ConfigError(`must be > 0, got ${String(value)}`, { path });
  if (value > max) {
    throw new ConfigError(`must be at most ${max}${unit}, got ${String(value)}${unit}`, {
      path,
      hint:
        unit === 'ms'
          ? 'timers cannot wait longer than 2^31−1 ms (about 24.8 days); shorten it'
          : 'one generator process cannot honour more; split the load into shards (--shard i/n) on several processes or hosts',
    });
  }
}

/** An integer from `min` to `max`. */
function atMost(value: number, path: string, max: number, min: number): void {
  if (!(Number.isInteger(value) && value >= min && value <= max))
    throw new ConfigError(`must be an integer from ${min} to ${max}, got ${String(value)}`, { path });
}
