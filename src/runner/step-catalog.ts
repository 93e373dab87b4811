import { dirname, isAbsolute, join } from 'node:path';
import { ConfigError, ConfigErrors } from '../errors.js';
import type { StepType } from '../config/types.js';
import type { Step } from '../model/step.js';
import { durationOption } from '../config/load-config.js';
import { LoadOperations } from '../load/load-operations.js';
import { parseLoadSlos } from '../load/load-slos.js';
import type { TargetProfile } from '../profile/types.js';
import type { StepConfig } from '../config/types.js';
import type { ShardSpec } from '../shard/shard-spec.js';

/**
 * From a step as written in YAML to a Step object: which module builds each
 * step type, and how the YAML options (durations as `30s`) become the step's
 * own options type (milliseconds). Modules are loaded lazily, so `roomgate
 * run suites/ci-gate.yaml` never loads puppeteer, and a step type whose
 * module is missing from this build fails as a located config error before
 * anything runs instead of crashing half-way.
 */
export interface PlanContext {
  /** `--duration`: soak steps are scaled to this length. */
  durationMs?: number;
  /** `--shard i/n`: load and browser steps take their share of the totals. */
  shard?: ShardSpec;
  /** `--start-at` (epoch ms), given to the run's first load or browser step only: its measured phase starts then. */
  startAtMs?: number;
  /** The scenario's target profile: load steps check their mix and SLO names against its operations. */
  profile?: TargetProfile;
}

/** The distributed-run fields of a measured step's options. */
function shardFields(ctx: PlanContext): Record<string, unknown> {
  return { ...(ctx.shard === undefined ? {} : { shard: ctx.shard }), ...(ctx.startAtMs === undefined ? {} : { startAtMs: ctx.startAtMs }) };
}

interface StepFactoryEntry {
  module: string;
  exportName: string;
  toOptions(step: StepConfig, ctx: PlanContext): Record<string, unknown>;
}

type StepFactory = (options: Record<string, unknown>, name: string) => Step | Promise<Step>;

/** Copy options, converting the listed duration keys (`requestTimeout` → `requestTimeoutMs`). */
function withMs(options: Record<string, unknown>, durations: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    const msKey = durations[key];
    if (msKey === undefined) out[key] = value;
    else out[msKey] = durationOption(value);
  }
  return out;
}

const slosOf = (step: StepConfig) => step.slos.map((s) => s.input);

