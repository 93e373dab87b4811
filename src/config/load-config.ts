import { basename, dirname, extname, join, relative, isAbsolute } from 'node:path';
import { isMap } from 'yaml';
import { ConfigError, ConfigErrors } from '../errors.js';
import { parseDuration } from './duration.js';
import { substituteEnv } from './env-substitution.js';
import { validateAgainstSchema } from './schema-validation.js';
import type { GatePolicy, MetricsConfig, RunConfig, ScenarioConfig, ScenarioEntry, StepConfig, StepTiming, StepType } from './types.js';
import { formatPath, lineOf, readYamlSource, yamlData, type YamlSource } from './yaml-source.js';

export interface LoadOptions {
  /** Environment for `${VAR}` substitution; default process.env. */
  env?: Record<string, string | undefined>;
}

/**
 * Load what `roomgate run` was given: suite files and/or scenario files, in
 * order. A file with a `scenarios:` key is a suite; one with `steps:` is a
 * scenario. Everything is parsed, substituted and schema-checked before
 * anything runs, so a typo in the last scenario of a one-hour suite fails in
 * the first second.
 */
export async function loadRunConfig(files: readonly string[], options: LoadOptions = {}): Promise<RunConfig> {
  const env = options.env ?? process.env;
  const scenarios: ScenarioConfig[] = [];
  let gate: GatePolicy | undefined;
  let deadlineMs: number | undefined;
  let metrics: MetricsConfig | undefined;
  let shard: string | number | undefined;
  let name: string | undefined;
  let description: string | undefined;
  // Every file is checked even after one fails, so one run lists every problem (ConfigErrors).
  const problems: ConfigError[] = [];
  const collect = async (load: () => Promise<void> | void) => {
    try {
      await load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
    }
  };
  for (const file of files)
    await collect(async () => {
      const source = await readYamlSource(file);
      substituteEnv(source, env);
      const data: unknown = yamlData(source);
      if (!isMap(source.doc.contents)) {
        throw new ConfigError('must be a mapping with `scenarios:` (a suite) or `steps:` (a scenario)', {
          file,
          line: 1,
          hint: 'start from one of the files in suites/ or scenarios/',
        });
      }
      const record = data as Record<string, unknown>;
      if ('scenarios' in record && !('steps' in record)) {
        validateAgainstSchema(source, 'suite', data);
        const suite = record as {
          name: string;
          description?: string;
          gate?: GatePolicy;
          deadline?: string;
          scenarios: string[];
          metrics?: RawMetrics;
          shard?: string | number;
        };
        gate ??= suite.gate;
        shard ??= suite.shard;
        metrics ??= metricsFrom(suite.metrics);
        if (suite.deadline !== undefined) deadlineMs = Math.max(deadlineMs ?? 0, parseDuration(suite.deadline) ?? 0);
        name = files.length === 1 ? suite.name : name;
        description = files.length === 1 ? suite.description : description;
        for (const [index, entry] of suite.scenarios.entries()) {
          await collect(async () => {
            scenarios.push(await loadSuiteScenario(source, index, entry, env));
          });
        }
      } else {
        scenarios.push(scenarioFrom(source, data));
        name = files.length === 1 ? (record['name'] as string | undefined) : name;
      }
    });
  ConfigErrors.throwIfAny(distinct(problems));
  const config: RunConfig = {
    name: name ?? (files.length === 1 ? basename(files[0]!, extname(files[0]!)) : 'run'),
    files: [...files],
    gate: gate ?? 'stop-at-first-failure',
    scenarios,
  };
  if (description !== undefined) config.description = description;
  if (deadlineMs !== undefined) config.deadlineMs = deadlineMs;
  metrics ??= scenarios.find((s) => s.metrics !== undefined)?.metrics;
  if (metrics !== undefined) config.metrics = metrics;
  shard ??= scenarios.find((s) => s.shard !== undefined)?.shard;
  if (shard !== undefined) config.shard = shard;
  uniqueStepNames(config);
  return config;
}

/** Scenario `index` of a suite; a missing file is reported at its line in the suite. */
async function loadSuiteScenario(suite: YamlSource, index: number, entry: string, env: Record<string, string | undefined>): Promise<ScenarioConfig> {
  const path = isAbsolute(entry) ? entry : join(dirname(suite.file), entry);
  const display = isAbsolute(entry) ? entry : relative(process.cwd(), path) || path;
  try {
    return await loadScenario(display, env);
  } catch (error) {
    if (error instanceof NestedSuite) {
      throw new ConfigError(`"${entry}" is a suite, not a scenario: suites do not nest`, {
        file: suite.file,
        line: lineOf(suite, ['scenarios', index]),
        path: formatPath(['scenarios', index]),
        hint: `list the scenario files of ${display} here instead, or run both suites one after the other: roomgate run ${suite.file} ${display}`,
      });
    }
    if (error instanceof ConfigError && error.file === display && error.message === 'no such file') {
      throw new ConfigError(`scenario "${entry}" does not exist (looked for ${display})`, {
        file: suite.file,
        line: lineOf(suite, ['scenarios', index]),
        path: formatPath(['scenarios', index]),
        hint: 'scenario paths are relative to the suite file, e.g. ../scenarios/burst.yaml',
      });
    }
    throw error;
  }
}

