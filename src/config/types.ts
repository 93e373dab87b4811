/** The step types a scenario can name; also the `kind` of a step's result (src/model/result.ts). */
export type StepKind = 'contract' | 'pact' | 'load' | 'browser' | 'webhooks' | 'webhook-sink';

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
  type: StepKind;
  /** Unique within the run; defaults to the type (then `type-2`, …). */
  name: string;
  /** The step's options as written (durations still strings); each step adapter converts them. */
  options: Record<string, unknown>;
  slos: SloSpec[];
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
  steps: StepConfig[];
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