export const STEP_FACTORIES: Record<StepType, StepFactoryEntry> = {
  contract: {
    module: '../contract/contract-step.js',
    exportName: 'createContractStep',
    toOptions: (step) => ({
      ...withMs(step.options, { requestTimeout: 'requestTimeoutMs' }),
      ...(step.options['expiredTokenMaxWait'] === undefined
        ? {}
        : { expiredTokenMaxWaitSeconds: (durationOption(step.options['expiredTokenMaxWait']) ?? 0) / 1000, expiredTokenMaxWait: undefined }),
    }),
  },
  pact: {
    module: '../contract/index.js',
    exportName: 'createPactStep',
    toOptions: (step) => ({ ...withMs(step.options, { timeout: 'timeoutMs' }), name: step.name }),
  },
  webhooks: {
    module: '../contract/index.js',
    exportName: 'createWebhooksStep',
    toOptions: (step) => {
      const options = withMs(step.options, { deliveryBudget: 'deliveryBudgetMs', requestTimeout: 'requestTimeoutMs' });
      if (step.options['timestampTolerance'] !== undefined) {
        delete options['timestampTolerance'];
        options['timestampToleranceSeconds'] = (durationOption(step.options['timestampTolerance']) ?? 0) / 1000;
      }
      return { ...options, name: step.name };
    },
  },
  load: {
    module: '../load/index.js',
    exportName: 'createLoadStep',
    toOptions: (step, ctx) => {
      const options = withMs(step.options, {
        duration: 'durationMs',
        ramp: 'rampMs',
        window: 'windowMs',
        requestTimeout: 'requestTimeoutMs',
        lateThreshold: 'lateThresholdMs',
      });
      if (step.options['spec'] !== undefined) {
        options['specPath'] = step.options['spec'];
        delete options['spec'];
      }
      if (Array.isArray(step.options['phases'])) {
        options['phases'] = (step.options['phases'] as Record<string, unknown>[]).map((phase) => withMs(phase, { duration: 'durationMs', ramp: 'rampMs' }));
      }
      // --duration scales soaks only: a burst's length is part of its definition.
      if (ctx.durationMs !== undefined && step.options['mode'] === 'soak') options['durationMs'] = ctx.durationMs;
      return { ...options, name: step.name, slos: slosOf(step), ...shardFields(ctx), ...(ctx.profile === undefined ? {} : { profile: ctx.profile }) };
    },
  },
  browser: {
    module: '../browser/index.js',
    exportName: 'buildBrowserStep',
    toOptions: (step, ctx) => ({
      ...shardFields(ctx),
      ...withMs(step.options, {
        hold: 'holdMs',
        sampleInterval: 'sampleIntervalMs',
        window: 'windowMs',
        navigationTimeout: 'navigationTimeoutMs',
        joinTimeout: 'joinTimeoutMs',
        mediaTimeout: 'mediaTimeoutMs',
        frozenAfter: 'frozenAfterMs',
        propagationBudget: 'propagationBudgetMs',
      }),
      // After the plain copy, so the converted nested options replace the raw ones.
      ...browserExtras(step.options, step.at.file),
      name: step.name,
      slos: slosOf(step),
    }),
  },
  'webhook-sink': {
    module: '../webhook-delivery/index.js',
    exportName: 'createWebhookSinkStep',
    toOptions: (step) => ({
      ...withMs(step.options, {
        deliveryBudget: 'deliveryBudgetMs',
        timestampTolerance: 'timestampToleranceMs',
        startTimeout: 'startTimeoutMs',
        window: 'windowMs',
      }),
      name: step.name,
      // None written: the step's defaults (every event delivered, within 5 s, signed and fresh).
      ...(step.slos.length === 0 ? {} : { slos: slosOf(step) }),
    }),
  },
};

/** Nested durations of the browser options: adapter action timeouts and overload thresholds. */
function browserExtras(options: Record<string, unknown>, fileOf: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const adapter = options['adapter'] as Record<string, unknown> | string | undefined;
  // A module or file path is relative to the scenario file that names it.
  const fromScenario = (path: string) => (fileOf === undefined ? path : scenarioRelative(fileOf, path));
  if (typeof adapter === 'string') {
    out['adapter'] = fromScenario(adapter);
  } else if (adapter !== undefined && typeof adapter['module'] === 'string') {
    out['adapter'] = { ...adapter, module: fromScenario(adapter['module']) };
  } else if (adapter !== undefined) {
    const actions = (list: unknown) => (Array.isArray(list) ? list.map((a: Record<string, unknown>) => withMs(a, { timeout: 'timeoutMs' })) : list);
    out['adapter'] = stripUndefined({ ...adapter, steps: actions(adapter['steps']), leave: actions(adapter['leave']) });
  }
  const overload = options['overload'] as Record<string, unknown> | undefined;
  if (overload !== undefined) out['overload'] = withMs(overload, { cpuSustained: 'cpuSustainedMs', maxEventLoopDelay: 'maxEventLoopDelayMs' });
  return out;
}

/** Build the Step for one configured step, or throw a ConfigError located at it. */
export async function buildStep(step: StepConfig, ctx: PlanContext): Promise<Step> {
  // SLOs first: a typo in a threshold is worth knowing even while the step's module is missing.
  validateSlosEarly(step, ctx.profile);
  const entry = STEP_FACTORIES[step.type];
  const factory = await loadFactory(entry);
  if (factory === undefined) {
    throw new ConfigError(
      `step type "${step.type}" is not available in this build of roomgate (its module ${entry.module.replace('../', 'src/').replace('.js', '.ts')} does not export ${entry.exportName} yet)`,
      {
        file: step.at.file,
        line: step.at.line,
        path: `${step.at.path}.type`,
        hint: `remove the "${step.type}" step from the scenario, or run \`roomgate run --only <other steps>\``,
      },
    );
  }
  if (step.slos.length > 0 && (step.type === 'contract' || step.type === 'pact' || step.type === 'webhooks')) {
    throw new ConfigError(`${step.type} steps have no SLOs (their checks pass or fail on their own)`, {
      file: step.at.file,
      line: step.slos[0]!.at.line,
      path: step.slos[0]!.at.path,
      hint: 'put latency and error thresholds on a load or browser step',
    });
  }
  const options = stripUndefined(entry.toOptions({ ...step, options: relativeToScenario(step) }, ctx));
  try {
    const built = await factory(options, step.name);
    // The runner keys everything on the step name the user sees.
    if (built.name !== step.name) return Object.assign(Object.create(Object.getPrototypeOf(built) as object) as Step, built, { name: step.name });
    return built;
  } catch (error) {
    if (error instanceof ConfigError) throw relocate(error, step);
    throw error;
  }
}

