import type { BrowserStepSummary } from './browser-summary.js';
import type { GateSummary, PactSummary } from './gate-summary.js';
import type { LoadSummary } from './load-summary.js';
import type { WebhookSinkSummary } from './webhook-sink-summary.js';
import type { IncidentStepSummary } from './incident-summary.js';
import type { SerializedMetrics } from '../metrics/serialized.js';
import type { ContractCoverage } from './coverage.js';
import type { Evidence } from './evidence.js';
import type { SloVerdict } from '../slo/types.js';
import type { StepKind } from '../config/types.js';

/**
 * Result states as discriminated unions: a consumer switches on `status` and
 * the compiler tells it which fields exist.
 */

export type CheckResult = CheckPassed | CheckFailed | CheckErrored | CheckSkipped;

interface CheckBase {
  /** Stable, human-readable id, e.g. `idempotency.replay-returns-same-room`. */
  name: string;
  /** The family the check belongs to, e.g. `schema`, `auth`, `idempotency`. */
  group: string;
  durationMs: number;
  /** The contract element(s) or documented rule(s) the check enforces (see src/contract/check-catalog.ts). */
  cites?: string[];
}

export interface CheckPassed extends CheckBase {
  status: 'passed';
  /** How many observations backed the pass (responses validated, cases run). */
  observations?: number;
}

export interface CheckFailed extends CheckBase {
  status: 'failed';
  message: string;
  evidence: Evidence[];
}

/** The check could not reach a verdict (an exception, a timeout in the harness). */
export interface CheckErrored extends CheckBase {
  status: 'errored';
  message: string;
  evidence?: Evidence[];
}

export interface CheckSkipped extends CheckBase {
  status: 'skipped';
  reason: string;
}

// Defined beside the thresholds they judge (slo/ sits below model/); re-exported as part of a step's result.
export type { SloFailed, SloNoData, SloPassed, SloVerdict } from '../slo/types.js';

/** A file the step wrote for a person to look at (screenshot, console log, stats). */
export interface Artifact {
  kind: 'screenshot' | 'console-log' | 'stats' | 'pact' | 'other';
  /** Path relative to the run folder. */
  path: string;
  description: string;
}

// Defined with the scenario file's step types (src/config/types.ts), the one place that lists them.
export type { StepKind };

/**
 * - passed: every check and SLO held.
 * - failed: the target broke a promise (a check failed or an SLO was breached).
 * - errored: the harness could not complete the step (a bug, a missing browser).
 * - invalid: the numbers cannot be trusted (generator behind schedule, host overloaded).
 * - interrupted: stopped by the user; results are partial.
 * - skipped: not run (gate policy, `--only`).
 */
export type StepStatus = 'passed' | 'failed' | 'errored' | 'invalid' | 'interrupted' | 'skipped';

interface StepResultBase {
  name: string;
  status: StepStatus;
  /** Why the step has this status, in one sentence (always set unless passed). */
  reason?: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  checks: CheckResult[];
  slos: SloVerdict[];
  artifacts: Artifact[];
  /** The harness's own stack trace when the step errored on a bug (an error that is not a RoomgateError). */
  stack?: string;
}

/**
 * A step's result, by kind: each kind has its own typed `summary` (absent when
 * the step never got far enough to have one: skipped, failed in setup). A
 * consumer switches on `kind` and the compiler knows the summary's fields.
 */
export type StepResult =
  ContractStepResult | WebhooksStepResult | PactStepResult | LoadStepResult | BrowserStepResult | WebhookSinkStepResult | IncidentStepResult;

export interface ContractStepResult extends StepResultBase {
  kind: 'contract';
  summary?: GateSummary;
  /** Which declared responses and invalid inputs the gate exercised (src/model/coverage.ts). */
  coverage?: ContractCoverage;
}

export interface WebhooksStepResult extends StepResultBase {
  kind: 'webhooks';
  summary?: GateSummary;
  coverage?: ContractCoverage;
}

export interface PactStepResult extends StepResultBase {
  kind: 'pact';
  summary?: PactSummary;
}

export interface LoadStepResult extends StepResultBase {
  kind: 'load';
  summary?: LoadSummary;
}

export interface BrowserStepResult extends StepResultBase {
  kind: 'browser';
  summary?: BrowserStepSummary;
}

/** Webhook delivery measured while other steps create and close rooms (src/webhook-delivery/). */
export interface WebhookSinkStepResult extends StepResultBase {
  kind: 'webhook-sink';
  summary?: WebhookSinkSummary;
}

/** The step a scenario's `incidents:` list becomes (src/runner/incident-step.ts). */
export interface IncidentStepResult extends StepResultBase {
  kind: 'incident';
  summary?: IncidentStepSummary;
}

/** The result of a step of kind K. */
export type StepResultOf<K extends StepKind> = Extract<StepResult, { kind: K }>;

/** A contract-gate step's coverage map (contract and webhooks steps that ran the coverage group). */
export function stepCoverage(result: StepResult): ContractCoverage | undefined {
  return result.kind === 'contract' || result.kind === 'webhooks' ? result.coverage : undefined;
}

/** A step's serialized metrics registry (HDR histograms, counters, windows), when its kind keeps one: load, browser and webhook-sink steps. */
export function stepMetrics(result: StepResult): SerializedMetrics | undefined {
  switch (result.kind) {
    case 'load':
      return result.summary?.histograms;
    case 'browser':
    case 'webhook-sink':
      return result.summary?.metrics;
    default:
      return undefined;
  }
}

/** Combine step statuses into one: the worst wins. */
const severity: Record<StepStatus, number> = {
  skipped: 0,
  passed: 1,
  failed: 2,
  errored: 3,
  invalid: 4,
  interrupted: 5,
};

export function worstStatus(statuses: readonly StepStatus[]): StepStatus {
  let worst: StepStatus = 'passed';
  let seenAny = false;
  for (const status of statuses) {
    if (status === 'skipped') continue;
    seenAny = true;
    if (severity[status] > severity[worst]) worst = status;
  }
  return seenAny ? worst : 'skipped';
}

/**
 * The process exit code for an overall status, per DESIGN.md. `errored` means
 * no verdict could be reached, which like `invalid` is not a pass and not a
 * proven failure of the target, so it shares exit 3.
 */
export function exitCodeFor(status: StepStatus): 0 | 1 | 3 | 130 {
  switch (status) {
    case 'passed':
    case 'skipped':
      return 0;
    case 'failed':
      return 1;
    case 'errored':
    case 'invalid':
      return 3;
    case 'interrupted':
      return 130;
  }
}
