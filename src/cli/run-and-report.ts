import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { MetricsConfig } from '../config/types.js';
import { formatDuration } from '../config/duration.js';
import type { LiveMetricsOptions } from '../exporters/live-metrics.js';
import { onIssuedSecret } from '../issued-secrets.js';
import { exitCodeFor, type StepResult, type StepStatus } from '../model/result.js';
import { createEventsWriter, EVENTS_FILE } from '../report/events-writer.js';
import { createRedactor, type Redactor } from '../report/redact.js';
import { buildRunReport, describeTargetForReport, TimelineCollector, writeReportJson, type RunReport, type TargetDescription } from '../report/report-json.js';
import { writeRunReports, writeRunReportsSync } from '../report/write-reports.js';
import { createEventBus } from '../runner/event-bus.js';
import { runPlan, type Gate, type RunOutcome, type ScenarioTask } from '../runner/run-plan.js';
import type { ShardIdentity } from '../shard/shard-identity.js';
import { paint, useColor } from './color.js';
import { exitCodeForSignal, interruptSignal } from './interrupt.js';
import { startLiveExport, type MetricsFlags } from './live-export.js';
import { takePendingNpmSignal } from './npm-signal-relay.js';
import { createProgressRenderer } from './progress.js';
import { CONSOLE_RENDERERS } from './render/index.js';
import { claimRunFolder, lockRunFolder } from './run-folder.js';
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
 * interrupted by SIGINT and 143 by SIGTERM, with a partial report).
 *
 * The run folder is the run's alone (run-folder.ts: a lock naming the run,
 * a fresh events.ndjson), and the exit code and the report always agree: a
 * signal makes report.json say so at once, whenever it arrives (mid-step,
 * during teardown, while the reports are written, just before the process
 * exits, or to npm only: npm-signal-relay.ts).
 */
export async function runAndReport(plan: PlannedRun, output: RunOutput): Promise<number> {
  const startedAt = new Date();
  const out = output.json ? process.stderr : process.stdout;
  const color = useColor(out);
  const runId = `${startedAt.getTime().toString(36)}-${process.pid}`;
  // Exporters start first: the endpoint covers the whole run, and a taken port is exit 2 before any load or run folder.
  const scenarioOf = new Map(plan.scenarios.flatMap((scenario) => scenario.steps.map((step) => [step.name, scenario.name] as const)));
  const exporters = await startLiveExport(plan.metrics.flags, plan.metrics.config, { ...plan.metrics.labels, scenarioOf, runId }, out);

  // Every byte this run writes passes through this redactor; it learns each token the moment roomgate obtains or mints one.
  const redactor = createRedactor(plan.secrets);
  const stopLearning = onIssuedSecret((secret) => redactor.add(secret));
  let runDir: string;
  let release: () => Promise<void>;
  try {
    runDir = output.out ?? (await claimRunFolder(join('reports', `${startedAt.toISOString().replace(/:/g, '-').replace(/\..+$/, '')}-${plan.label}`)));
    ({ release } = await lockRunFolder(runDir, { runId, command: plan.name === plan.label ? `roomgate ${plan.name}` : `roomgate run ${plan.name}` }));
  } catch (error) {
    stopLearning();
    await exporters?.finish();
    throw error;
  }
  try {
    return await runInFolder(plan, output, { startedAt, out, color, runId, scenarioOf, exporters, redactor, runDir });
  } finally {
    stopLearning();
    await release();
  }
}

interface RunContext {
  startedAt: Date;
  out: NodeJS.WriteStream;
  color: boolean;
  runId: string;
  scenarioOf: Map<string, string>;
  exporters: Awaited<ReturnType<typeof startLiveExport>>;
  redactor: Redactor;
  runDir: string;
}