async function loadScenario(file: string, env: Record<string, string | undefined>): Promise<ScenarioConfig> {
  const source = await readYamlSource(file);
  substituteEnv(source, env);
  const data = yamlData(source);
  if (isSuite(data)) throw new NestedSuite(file);
  return scenarioFrom(source, data);
}

/** A mapping with `scenarios:` and no `steps:` is a suite (the test loadRunConfig applies to its files). */
function isSuite(data: unknown): boolean {
  return typeof data === 'object' && data !== null && !Array.isArray(data) && 'scenarios' in data && !('steps' in data);
}

/** Thrown by loadScenario for a suite; the suite that listed it turns it into an error at its own line. */
class NestedSuite extends Error {
  constructor(readonly file: string) {
    super(`${file} is a suite`);
  }
}

/**
 * The same problem once: a scenario listed twice in a suite (or a file given
 * twice) would otherwise print each of its errors twice.
 */
function distinct(problems: readonly ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  const out: ConfigError[] = [];
  for (const problem of problems.flatMap((p) => (p instanceof ConfigErrors ? p.errors : [p]))) {
    const key = `${problem.located}\n${problem.hint ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}

function scenarioFrom(source: YamlSource, data: unknown): ScenarioConfig {
  validateAgainstSchema(source, 'scenario', data);
  const raw = data as {
    name: string;
    description?: string;
    target?: ScenarioConfig['target'];
    embedded?: ScenarioConfig['embedded'];
    steps: (RawStep | { parallel: RawStep[] })[];
    incidents?: unknown;
    metrics?: RawMetrics;
    shard?: string | number;
  };
  const steps: StepConfig[] = [];
  const entries: ScenarioEntry[] = [];
  const problems: ConfigError[] = [];
  const collect = (build: () => void) => {
    try {
      build();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
    }
  };
  raw.steps.forEach((entry, index) => {
    if ('parallel' in entry) {
      const members = entry.parallel.map((step, memberIndex) => stepFrom(source, step, ['steps', index, 'parallel', memberIndex], collect, true));
      steps.push(...members);
      const at = located(source, ['steps', index]);
      collect(() => checkGroupLength(members, at));
      entries.push({ kind: 'parallel', members, at });
      return;
    }
    const step = stepFrom(source, entry, ['steps', index], collect, false);
    steps.push(step);
    entries.push({ kind: 'step', step });
  });
  ConfigErrors.throwIfAny(problems);
  const scenario: ScenarioConfig = { file: source.file, name: raw.name, steps, entries };
  if (raw.description !== undefined) scenario.description = raw.description;
  if (raw.target !== undefined) scenario.target = raw.target;
  if (raw.embedded !== undefined) scenario.embedded = raw.embedded;
  if (raw.incidents !== undefined) scenario.incidents = { name: INCIDENTS_STEP_NAME, input: raw.incidents, source, at: located(source, ['incidents']) };
  const metrics = metricsFrom(raw.metrics);
  if (metrics !== undefined) scenario.metrics = metrics;
  if (raw.shard !== undefined) scenario.shard = raw.shard;
  return scenario;
}

/** The step a scenario's `incidents:` list becomes is called this (scenario-qualified when two scenarios of a run have one). */
export const INCIDENTS_STEP_NAME = 'incidents';

/** A step as written (schema-checked). */
interface RawStep {
  type: StepType;
  name?: string;
  options?: Record<string, unknown>;
  slos?: (string | { threshold: string; abort_on_fail?: boolean; grace?: string })[];
  start?: string;
  every?: string;
  times?: number;
}

type Path = (string | number)[];

function located(source: YamlSource, path: Path): StepConfig['at'] {
  return { file: source.file, line: lineOf(source, path), path: formatPath(path) };
}

function stepFrom(source: YamlSource, step: RawStep, path: Path, collect: (build: () => void) => void, inGroup: boolean): StepConfig {
  const config: StepConfig = {
    type: step.type,
    name: step.name ?? step.type,
    options: step.options ?? {},
    slos: (step.slos ?? []).map((input, sloIndex) => ({ input, at: located(source, [...path, 'slos', sloIndex]) })),
    at: located(source, path),
  };
  collect(() => {
    const timing = timingFrom(source, step, path, inGroup);
    if (timing !== undefined) config.timing = timing;
  });
  return config;
}

/**
 * `start`, `every` and `times` of a group member, in ms. Outside a group a
 * step starts when the one before it ended, so they mean nothing there and
 * are refused rather than ignored.
 */
function timingFrom(source: YamlSource, step: RawStep, path: Path, inGroup: boolean): StepTiming | undefined {
  const fail = (key: string, message: string, hint: string) =>
    new ConfigError(message, { file: source.file, line: lineOf(source, [...path, key]), path: formatPath([...path, key]), hint });
  const written = (['start', 'every', 'times'] as const).filter((key) => step[key] !== undefined);
  if (!inGroup) {
    if (written.length === 0) return undefined;
    throw fail(
      written[0]!,
      `\`${written[0]!}\` times a member of a \`parallel:\` group; a step on its own starts when the one before it ended`,
      'put this step in a `parallel:` group with the steps it runs beside (see docs/suites-and-scenarios.md, "Phases")',
    );
  }
  // The schema's pattern has checked the form (a duration, optionally after "+").
  const startMs = step.start === undefined ? 0 : (parseDuration(step.start.replace(/^\+/, '')) ?? 0);
  const everyMs = step.every === undefined ? undefined : parseDuration(step.every);
  if (everyMs !== undefined && everyMs <= 0) throw fail('every', `every must be longer than 0 (got ${step.every ?? ''})`, 'e.g. every: 20s');
  if (step.times !== undefined && everyMs === undefined)
    throw fail('times', '`times` counts the runs of a recurring step, and this one has no `every:`', 'add `every: <duration>`, or drop `times`');
  return { startMs, ...(everyMs === undefined ? {} : { everyMs }), ...(step.times === undefined ? {} : { times: step.times }) };
}

