import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { BandEvent, DisturbanceWindow, RunEvent, WindowSummary } from '../model/events.js';
import type { SerializedMetrics } from '../metrics/serialized.js';
import { stepMetrics, type SloVerdict, type StepResult, type StepStatus } from '../model/result.js';
import type { Target } from '../target/target.js';
import type { MergedIdentity, ShardIdentity } from '../shard/shard-identity.js';
import type { Redactor } from './redact.js';
import { buildRunTimeline, type RunTimeline } from './run-timeline.js';

/**
 * The versioned `report.json` of a run folder: everything `roomgate report`
 * needs to re-render and `roomgate compare` needs to diff. Bump
 * REPORT_SCHEMA_VERSION on any change that is not purely additive; readers
 * refuse versions they do not know instead of misreading them.
 */
export const REPORT_SCHEMA_VERSION = 1 as const;
export const REPORT_FILE = 'report.json';

/** A target as it may appear in a report: never the secret. */
export interface TargetDescription {
  baseUrl: string;
  clientId: string;
  embedded: boolean;
  /** Fault switches of the embedded server, when any were on. */
  faults?: string[];
}

export interface RunMeta {
  id: string;
  /** Suite or scenario name, e.g. `smoke`. */
  name: string;
  /** The files the run was built from, as given. */
  files: string[];
  startedAt: string;
  finishedAt?: string;
  durationMs: number;
  status: StepStatus;
  /** Set once the run is over; absent in a partial report written mid-run. */
  exitCode?: number;
  /** True while the run is in progress or when it was cut short: results are incomplete. */
  partial: boolean;
  reason?: string;
  host: { hostname: string; platform: string; node: string };
  /** This run is one shard of a distributed run (`--shard i/n`). */
  shard?: ShardIdentity;
  /** This run was merged from shard runs by `roomgate merge`. */
  merged?: MergedIdentity;
}

export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'roomgate'; version: string };
  run: RunMeta;
  target: TargetDescription;
  steps: StepResult[];
  /** Every SLO verdict of every step, flattened, with the step it belongs to. */
  slos: (SloVerdict & { step: string })[];
  /**
   * Serialized metrics per step (HDR histograms, counters, windows), copied out
   * of each step's summary: `histograms` for load steps, `metrics` for browser steps.
   */
  histograms: Record<string, SerializedMetrics>;
  /** Per-step time windows seen during the run (from `window` events), for over-time charts. */
  timeline: Record<string, WindowSummary[]>;
  /**
   * The whole run on one time axis (DESIGN.md "Phases share one clock"): phases and incidents as bands, every
   * step's windows, the participants' moments, webhook delivery and the fault proxy's disturbances, at epoch ms.
   * Absent in reports written before it existed.
   */
  runTimeline?: RunTimeline;
}

export function describeTargetForReport(target: Target, faults?: readonly string[]): TargetDescription {
  return {
    baseUrl: target.baseUrl,
    clientId: target.credentials.clientId,
    embedded: target.embedded,
    ...(faults !== undefined && faults.length > 0 ? { faults: [...faults] } : {}),
  };
}

export function hostInfo(): RunMeta['host'] {
  return { hostname: hostname(), platform: `${process.platform}-${process.arch}`, node: process.version };
}

/** Build a RunReport from parts (used by the one-step commands' `--out`). */
export function buildRunReport(parts: {
  run: Omit<RunMeta, 'host'> & { host?: RunMeta['host'] };
  target: TargetDescription;
  steps: readonly StepResult[];
  timeline?: Record<string, WindowSummary[]>;
  /** Band and disturbance events of the run: with them the report holds the run's one timeline. */
  bands?: readonly BandEvent[];
  disturbances?: readonly DisturbanceWindow[];
  toolVersion?: string;
}): RunReport {
  const timeline = parts.timeline ?? {};
  const endMs = parts.run.finishedAt === undefined ? undefined : Date.parse(parts.run.finishedAt);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'roomgate', version: parts.toolVersion ?? '0.1.0' },
    run: { ...parts.run, host: parts.run.host ?? hostInfo() },
    target: parts.target,
    steps: [...parts.steps],
    slos: parts.steps.flatMap((step) => step.slos.map((slo) => ({ ...slo, step: step.name }))),
    histograms: Object.fromEntries(
      parts.steps.flatMap((step) => {
        const h = stepMetrics(step);
        return h === undefined ? [] : [[step.name, h]];
      }),
    ),
    timeline,
    ...(parts.bands === undefined
      ? {}
      : {
          runTimeline: buildRunTimeline({
            steps: parts.steps,
            windows: timeline,
            bands: parts.bands,
            disturbances: parts.disturbances ?? [],
            ...(endMs === undefined || Number.isNaN(endMs) ? {} : { endMs }),
          }),
        }),
  };
}

/**
 * Collects the `window`, `band` and `disturbances` events of a run, so the
 * report can draw figures over time on one axis even for a step that was
 * killed before it returned its summary.
 */
export class TimelineCollector {
  readonly timeline: Record<string, WindowSummary[]> = {};
  readonly bands: BandEvent[] = [];
  readonly disturbances: DisturbanceWindow[] = [];
  readonly sink = (event: RunEvent): void => {
    if (event.type === 'window') (this.timeline[event.step] ??= []).push(event.window);
    else if (event.type === 'band') this.bands.push(event);
    else if (event.type === 'disturbances') this.disturbances.push(event.disturbances);
  };
}

/**
 * Write report.json atomically: a reader (or a crash) sees either the old
 * complete file or the new complete file, never half of one. Secrets are
 * redacted on the way out.
 */
export async function writeReportJson(runDir: string, report: RunReport, redactor?: Redactor): Promise<string> {
  const path = join(runDir, REPORT_FILE);
  await writeFileAtomic(path, `${JSON.stringify(redactor === undefined ? report : redactor.value(report), null, 2)}\n`);
  return path;
}

export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  await writeFile(tmp, content, 'utf8');
  await rename(tmp, path);
}

/** Read and check a report.json; `where` is a run folder or the file itself. */
export async function readReportJson(where: string): Promise<RunReport> {
  const path = where.endsWith('.json') ? where : join(where, REPORT_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      file: path,
      hint: 'pass a run folder written by `roomgate run` (it contains report.json), e.g. reports/2024-01-01T10-00-00-smoke',
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`is not valid JSON: ${(error as Error).message}`, {
      file: path,
      hint: 'the file may have been cut short by a crash; re-run the suite to produce a fresh report',
    });
  }
  if (typeof value !== 'object' || value === null || (value as { schemaVersion?: unknown }).schemaVersion === undefined) {
    throw new ConfigError('is not a roomgate report (no schemaVersion)', { file: path, hint: 'pass the report.json of a roomgate run folder' });
  }
  const version = (value as { schemaVersion: unknown }).schemaVersion;
  if (version !== REPORT_SCHEMA_VERSION) {
    throw new ConfigError(`has schemaVersion ${String(version)}, this roomgate reads version ${REPORT_SCHEMA_VERSION}`, {
      file: path,
      hint: 'use the roomgate version that wrote the report, or re-run the suite with this one',
    });
  }
  const report = value as RunReport;
  report.timeline ??= {};
  report.histograms ??= {};
  return report;
}
