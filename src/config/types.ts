import type { YamlSource } from './yaml-source.js';

/**
 * The `kind` of a step and of its result (src/model/result.ts): the step types
 * a scenario names in `steps:`, and `incident`, the step a scenario's
 * `incidents:` list becomes.
 */
export type StepKind = StepType | 'incident';

/** The step types a scenario can name in `steps:`. */
export type StepType = 'contract' | 'pact' | 'load' | 'browser' | 'webhooks' | 'webhook-sink';

/** Where something came from, for errors raised after loading (planning, SLO parsing). */
export interface Located {
  file: string;
  line: number | undefined;
  /** Path inside the file, e.g. `steps[1].slos[0]`. */
  path: string;
}

export interface SloSpec {
  /** As written: a string like `create_room.p99 < 1s`, or `{ threshold, abort_on_fail, grace }` (see src/slo/types.ts). */
  input: string | { threshold: string; abort_on_fail?: boolean; grace?: string };
  at: Located;
}

export interface StepConfig {
  type: StepType;
  /** Unique within the run; defaults to the type (then `type-2`, …). */
  name: string;
  /** The step's options as written (durations still strings); each step adapter converts them. */
  options: Record<string, unknown>;
  slos: SloSpec[];
  at: Located;
  /** Set for a member of a `parallel:` group: when it starts on the group's clock, and how it recurs. */
  timing?: StepTiming;
}

/**
 * When a member of a `parallel:` group runs, on the group's clock (offset 0
 * is the moment the group starts): `start: +2m`, `every: 20s`, `times: 3`.
 */
export interface StepTiming {
  /** Offset from the group's start; 0 when not written. */
  startMs: number;
  /** Run again every this long (each run is a repetition; their results merge into the step's). */
  everyMs?: number;
  /** At most this many runs (with `every`); without it a recurring step repeats while the group's other steps run. */
  times?: number;
}

/**
 * A scenario's steps in the order they run: a step on its own runs after the
 * entry before it ended; a `parallel:` group runs its members at the same
 * time, on one clock.
 */
export type ScenarioEntry = { kind: 'step'; step: StepConfig } | { kind: 'parallel'; members: StepConfig[]; at: Located };

/**
 * A scenario's `incidents:` list as written: the incident plan
 * (src/incident/incident-plan.ts) is parsed from it while planning, with the
 * file for its error lines. It runs as one step, named `name`.
 */
export interface IncidentsConfig {
  name: string;
  /** The list as written. */
  input: unknown;
  source: YamlSource;
  at: Located;
}

export interface TargetConfig {
  url?: string;
  clientId?: string;
  clientSecret?: string;
  /** A target profile file, relative to the scenario file (docs/profiles.md); default the built-in VideoConnect profile. */
  profile?: string;
}

export interface EmbeddedConfig {
  faults?: string[];
  rateLimit?: { quota: number; windowSeconds: number };
  tokenTtlSeconds?: number;
}

export interface ScenarioConfig {
  file: string;
  name: string;
  description?: string;
  target?: TargetConfig;
  embedded?: EmbeddedConfig;
  /** Every step of the scenario, group members included, in file order. */
  steps: StepConfig[];
  /** How the steps run: one after another, and `parallel:` groups on one clock. */
  entries: ScenarioEntry[];
  incidents?: IncidentsConfig;
  metrics?: MetricsConfig;
  /** `shard:` (`i/n`, or the count n for a Kubernetes Indexed Job's JOB_COMPLETION_INDEX); --shard overrides it. */
  shard?: string | number;
}

/** `metrics:` of a suite or scenario, durations parsed (see schemas/*.schema.json). */
export interface MetricsConfig {
  port?: number;
  host?: string;
  otlpEndpoint?: string;
  otlpIntervalMs?: number;
  lingerMs?: number;
}

export type GatePolicy = 'stop-at-first-failure' | 'run-all';

/** What `roomgate run` executes: one suite, or scenarios given directly (an implicit suite). */
export interface RunConfig {
  name: string;
  description?: string;
  files: string[];
  gate: GatePolicy;
  /** Global deadline from the suite file, if set. */
  deadlineMs?: number;
  /** The suite's `metrics:`, else the first scenario's that has one. */
  metrics?: MetricsConfig;
  /** The suite's `shard:`, else the first scenario's that has one. */
  shard?: string | number;
  scenarios: ScenarioConfig[];
}