/**
 * A group lasts as long as its members that do not recur (or recur a fixed
 * number of times); recurring members repeat while those run. A group of
 * open-ended recurring members only would never end.
 */
function checkGroupLength(members: readonly StepConfig[], at: StepConfig['at']): void {
  if (members.some((m) => m.timing?.everyMs === undefined || m.timing.times !== undefined)) return;
  throw new ConfigError('every member of this parallel group recurs without end, so nothing sets how long the group lasts', {
    file: at.file,
    line: at.line,
    path: `${at.path}.parallel`,
    hint: 'add a step that runs once (a soak with its duration), or give the recurring steps `times:`',
  });
}

/** `metrics:` as written (schema-checked: durations match the duration pattern). */
interface RawMetrics {
  port?: number;
  host?: string;
  otlp_endpoint?: string;
  otlp_interval?: string;
  linger?: string;
}

function metricsFrom(raw: RawMetrics | undefined): MetricsConfig | undefined {
  if (raw === undefined) return undefined;
  const metrics: MetricsConfig = {};
  if (raw.port !== undefined) metrics.port = raw.port;
  if (raw.host !== undefined) metrics.host = raw.host;
  if (raw.otlp_endpoint !== undefined) metrics.otlpEndpoint = raw.otlp_endpoint;
  if (raw.otlp_interval !== undefined) metrics.otlpIntervalMs = parseDuration(raw.otlp_interval) ?? 0;
  if (raw.linger !== undefined) metrics.lingerMs = parseDuration(raw.linger) ?? 0;
  return metrics;
}

/**
 * Step names key reports, `--only` and `compare`, so they must be unique in a
 * run. Defaulted names (the type) are numbered; a name the user wrote twice
 * is an error.
 */
function uniqueStepNames(config: RunConfig): void {
  const seen = new Map<string, StepConfig>();
  for (const scenario of config.scenarios) {
    for (const step of scenario.steps) {
      if (!seen.has(step.name)) {
        seen.set(step.name, step);
        continue;
      }
      const explicit = step.name !== step.type;
      if (explicit) {
        throw new ConfigError(`step name "${step.name}" is used twice in this run`, {
          file: step.at.file,
          line: step.at.line,
          path: `${step.at.path}.name`,
          hint: 'give each step a distinct `name:` (reports, --only and compare use it)',
        });
      }
      step.name = qualified(scenario.name, step.name, seen);
      seen.set(step.name, step);
    }
  }
  // The incidents step after every named step: a user's step called "incidents" keeps its name.
  const names = new Set(seen.keys());
  for (const scenario of config.scenarios) {
    const incidents = scenario.incidents;
    if (incidents === undefined) continue;
    if (names.has(incidents.name)) incidents.name = qualified(scenario.name, incidents.name, names);
    names.add(incidents.name);
  }
}

/** A scenario-qualified name is stable across runs of the same suite. */
function qualified(scenario: string, name: string, taken: { has(name: string): boolean }): string {
  let candidate = `${scenario}.${name}`;
  for (let n = 2; taken.has(candidate); n += 1) candidate = `${scenario}.${name}-${n}`;
  return candidate;
}

/** Convert an option written as a duration string to milliseconds (validated by the schema already, which refuses bare numbers). */
export function durationOption(value: unknown): number | undefined {
  return typeof value === 'string' ? parseDuration(value) : undefined;
}