async function runInFolder(plan: PlannedRun, output: RunOutput, context: RunContext): Promise<number> {
  const { startedAt, out, color, runId, scenarioOf, exporters, redactor, runDir } = context;
  const say = (text: string) => out.write(redactor.text(text));
  const warn = (text: string) => process.stderr.write(redactor.text(text));
  const bus = createEventBus();
  let eventsFailed = false;
  const events = createEventsWriter(join(runDir, EVENTS_FILE), {
    redactor,
    onError: (error) => {
      eventsFailed = true;
      warn(`roomgate: could not write ${EVENTS_FILE}: ${error.message} (the run continues)\n`);
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
      bands: timeline.bands,
      disturbances: timeline.disturbances,
    });
  };

  // What the run folder says while the run goes on: in progress, or interrupted (with the exit code the process will have) once a signal came.
  let stepsSoFar: readonly StepResult[] = [];
  let settled: RunReport | undefined;
  const inProgressReport = (steps: readonly StepResult[]) =>
    interrupt.received === undefined
      ? makeReport(steps, 'interrupted', true, { reason: 'run in progress (or killed before it finished)' })
      : makeReport(steps, 'interrupted', true, {
          exitCode: exitCodeForSignal(interrupt.received),
          reason: `interrupted by ${interrupt.received}; roomgate is draining and cleaning up (this report is replaced when it is done, or stays if it was killed)`,
        });
  const writeNow = (report: RunReport) => {
    for (const error of writeRunReportsSync(runDir, report, redactor)) warn(`roomgate: could not write ${error.message}\n`);
  };
  const interrupt = interruptSignal(undefined, {
    onFirst: (name) => {
      if (settled === undefined) {
        writeNow(inProgressReport(stepsSoFar));
        return;
      }
      // The verdict was already written: it now counts as interrupted, like the exit code the process will have.
      settled = lateInterruption(settled, name);
      writeNow(settled);
      process.exitCode = exitCodeForSignal(name);
    },
    beforeForcedExit: (name) => {
      if (settled !== undefined) return;
      writeNow(
        makeReport(stepsSoFar, 'interrupted', true, {
          exitCode: exitCodeForSignal(name),
          reason: `interrupted by ${name}, then ${name} again: exited without waiting for cleanup (rooms or browsers may be left behind)`,
        }),
      );
    },
  });
  // dash may hold a SIGINT meant for us until we exit and then hand it to npm (exit 130): the report must say so too.
  process.once('exit', () => {
    const pending = takePendingNpmSignal();
    if (pending !== undefined) interrupt.raise(pending);
  });

  const stepCount = plan.scenarios.reduce((n, s) => n + s.steps.length, 0);
  for (const line of plan.intro ?? []) say(`${line}\n`);
  for (const note of plan.notes ?? []) say(`  note: ${note}\n`);
  bus.emit({
    type: 'run-start',
    at: Date.now(),
    runId,
    target: plan.target.embedded ? 'embedded reference server' : plan.target.baseUrl,
    plan: [...scenarioOf.keys()],
  });
  const where = [
    `reports → ${relative(process.cwd(), runDir) || runDir}`,
    ...(plan.deadlineMs === undefined ? [] : [`deadline ${formatDuration(Math.round(plan.deadlineMs / 1000) * 1000)}`]),
    ...(stepCount > 1 ? [`gate ${plan.gate}`] : []),
  ];
  say(`  ${where.join(' · ')}\n`);
  let ran: RunOutcome;
  let stepListeners = 0;
  try {
    ran = await runPlan(scenarios, {
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
      afterStep: async (result, all) => {
        stepsSoFar = [...all];
        await redactArtifacts(runDir, result, redactor);
        await writeReportJson(runDir, inProgressReport(all), redactor);
      },
    });
  } finally {
    progress.stop();
  }
  // A signal npm got that the relay has not passed on yet is as much an interruption as one we got.
  const pending = takePendingNpmSignal();
  if (pending !== undefined) interrupt.raise(pending);
  const finalReport = () => {
    const outcome = asInterrupted(ran, interrupt.received);
    const exitCode = exitCodeOfOutcome(outcome.status, interrupt.received);
    const report = makeReport(outcome.results, outcome.status, ran.status === 'interrupted', {
      exitCode,
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    });
    return { outcome, report };
  };
  let { outcome, report } = finalReport();
  bus.emit({ type: 'run-end', at: Date.now(), status: outcome.status });
  events.close();
  let { written, errors } = await writeRunReports(runDir, report, { redactor, githubStepSummary: process.env['GITHUB_STEP_SUMMARY'], junitPath: output.junit });
  if (interrupt.received !== undefined && report.run.exitCode !== exitCodeForSignal(interrupt.received)) {
    // The signal came while the reports were being written: write them again, saying so.
    ({ outcome, report } = finalReport());
    ({ written, errors } = await writeRunReports(runDir, report, { redactor, junitPath: output.junit }));
  }
  // From here a signal rewrites the reports synchronously (the interrupt's onFirst) and sets the exit code.
  settled = report;
  // events.ndjson was streamed during the run; it counts as written unless a write failed.
  if (!eventsFailed && events.count > 0) written.push(join(runDir, EVENTS_FILE));
  for (const error of errors) warn(`roomgate: could not write ${error.message}\n`);
  say(
    `\n${paint(outcome.status, `roomgate ${plan.name} ${runVerdictLine(outcome)}`, color)}\n  report: ${join(relative(process.cwd(), runDir) || runDir, 'report.html')} (${written.length} files)\n`,
  );
  if (output.json)
    process.stdout.write(
      `${JSON.stringify(redactor.value(renderRunSummaryJson(report, runDir, { ...(plan.notes === undefined ? {} : { notes: plan.notes }) })), null, 2)}\n`,
    );
  // Last: the reports are written, so waiting for a final scrape can lose nothing.
  await exporters?.finish();
  // A signal during all this has rewritten `settled`: return what the folder says.
  return settled.run.exitCode ?? exitCodeFor(settled.run.status);
}