async function loadFactory(entry: StepFactoryEntry): Promise<StepFactory | undefined> {
  let module: Record<string, unknown>;
  try {
    // A variable specifier, so the type checker does not require modules other engineers are still writing.
    const specifier: string = new URL(entry.module, import.meta.url).href;
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String((error as Error).message).includes(entry.module.replace('../', '').replace('.js', ''))
    )
      return undefined;
    throw error;
  }
  const factory = module[entry.exportName];
  return typeof factory === 'function' ? (factory as StepFactory) : undefined;
}

/**
 * A step's own validation (SLO parsing against its metric catalog, option
 * checks) knows paths like `slos[1]` but not the file; point the error at the
 * scenario line the user has to edit.
 */
function relocate(error: ConfigError, step: StepConfig): ConfigError {
  if (error instanceof ConfigErrors) return new ConfigErrors(error.errors.map((each) => relocate(each, step)));
  if (error.file !== undefined && error.line !== undefined) return error;
  const sloIndex = /^(?:[\w.]*\.)?slos\[(\d+)\]/.exec(error.path ?? '');
  const slo = sloIndex === null ? undefined : step.slos[Number(sloIndex[1])];
  const at = slo?.at ?? step.at;
  const path = slo !== undefined ? at.path : error.path === undefined || error.path === '' ? step.at.path : `${step.at.path}.options.${error.path}`;
  return new ConfigError(error.message, {
    file: at.file,
    ...(at.line === undefined ? {} : { line: at.line }),
    path,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    cause: error,
  });
}

/**
 * SLOs are parsed against the step's metric catalog before anything runs: an
 * unknown metric or operation is exit 2 at its line, never a silent pass.
 * (The step parses them again when it is built; this is the early, located check.)
 */
function validateSlosEarly(step: StepConfig, profile: TargetProfile | undefined): void {
  // Operation names are the profile's (create_room for VideoConnect, the user's operationIds otherwise).
  if (step.type !== 'load' || step.slos.length === 0 || profile === undefined) return;
  const mode = step.options['mode'] === 'soak' ? 'soak' : 'burst';
  parseLoadSlos(
    step.slos.map((s) => s.input),
    mode,
    LoadOperations.of(profile),
    { file: step.at.file, path: `${step.at.path}.slos`, lineOf: (index) => step.slos[index]?.at.line },
  );
}

/**
 * A scenario names its spec and pacts relative to its own file, like a suite
 * names its scenarios: `spec: ../contracts/api.yaml` in roomgate/soak.yaml
 * means the same file from any working directory. (A scenario file's path is
 * itself relative to the current directory, so the result is too.)
 */
export function relativeToScenario(step: StepConfig): Record<string, unknown> {
  const fromScenario = (path: unknown) => (typeof path === 'string' ? scenarioRelative(step.at.file, path) : path);
  const options = { ...step.options };
  if (options['spec'] !== undefined) options['spec'] = fromScenario(options['spec']);
  if (Array.isArray(options['pacts'])) options['pacts'] = (options['pacts'] as unknown[]).map(fromScenario);
  return options;
}

/** A path written in a scenario, taken relative to the scenario file (absolute paths stay). */
function scenarioRelative(scenarioFile: string, path: string): string {
  return isAbsolute(path) ? path : join(dirname(scenarioFile), path);
}

function stripUndefined(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
