import { ConfigError, ConfigErrors } from '../errors.js';
import { browserMetricCatalog } from '../browser/browser-metrics.js';
import { parseBrowserSlos } from '../browser/browser-slos.js';
import { parseDuration } from '../config/duration.js';
import type { ScenarioConfig, StepConfig } from '../config/types.js';
import { lineOf } from '../config/yaml-source.js';
import { INCIDENT_METRICS } from '../incident/incident-metrics.js';
import { parseIncidentPlan, type Incident, type IncidentPlan } from '../incident/incident-plan.js';
import { loadMetricCatalog } from '../load/load-metrics.js';
import { LoadOperations } from '../load/load-operations.js';
import { parseLoadSlos } from '../load/load-slos.js';
import type { TargetProfile } from '../profile/types.js';
import { DEFAULT_WINDOW_MS } from '../metrics/registry.js';
import type { Step } from '../model/step.js';
import { parseSlos, type ParseSloOptions } from '../slo/parse.js';
import type { MetricCatalog, Slo } from '../slo/types.js';
import type { IncidentTask, StepJudging } from './incident-step.js';
import type { TimedStep } from './parallel-group.js';
import type { PlannedEntry } from './run-scenario.js';
import { buildStep, type PlanContext } from './step-catalog.js';

/**
 * From a scenario as loaded to what the runner runs: every step built (so
 * every config error is exit 2 before anything runs), parallel groups with
 * each member's timing and a way to build it for each of its slots, the
 * incidents planned, and what the runner needs to judge across steps. With
 * `--duration`, a scenario whose groups hold a soak is scaled as a whole:
 * the soak takes the given length and every offset, period and incident time
 * is scaled by the same factor, so the plan keeps its shape (a burst's and a
 * hold's own lengths are part of their definition and stay).
 */
export interface PlannedScenario {
  steps: Step[];
  entries: PlannedEntry[];
  incidents?: IncidentTask;
  judging: StepJudging[];
  /** A rough length, for the default deadline. */
  plannedMs: number;
  /** The run's `--start-at` went to this scenario (its first group, or first measured step). */
  usedStartAt: boolean;
}

export interface ScenarioPlanContext extends PlanContext {
  /** The scenario's target profile: load SLOs name its operations, scoped ones included. */
  profile: TargetProfile;
  /** Shards after the first skip the steps that check rather than measure; the incidents run on shard 1 only too. */
  skip?: Map<string, string>;
}

/**
 * How long before its slot a step of this kind is started, so its setup is
 * done when its measured phase begins: a token and a pool of rooms for load;
 * a Chromium launch with its pages for participants (seconds on a busy host).
 * A kind not listed has nothing to line up and starts at its slot.
 */
export const SETUP_LEAD_MS: Partial<Record<StepConfig['type'], number>> = { load: 3000, browser: 8000 };

export async function planScenario(scenario: ScenarioConfig, ctx: ScenarioPlanContext): Promise<PlannedScenario> {
  const problems: ConfigError[] = [];
  const collect = async <T>(build: () => Promise<T> | T): Promise<T | undefined> => {
    try {
      return await build();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...(error instanceof ConfigErrors ? error.errors : [error]));
      return undefined;
    }
  };
  const factor = scaleFactor(scenario, ctx.durationMs);
  const incidentPlan = scenario.incidents === undefined ? undefined : await collect(() => planIncidents(scenario, factor));
  const scopeNames = [
    ...scenario.steps.map((s) => s.name),
    ...(scenario.incidents === undefined ? [] : [scenario.incidents.name]),
    ...(incidentPlan?.plan.incidents.map((i) => i.name) ?? []),
  ];

  let startAtMs = ctx.startAtMs;
  const { startAtMs: _runStart, ...base } = ctx;
  const built = new Map<StepConfig, Step>();
  const judging: StepJudging[] = [];
  const inGroup = new Set(scenario.entries.flatMap((e) => (e.kind === 'parallel' ? e.members : [])));
  let usedStartAt = false;
  for (const config of scenario.steps) {
    const measured = config.type === 'load' || config.type === 'browser';
    const { own, scoped, catalog } = (await collect(() => splitSlos(config, scopeNames, ctx.profile))) ?? { own: config, scoped: [], catalog: undefined };
    // The run's --start-at goes to the first measured step on its own; a group takes it as its origin instead.
    const giveStart = measured && !inGroup.has(config) && startAtMs !== undefined;
    const step = await collect(() => buildStep(own, { ...base, ...(giveStart ? { startAtMs } : {}) }));
    if (giveStart) {
      startAtMs = undefined;
      usedStartAt = true;
    }
    if (step === undefined) continue;
    built.set(config, step);
    // Parsed once more for the runner's own judging (the step parsed and validated them while it was built).
    if (catalog !== undefined)
      judging.push({
        step: config.name,
        catalog,
        slos: parseStepSlos(
          config,
          catalog,
          ctx.profile,
          own.slos.map((s) => s.input),
        ),
        scoped,
      });
  }
  for (const config of scenario.steps) {
    const measured = config.type === 'load' || config.type === 'browser';
    if (!measured && ctx.shard !== undefined && ctx.shard.index > 1)
      ctx.skip?.set(config.name, `runs on shard 1 only (this is shard ${ctx.shard.index}/${ctx.shard.count})`);
  }
  ConfigErrors.throwIfAny(problems);

  const entries: PlannedEntry[] = scenario.entries.map((entry) => {
    if (entry.kind === 'step') return { kind: 'step', step: built.get(entry.step)! };
    const members = entry.members.map((config) => timedStep(config, built.get(config)!, factor, base));
    const groupStart = startAtMs;
    if (groupStart !== undefined) {
      startAtMs = undefined;
      usedStartAt = true;
    }
    return { kind: 'parallel', members, ...(groupStart === undefined ? {} : { startAtMs: groupStart }) };
  });
  const incidents =
    scenario.incidents === undefined || incidentPlan === undefined
      ? undefined
      : { name: scenario.incidents.name, plan: incidentPlan.plan, slos: incidentPlan.slos, windowMs: windowOf(scenario) };
  if (incidents !== undefined && ctx.shard !== undefined && ctx.shard.index > 1) {
    ctx.skip?.set(incidents.name, `runs on shard 1 only (this is shard ${ctx.shard.index}/${ctx.shard.count}); the other shards' traffic is not disturbed`);
  }
  return {
    steps: [...built.values()],
    entries,
    ...(incidents === undefined ? {} : { incidents }),
    judging,
    plannedMs: plannedLength(scenario, factor, ctx.durationMs),
    usedStartAt,
  };
}

