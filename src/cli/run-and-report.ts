import { mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { MetricsConfig } from '../config/types.js';
import { formatDuration } from '../config/duration.js';
import type { LiveMetricsOptions } from '../exporters/live-metrics.js';
import { exitCodeFor, type StepResult, type StepStatus } from '../model/result.js';
import { createEventsWriter, EVENTS_FILE } from '../report/events-writer.js';
import { createRedactor } from '../report/redact.js';
import { buildRunReport, describeTargetForReport, TimelineCollector, writeReportJson, type TargetDescription } from '../report/report-json.js';
import { writeRunReports } from '../report/write-reports.js';
import { createEventBus } from '../runner/event-bus.js';
import { runPlan, type Gate, type ScenarioTask } from '../runner/run-plan.js';
import type { ShardIdentity } from '../shard/shard-identity.js';
import { paint, useColor } from './color.js';
import { interruptSignal } from './interrupt.js';
import { startLiveExport, type MetricsFlags } from './live-export.js';
import { createProgressRenderer } from './progress.js';
import { CONSOLE_RENDERERS } from './render/index.js';
import { runVerdictLine } from './run-verdict.js';
import { renderRunSummaryJson } from './summary-json.js';

/**
 * A plan every command hands to runAndReport: `roomgate run` builds it from
 * suite and scenario files, `contract`, `load` and `browser` from their flags
 * (one scenario, one or two steps). Everything in it was validated while it
 * was built, so a usage or config error is exit 2 before anything runs or a
 * run folder exists.
 */
export interface PlannedRun {
  /** report.json's `run.name` and the verdict line's: the suite or scenario name, or the step a one-step command runs. */
  name: string;
  /** The default run folder is reports/<timestamp>-<label> (the suite name, or the command). */
  label: string;
  /** The files the run was built from, as given (report.json's `run.files`). */
  files: string[];
  scenarios: ScenarioTask[];
  gate: Gate;
  /** Global deadline, ms from the start (none: the steps' own bounds). */
  deadlineMs?: number;
  only?: string[];
  /** Steps the runner reports as skipped, with why (contract steps on shards 2..n). */
  skip?: ReadonlyMap<string, string>;
  /** This run is one shard of a distributed run. */
  shard?: ShardIdentity;
  /** Secrets known before the run (flags, environment, scenario files); a target's are added when it is opened. */
  secrets: readonly (string | undefined)[];
  /** How reports describe the target until a scenario opens one (a run whose first target never opened). */
  target: TargetDescription;
  /** Lines the command prints before the run starts: what it is about to do. */
  intro?: readonly string[];
  /** Notes about the plan (a default SLO left out, and why): printed with the intro and kept in --json. */
  notes?: readonly string[];
  /** Live metrics exporters: the flags, the suite's `metrics:`, and the labels of the exported series. */
  metrics: { flags: MetricsFlags; config?: MetricsConfig | undefined; labels: Omit<LiveMetricsOptions, 'runId' | 'scenarioOf'> };
}

export interface RunOutput {
  /** `--out DIR`; default reports/<timestamp>-<label>. */
  out?: string | undefined;
  /** `--json`: the run summary on stdout, everything else on stderr. */
  json: boolean;
  /** `--junit FILE`: the run folder's junit.xml, also written there. */
  junit?: string | undefined;
}

/**
 * The one orchestration path of roomgate: run a plan with the runner, on one
 * event bus with its subscribers (the console with every step kind's
 * renderer, events.ndjson streamed as the run goes, the timeline, live
 * metrics exporters), one redactor for everything written, report.json
 * refreshed after every step (a killed run leaves a valid partial one), then
 * the run folder's five files, the verdict line and the `--json` summary.
 * Returns the exit code (0 passed, 1 failed, 3 invalid or errored, 130
 * interrupted with a partial report).
 */
export async function runAndReport(plan: PlannedRun, output: RunOutput): Promise<number> {
  const startedAt = new Date();
  const out = output.json ? process.stderr : process.stdout;
  const color = useColor(out);
  const runId = `${startedAt.getTime().toString(36)}-${process.pid}`;
  // Exporters start first: the endpoint covers the whole run, and a taken port is exit 2 before any load or run folder.
  const scenarioOf = new Map(plan.scenarios.flatMap((scenario) => scenario.steps.map((step) => [step.name, scenario.name] as const)));
  const exporters = await startLiveExport(plan.metrics.flags, plan.metrics.config, { ...plan.metrics.labels, scenarioOf, runId }, out);

  let runDir: string;
  try {
    runDir = output.out ?? (await claimRunFolder(join('reports', `${startedAt.toISOString().replace(/:/g, '-').replace(/\..+$/, '')}-${plan.label}`)));
    await mkdir(runDir, { recursive: true });
  } catch (error) {
    await exporters?.finish();
    throw error;
  }
  const redactor = createRedactor(plan.secrets);
  const bus = createEventBus();
  let eventsFailed = false;
  const events = createEventsWriter(join(runDir, EVENTS_FILE), {
    redactor,
    onError: (error) => {
      eventsFailed = true;
      process.stderr.write(`roomgate: could not write ${EVENTS_FILE}: ${error.message} (the run continues)\n`);
    },
  });
  const timeline = new TimelineCollector();
  bus.subscribe('events.ndjson', events.sink);
  bus.subscribe('timeline', timeline.sink);
  const progress = createProgressRenderer({ stream: out, lifecycle: true, color, renderers: CONSOLE_RENDERERS, transform: (text) => redactor.text(text) });
  bus.subscribe('console', progress.sink);

  if (exporters !== undefined) bus.subscribe('live-metrics', exporters.sink);

  // The report names the first target a scenario opened; the target's own secret is redacted from then on.
  const opened: TargetDescription[] = [];
  const scenarios: ScenarioTask[] = plan.scenarios.map((scenario) => ({
    ...scenario,
    openTarget: async (signal) => {
      const target = await scenario.openTarget(signal);
      redactor.add(target.target.credentials.clientSecret);
      opened.push(describeTargetForReport(target.target, target.faults));
      return target;
    },
  }));
  const makeReport = (steps: readonly StepResult[], status: StepStatus, partial: boolean, extra: { exitCode?: number; reason?: string } = {}) => {
    const now = new Date();
    return buildRunReport({
      run: {
        id: runId,
        name: plan.name,
        files: plan.files,
        startedAt: startedAt.toISOString(),
        finishedAt: now.toISOString(),
        durationMs: now.getTime() - startedAt.getTime(),
        status,
        partial,
        ...(plan.shard === undefined ? {} : { shard: plan.shard }),
        ...extra,
      },
      target: opened[0] ?? plan.target,
      steps,
      timeline: timeline.timeline,
    });
  };

  const interrupt = interruptSignal();
  const stepCount = plan.scenarios.reduce((n, s) => n + s.steps.length, 0);
  for (const line of plan.intro ?? []) out.write(`${redactor.text(line)}\n`);
  for (const note of plan.notes ?? []) out.write(`  note: ${note}\n`);
  bus.emit({ type: 'run-start', at: Date.now(), runId, target: plan.target.embedded ? 'embedded reference server' : plan.target.baseUrl, plan: [...scenarioOf.keys()] });
  const where = [
    `reports → ${relative(process.cwd(), runDir) || runDir}`,
    ...(plan.deadlineMs === undefined ? [] : [`deadline ${formatDuration(Math.round(plan.deadlineMs / 1000) * 1000)}`]),
    ...(stepCount > 1 ? [`gate ${plan.gate}`] : []),
  ];
  out.write(`  ${where.join(' · ')}\n`);
  let outcome;
  let stepListeners = 0;
  try {
    outcome = await runPlan(scenarios, {
      signal: interrupt.signal,
      emit: bus.emit,
      runDir,
      gate: plan.gate,
      ...(plan.deadlineMs === undefined ? {} : { deadlineMs: plan.deadlineMs }),
      ...(plan.only === undefined ? {} : { only: plan.only }),
      ...(plan.skip === undefined ? {} : { skip: plan.skip }),
      ...(exporters === undefined ? {} : { publishMetrics: exporters.publish }),
      // Steps that listen to the run (the webhook sink) are bus subscribers like the reporters, each under its own name.
      subscribe: (listener) => bus.subscribe(`step listener ${++stepListeners}`, listener),
      afterStep: async (_result, all) => {
        await writeReportJson(runDir, makeReport(all, 'interrupted', true, { reason: 'run in progress (or killed before it finished)' }), redactor);
      },
    });
  } finally {
    progress.stop();
    interrupt.dispose();
  }
  const exitCode = exitCodeFor(outcome.status);
  bus.emit({ type: 'run-end', at: Date.now(), status: outcome.status });
  events.close();
  const report = makeReport(outcome.results, outcome.status, outcome.status === 'interrupted', {
    exitCode,
    ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
  });
  const { written, errors } = await writeRunReports(runDir, report, { redactor, githubStepSummary: process.env['GITHUB_STEP_SUMMARY'], junitPath: output.junit });
  // events.ndjson was streamed during the run; it counts as written unless a write failed.
  if (!eventsFailed && events.count > 0) written.push(join(runDir, EVENTS_FILE));
  for (const error of errors) process.stderr.write(`roomgate: could not write ${error.message}\n`);
  out.write(`\n${paint(outcome.status, `roomgate ${plan.name} ${runVerdictLine(outcome)}`, color)}\n  report: ${join(relative(process.cwd(), runDir) || runDir, 'report.html')} (${written.length} files)\n`);
  if (output.json) process.stdout.write(`${JSON.stringify(redactor.value(renderRunSummaryJson(report, runDir, { ...(plan.notes === undefined ? {} : { notes: plan.notes }) })), null, 2)}\n`);
  // Last: the reports are written, so waiting for a final scrape can lose nothing.
  await exporters?.finish();
  return exitCode;
}

/**
 * A fresh default run folder: `base`, or `base-2`, `base-3` … when another run
 * started in the same second (two CI jobs, two commands in one script) has it.
 * mkdir without `recursive` fails on an existing folder, so claiming is atomic.
 */
async function claimRunFolder(base: string): Promise<string> {
  await mkdir(dirname(base), { recursive: true });
  for (let n = 1; n < 1000; n += 1) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      await mkdir(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`could not create a run folder next to ${base}: 1000 runs started in the same second`);
}
