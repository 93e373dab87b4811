import { readFile } from 'node:fs/promises';
import { closest, distance } from 'fastest-levenshtein';
import { loadRunConfig } from '../config/load-config.js';
import { ConfigError, ConfigErrors, UsageError } from '../errors.js';
import type { TargetDescription } from '../report/report-json.js';
import type { ScenarioConfig } from '../config/types.js';
import type { TargetFlags } from '../runner/resolve-target.js';
import type { Gate, ScenarioTask } from '../runner/run-plan.js';
import { checkScenarioTarget, openScenarioTarget } from '../runner/scenario-target.js';
import { planScenario } from '../runner/plan-scenario.js';
import { TargetProbe } from '../target/target-probe.js';
import { shardFromArgs } from './shard-options.js';
import { planDigest } from '../shard/plan-digest.js';
import type { RunArgs } from './commands/run.js';
import { parseDurationFlag } from './flags.js';
import { runAndReport } from './run-and-report.js';

/**
 * `roomgate run`: load → validate → plan (every config error surfaces here,
 * before anything runs), then run → report through runAndReport, the path
 * every command takes. Reports are written even when the run fails, errors or
 * is interrupted; report.json is refreshed after every step so a killed run
 * leaves a valid partial one.
 */
export async function runSuite(args: RunArgs): Promise<number> {
  const config = await loadRunConfig(args.files);
  const soakMs = parseDurationFlag('--duration', args.duration);
  const deadlineFlagMs = parseDurationFlag('--deadline', args.deadline);
  const requestTimeoutMs = parseDurationFlag('--request-timeout', args.requestTimeout);

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
  const flags = { target: args.target, clientId: args.clientId, clientSecret: args.clientSecret, requestTimeoutMs, profile: args.profile };
  // One probe per run: scenarios sharing a hung target wait for it once.
  const probe = new TargetProbe();
  for (const scenario of config.scenarios) {
    const profile = await checkScenarioTarget(scenario, flags);
    try {
      const planned = await planScenario(scenario, {
        profile,
        ...(soakMs === undefined ? {} : { durationMs: soakMs }),
        ...(shard === undefined ? {} : { shard }),
        ...(startPending === undefined ? {} : { startAtMs: startPending }),
        skip,
      });
      if (planned.usedStartAt) startPending = undefined;
      plannedMs += planned.plannedMs;
      scenarios.push({
        name: scenario.name,
        steps: planned.steps,
        entries: planned.entries,
        judging: planned.judging,
        ...(planned.incidents === undefined ? {} : { incidents: planned.incidents }),
        openTarget: (signal) => openScenarioTarget(scenario, flags, { probe, signal }, profile),
      });
    } catch (error) {
      // Keep planning: every scenario's problems are reported in one go, in file and line order.
      if (!(error instanceof ConfigError)) throw error;
      planProblems.push(...(error instanceof ConfigErrors ? error.errors : [error]));
    }
  }
  ConfigErrors.throwIfAny(planProblems);
  const allNames = scenarios.flatMap((s) => [...s.steps.map((step) => step.name), ...(s.incidents === undefined ? [] : [s.incidents.name])]);
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

  const secrets = [
    args.clientSecret,
    process.env['ROOMGATE_CLIENT_SECRET'],
    ...config.scenarios.flatMap((s) => [s.target?.clientSecret, secondSecret(s.steps.map((st) => st.options))]),
  ].flat();
  const fallbackTarget = plannedTarget(flags, config.scenarios);
  return runAndReport(
    {
      name: config.name,
      label: config.name,
      files: config.files,
      scenarios,
      gate: (args.gate as Gate | undefined) ?? config.gate,
      deadlineMs,
      only,
      skip,
      ...(shardIdentity === undefined ? {} : { shard: shardIdentity }),
      secrets,
      target: fallbackTarget,
      metrics: {
        flags: args,
        config: config.metrics,
        labels: { suite: config.name, ...(shard === undefined ? {} : { shard: `${shard.index}/${shard.count}` }) },
      },
    },
    { out: args.out, json: args.json },
  );
}

/**
 * The target the run header names before any scenario has opened its own: --target, else the one
 * target.url every scenario names, else (scenarios disagree) "per scenario"; the embedded reference
 * server only when no scenario names a target.
 */
function plannedTarget(flags: TargetFlags, scenarios: readonly ScenarioConfig[]): TargetDescription {
  if (flags.target) return { baseUrl: flags.target, clientId: flags.clientId ?? '', embedded: false };
  const named = [...new Set(scenarios.map((s) => s.target?.url).filter((url): url is string => url !== undefined && url !== ''))];
  if (named.length === 0) return { baseUrl: 'embedded reference server', clientId: 'roomgate-local', embedded: true };
  const clientId = flags.clientId ?? scenarios.find((s) => s.target?.clientId !== undefined)?.target?.clientId ?? '';
  const embeddedToo = scenarios.some((s) => s.target?.url === undefined || s.target.url === '');
  return { baseUrl: named.length === 1 && !embeddedToo ? named[0]! : 'per scenario (see each step)', clientId, embedded: false };
}

function secondSecret(options: Record<string, unknown>[]): (string | undefined)[] {
  return options.map((o) => (o['secondClient'] as { clientSecret?: string } | undefined)?.clientSecret);
}