function timedStep(config: StepConfig, step: Step, factor: number, ctx: PlanContext): TimedStep {
  const timing = config.timing ?? { startMs: 0 };
  const leadMs = SETUP_LEAD_MS[config.type];
  return {
    step,
    startMs: Math.round(timing.startMs * factor),
    ...(timing.everyMs === undefined ? {} : { everyMs: Math.round(timing.everyMs * factor) }),
    ...(timing.times === undefined ? {} : { times: timing.times }),
    leadMs: leadMs ?? 0,
    // Each run is built for its slot: its measured phase (and so its windows) begins exactly there.
    ...(leadMs === undefined ? {} : { at: (slotMs: number) => buildStep(withoutScoped(config), { ...ctx, startAtMs: slotMs }) }),
  };
}

/** The config a built step came from, with the thresholds the step judges itself only. */
function withoutScoped(config: StepConfig): StepConfig {
  return { ...config, slos: config.slos.filter((s) => !isScoped(s.input)) };
}

const SCOPE_CLAUSE = /\s(?:during|outside)\s+\S+\s*$/;

function isScoped(input: StepConfig['slos'][number]['input']): boolean {
  return SCOPE_CLAUSE.test(typeof input === 'string' ? input : input.threshold);
}

/**
 * A measured step's thresholds: its own (the step judges them, and recovery
 * is measured against them) and its scoped ones (`during burst`), which the
 * runner judges; those are parsed here, with the scenario's step and incident
 * names, so an unknown name is a config error at its line.
 */
function splitSlos(
  config: StepConfig,
  scopeNames: readonly string[],
  profile: TargetProfile,
): { own: StepConfig; scoped: Slo[]; catalog: MetricCatalog | undefined } {
  const catalog = catalogOf(config);
  const scopedSpecs = config.slos.filter((s) => isScoped(s.input));
  if (catalog === undefined) return { own: config, scoped: [], catalog };
  const scoped = parseStepSlos(
    config,
    catalog,
    profile,
    scopedSpecs.map((s) => s.input),
    {
      file: config.at.file,
      path: `${config.at.path}.slos`,
      lineOf: (i: number) => scopedSpecs[i]?.at.line,
      scopes: scopeNames,
    },
  );
  return { own: withoutScoped(config), scoped, catalog };
}

/** A measured step's SLOs; load operations are the profile's (create_room for VideoConnect, the API's own operationIds otherwise). */
function parseStepSlos(config: StepConfig, catalog: MetricCatalog, profile: TargetProfile, inputs: unknown[], options: ParseSloOptions = {}): Slo[] {
  if (config.type === 'load') return parseLoadSlos(inputs, config.options['mode'] === 'soak' ? 'soak' : 'burst', LoadOperations.of(profile), options);
  // A browser threshold may name a cohort (`lossy:packet_loss.p95 < 1%`); the step checked the names when it was built.
  return parseBrowserSlos(inputs, catalog, cohortNames(config), options);
}

