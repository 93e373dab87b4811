import { ConfigError } from '../errors.js';
import { parseSlos } from '../slo/parse.js';
import type { Slo } from '../slo/types.js';
import type { RateSegment } from './arrival-schedule.js';
import type { BurstPhase } from './burst.js';
import { loadMetricCatalog } from './load-metrics.js';
import { shardLoadOptions } from './load-shard.js';
import { LOAD_DEFAULTS, LOAD_OPERATIONS, type LoadPhase, type LoadStepOptions } from './options.js';

/** Options with every default applied and phases normalized. */
export interface ResolvedLoad {
  name: string;
  options: LoadStepOptions;
  slos: Slo[];
  segments: RateSegment[];
  burstPhases: BurstPhase[];
  totalMs: number | undefined;
  windowMs: number;
}

/**
 * Every option validated (config errors, exit 2, before anything starts) and
 * defaulted; soak phases become rate segments, burst phases autocannon phases.
 */
export function resolveLoad(given: LoadStepOptions): ResolvedLoad {
  const mode = given.mode;
  if (mode !== 'burst' && mode !== 'soak') throw new ConfigError(`mode must be burst or soak, got "${String(mode)}"`, { path: 'load.mode' });
  // A shard validates and runs its own share; the totals stay in `given`.
  const options = shardLoadOptions(given);
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