/** The outcome as the report tells it: a signal that came after every step finished still makes the run interrupted. */
function asInterrupted(outcome: RunOutcome, signal: NodeJS.Signals | undefined): RunOutcome {
  if (signal === undefined || outcome.status === 'interrupted') return outcome;
  return { ...outcome, status: 'interrupted', reason: lateReason(signal, outcome.status) };
}

function lateInterruption(report: RunReport, signal: NodeJS.Signals): RunReport {
  if (report.run.status === 'interrupted') return { ...report, run: { ...report.run, exitCode: exitCodeForSignal(signal) } };
  return { ...report, run: { ...report.run, status: 'interrupted', exitCode: exitCodeForSignal(signal), reason: lateReason(signal, report.run.status) } };
}

function lateReason(signal: NodeJS.Signals, status: StepStatus): string {
  return `interrupted by ${signal} after every step had finished (the run had ${status}); it counts as interrupted, like the exit code`;
}

function exitCodeOfOutcome(status: StepStatus, signal: NodeJS.Signals | undefined): number {
  return status === 'interrupted' && signal !== undefined ? exitCodeForSignal(signal) : exitCodeFor(status);
}

/** Text a step wrote beside its result (a participant's console log, its last stats) is output too: redacted in place. */
const TEXT_ARTIFACTS = new Set(['console-log', 'stats', 'other']);

async function redactArtifacts(runDir: string, result: StepResult, redactor: Redactor): Promise<void> {
  const root = resolve(runDir);
  for (const artifact of result.artifacts) {
    if (!TEXT_ARTIFACTS.has(artifact.kind)) continue;
    const path = resolve(root, artifact.path);
    // Only files inside the run folder: an artifact may name an input (a pact file) that is not ours to rewrite.
    const inside = relative(root, path);
    if (inside.startsWith('..') || isAbsolute(inside)) continue;
    try {
      const text = await readFile(path, 'utf8');
      const safe = redactor.text(text);
      if (safe !== text) await writeFile(path, safe, 'utf8');
    } catch {
      // gone or unreadable: nothing of it can leak from here
    }
  }
}