function cohortNames(config: StepConfig): string[] {
  const cohorts = config.options['cohorts'];
  if (!Array.isArray(cohorts)) return [];
  return cohorts.flatMap((cohort: unknown) => {
    const name = typeof cohort === 'object' && cohort !== null ? (cohort as { name?: unknown }).name : undefined;
    return typeof name === 'string' ? [name] : [];
  });
}

function catalogOf(config: StepConfig): MetricCatalog | undefined {
  if (config.type === 'load') return loadMetricCatalog(config.options['mode'] === 'soak' ? 'soak' : 'burst');
  if (config.type === 'browser') return browserMetricCatalog();
  return undefined;
}

/** The scenario's incidents, scaled with its phases, and each incident's thresholds parsed at their lines. */
function planIncidents(scenario: ScenarioConfig, factor: number): { plan: IncidentPlan; slos: Map<string, Slo[]> } {
  const written = scenario.incidents!;
  const soakMs = nominalSoakMs(scenario);
  const parsed = parseIncidentPlan(written.input, { source: written.source, path: ['incidents'], ...(soakMs === undefined ? {} : { runMs: soakMs }) });
  const problems: ConfigError[] = [];
  const slos = new Map<string, Slo[]>();
  for (const incident of parsed.incidents) {
    try {
      slos.set(
        incident.name,
        parseSlos([...incident.slos], INCIDENT_METRICS, [], {
          file: written.source.file,
          path: `incidents[${incident.index}].slos`,
          lineOf: (i) => lineOf(written.source, ['incidents', incident.index, 'slos', i]),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...(error instanceof ConfigErrors ? error.errors : [error]));
    }
  }
  ConfigErrors.throwIfAny(problems);
  const scaled = (incident: Incident): Incident => ({
    ...incident,
    atMs: Math.round(incident.atMs * factor),
    forMs: Math.max(1, Math.round(incident.forMs * factor)),
  });
  return { plan: { incidents: parsed.incidents.map(scaled) }, slos };
}

/** The longest soak of the scenario's parallel groups, as written: what `--duration` replaces, and what the incidents must fit in. */
function nominalSoakMs(scenario: ScenarioConfig): number | undefined {
  const soaks = scenario.entries
    .flatMap((e) => (e.kind === 'parallel' ? e.members : []))
    .filter((s) => s.type === 'load' && s.options['mode'] === 'soak')
    .map((s) => (typeof s.options['duration'] === 'string' ? parseDuration(s.options['duration']) : undefined))
    .filter((ms): ms is number => ms !== undefined && ms > 0);
  return soaks.length === 0 ? undefined : Math.max(...soaks);
}

/** `--duration` over the written soak: the factor every offset and period of the scenario's phases is scaled by (1 without either). */
function scaleFactor(scenario: ScenarioConfig, durationMs: number | undefined): number {
  const soakMs = nominalSoakMs(scenario);
  return durationMs === undefined || soakMs === undefined ? 1 : durationMs / soakMs;
}

/** The steps' window length, for the grid the proxy's disturbances are summed on: the first load step's `window`, else the default. */
function windowOf(scenario: ScenarioConfig): number {
  const written = scenario.steps.find((s) => s.type === 'load' && typeof s.options['window'] === 'string')?.options['window'];
  return (typeof written === 'string' ? parseDuration(written) : undefined) ?? DEFAULT_WINDOW_MS;
}

/** A rough length: steps on their own add up; a group lasts as long as its longest member that sets its length. */
function plannedLength(scenario: ScenarioConfig, factor: number, soakMs: number | undefined): number {
  return scenario.entries.reduce((sum, entry) => {
    if (entry.kind === 'step') return sum + stepLength(entry.step.options, soakMs);
    const ends = entry.members.map((m) => {
      const timing = m.timing ?? { startMs: 0 };
      const runs = timing.everyMs === undefined ? 1 : (timing.times ?? 1);
      return (timing.startMs + (runs - 1) * (timing.everyMs ?? 0)) * factor + stepLength(m.options, soakMs);
    });
    return sum + Math.max(...ends);
  }, 0);
}

/** A rough step length for the default deadline: load durations (scaled soaks), browser holds, 60 s otherwise. */
export function stepLength(options: Record<string, unknown>, soakMs: number | undefined): number {
  if (options['mode'] === 'soak' && soakMs !== undefined) return soakMs;
  const duration = typeof options['duration'] === 'string' ? parseDuration(options['duration']) : undefined;
  const phases = Array.isArray(options['phases'])
    ? (options['phases'] as Record<string, unknown>[]).reduce(
        (sum, p) => sum + (typeof p['duration'] === 'string' ? (parseDuration(p['duration']) ?? 0) : 0),
        0,
      )
    : 0;
  return Math.max(duration ?? 0, phases) + 60_000;
}
