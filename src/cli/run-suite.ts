import { mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import { loadRunConfig } from '../config/load-config.js';
import { parseDuration, formatDuration } from '../config/duration.js';
import { ConfigError, ConfigErrors, UsageError } from '../errors.js';
import { exitCodeFor } from '../model/result.js';
import type { Step } from '../model/step.js';
import { createEventsWriter, EVENTS_FILE } from '../report/events-writer.js';
import { createRedactor } from '../report/redact.js';
import { buildRunReport, describeTargetForReport, TimelineCollector, writeReportJson, type TargetDescription } from '../report/report-json.js';
import { writeRunReports } from '../report/write-reports.js';
import { createEventBus } from '../runner/event-bus.js';
import { runPlan, type ScenarioTask } from '../runner/run-plan.js';
import { checkScenarioTarget, openScenarioTarget } from '../runner/scenario-target.js';
import { buildStep } from '../runner/step-catalog.js';
import { TargetProbe } from '../target/target-probe.js';
import { interruptSignal } from './interrupt.js';
import { shardFromArgs } from './shard-options.js';
import { planDigest } from '../shard/plan-digest.js';
import { startLiveExport } from './live-export.js';
import type { RunArgs } from './commands/run.js';
import { createProgressRenderer, paint, useColor } from './progress.js';
import { renderRunSummaryJson } from './summary-json.js';
import { runVerdictLine } from './run-verdict.js';

/**
 * `roomgate run`: load → validate → plan (every config error surfaces here,
 * before anything runs) → run → report. Reports are written even when the run
 * fails, errors or is interrupted; report.json is refreshed after every step
 * so a killed run leaves a valid partial one.
 */
export async function runSuite(args: RunArgs): Promise<number> {
  const config = await loadRunConfig(args.files);
  const soakMs = parseFlagDuration('--duration', args.duration);
  const deadlineFlagMs = parseFlagDuration('--deadline', args.deadline);
  const requestTimeoutMs = parseFlagDuration('--request-timeout', args.requestTimeout);

  // Plan: build every step now, so unknown step types and bad SLOs are exit 2 before any load.
  const scenarios: ScenarioTask[] = [];
  const planProblems: ConfigError[] = [];
  let plannedMs = 0;
  // A distributed run: measured steps take their share; the contract-type steps run on shard 1 only
  // (they check the target's promises, which N copies would not check better); the first measured
  // step waits for --start-at.
  const { shard, startAtMs } = shardFromArgs(args, config.shard);
  const skip = new Map<string, string>();
  let startPending = startAtMs;
  const opened: { target: TargetDescription }[] = [];
  const flags = { target: args.target, clientId: args.clientId, clientSecret: args.clientSecret, requestTimeoutMs };
  // One probe per run: scenarios sharing a hung target wait for it once.
  const probe = new TargetProbe();
  for (const scenario of config.scenarios) {
    checkScenarioTarget(scenario, flags);
    const steps: Step[] = [];
    for (const stepConfig of scenario.steps) {
      const measured = stepConfig.type === 'load' || stepConfig.type === 'browser';
      try {
        steps.push(
          await buildStep(stepConfig, {
            ...(soakMs === undefined ? {} : { durationMs: soakMs }),
            ...(shard === undefined ? {} : { shard }),
            ...(measured && startPending !== undefined ? { startAtMs: startPending } : {}),
          }),
        );
      } catch (error) {
        // Keep planning: every step's problem is reported in one go, in file and line order.
        if (!(error instanceof ConfigError)) throw error;
        planProblems.push(error);
      }
      if (measured) startPending = undefined;
      if (!measured && shard !== undefined && shard.index > 1) skip.set(stepConfig.name, `runs on shard 1 only (this is shard ${shard.index}/${shard.count})`);
      plannedMs += plannedDuration(stepConfig.options, soakMs);
    }
    scenarios.push({
      name: scenario.name,
      steps,
      openTarget: async (signal) => {
        const target = await openScenarioTarget(scenario, flags, { probe, signal });
        opened.push({ target: describeTargetForReport(target.target, target.faults) });
        return target;
      },
    });
  }
  ConfigErrors.throwIfAny(planProblems);
  const allNames = scenarios.flatMap((s) => s.steps.map((step) => step.name));
  const only = (args.only ?? []).flatMap((o) => o.split(',')).filter((o) => o !== '');
  for (const name of only) {
    if (!allNames.includes(name)) {
      const guess = closest(name, allNames);
      throw new UsageError(`--only ${name}: no step of that name in this run${distance(name, guess) <= 3 ? `; did you mean "${guess}"?` : ''}`, {
        hint: `steps in this run: ${allNames.join(', ')}`,
      });
    }
  }
  const waitMs = startAtMs === undefined ? 0 : Math.max(0, startAtMs - Date.now());
  const deadlineMs = deadlineFlagMs ?? config.deadlineMs ?? Math.round(plannedMs * 1.5 + 120_000 + waitMs);
  const shardIdentity =
    shard === undefined
      ? undefined
      : {
          ...shard,
          plan: planDigest({
            command: 'run',
            files: await Promise.all([...new Set([...config.files, ...config.scenarios.map((s) => s.file)])].map((f) => readFile(f, 'utf8'))),
            duration: soakMs,
            only,
            gate: args.gate,
          }),
          ...(startAtMs === undefined ? {} : { startAt: new Date(startAtMs).toISOString() }),
        };

  const startedAt = new Date();
  const runDir = args.out ?? join('reports', `${startedAt.toISOString().replace(/:/g, '-').replace(/\..+$/, '')}-${config.name}`);
  await mkdir(runDir, { recursive: true });
  const secrets = [args.clientSecret, process.env['ROOMGATE_CLIENT_SECRET'], ...config.scenarios.flatMap((s) => [s.target?.clientSecret, secondSecret(s.steps.map((st) => st.options))])].flat();
  const redactor = createRedactor(secrets);

  const out = args.json ? process.stderr : process.stdout;
  const color = useColor(out);
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
  const progress = createProgressRenderer({ stream: out, lifecycle: true, color, transform: (text) => redactor.text(text) });
  bus.subscribe('console', progress.sink);

  const runId = `${startedAt.getTime().toString(36)}-${process.pid}`;
  // Exporters start before the first target, so the endpoint covers the whole run.
  const scenarioOf = new Map(scenarios.flatMap((scenario) => scenario.steps.map((step) => [step.name, scenario.name] as const)));
  const exporters = await startLiveExport(args, config.metrics, { suite: config.name, scenarioOf, runId, ...(shard === undefined ? {} : { shard: `${shard.index}/${shard.count}` }) }, out);
  if (exporters !== undefined) bus.subscribe('live-metrics', exporters.sink);
  const fallbackTarget: TargetDescription = flags.target ? { baseUrl: flags.target, clientId: flags.clientId ?? '', embedded: false } : { baseUrl: 'embedded reference server', clientId: 'roomgate-local', embedded: true };
  const makeReport = (steps: Parameters<typeof buildRunReport>[0]['steps'], status: Parameters<typeof buildRunReport>[0]['run']['status'], partial: boolean, extra: { exitCode?: number; reason?: string } = {}) => {
    const now = new Date();
    return buildRunReport({
      run: {
        id: runId,
        name: config.name,
        files: config.files,
        startedAt: startedAt.toISOString(),
        finishedAt: now.toISOString(),
        durationMs: now.getTime() - startedAt.getTime(),
        status,
        partial,
        ...(shardIdentity === undefined ? {} : { shard: shardIdentity }),
        ...extra,
      },
      target: opened[0]?.target ?? fallbackTarget,
      steps,
      timeline: timeline.timeline,
    });
  };

  const interrupt = interruptSignal();
  bus.emit({ type: 'run-start', at: Date.now(), runId, target: flags.target ?? 'embedded reference server', plan: allNames });
  out.write(`  reports → ${relative(process.cwd(), runDir) || runDir} · deadline ${formatDuration(deadlineMs)} · gate ${args.gate ?? config.gate}\n`);
  let outcome;
  try {
    outcome = await runPlan(scenarios, {
      signal: interrupt.signal,
      emit: bus.emit,
      runDir,
      gate: (args.gate as 'run-all' | 'stop-at-first-failure' | undefined) ?? config.gate,
      deadlineMs,
      only,
      skip,
      ...(exporters === undefined ? {} : { publishMetrics: exporters.publish }),
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
  const { written, errors } = await writeRunReports(runDir, report, { redactor, githubStepSummary: process.env['GITHUB_STEP_SUMMARY'] });
  // events.ndjson was streamed during the run; it counts as written unless a write failed.
  if (!eventsFailed && events.count > 0) written.push(join(runDir, EVENTS_FILE));
  for (const error of errors) process.stderr.write(`roomgate: could not write ${error.message}\n`);
  const verdict = runVerdictLine(outcome);
  out.write(`\n${paint(outcome.status, `roomgate ${config.name}: ${verdict}`, color)}\n  report: ${join(relative(process.cwd(), runDir) || runDir, 'report.html')} (${written.length} files)\n`);
  if (args.json) process.stdout.write(`${JSON.stringify(redactor.value(renderRunSummaryJson(report, runDir)), null, 2)}\n`);
  // Last: the reports are written, so waiting for a final scrape can lose nothing.
  await exporters?.finish();
  return exitCode;
}

function parseFlagDuration(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new UsageError(`${flag} "${value}" is not a duration`, { hint: `write e.g. ${flag} 30s, 10m or 1h` });
  return ms;
}

/** A rough plan length for the default deadline: load durations (scaled soaks), browser holds, 60 s otherwise. */
function plannedDuration(options: Record<string, unknown>, soakMs: number | undefined): number {
  if (options['mode'] === 'soak' && soakMs !== undefined) return soakMs;
  const duration = typeof options['duration'] === 'string' ? parseDuration(options['duration']) : undefined;
  const phases = Array.isArray(options['phases'])
    ? (options['phases'] as Record<string, unknown>[]).reduce((sum, p) => sum + (typeof p['duration'] === 'string' ? (parseDuration(p['duration']) ?? 0) : 0), 0)
    : 0;
  return Math.max(duration ?? 0, phases) + 60_000;
}

function secondSecret(options: Record<string, unknown>[]): (string | undefined)[] {
  return options.map((o) => (o['secondClient'] as { clientSecret?: string } | undefined)?.clientSecret);
}
