import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import type { RunEvent } from '../../model/events.js';
import { exitCodeFor, type SloVerdict, type StepResult } from '../../model/result.js';
import { execute } from '../fail.js';
import { interruptSignal } from '../interrupt.js';
import { createProgressRenderer } from '../progress.js';
import { withTargetOptions } from '../target-options.js';
import { parseFaultFlags } from '../fault-flags.js';
import { BUNDLED_SPEC } from '../../package-assets.js';
import { defaultLoadSlos } from '../load-default-slos.js';
import { asLoadFlagError } from '../load-flag-errors.js';
import { NO_SAMPLES, orNoSamples } from '../../report/no-samples.js';
import { shardFromArgs, withShardOptions, type ShardArgs } from '../shard-options.js';

import { startLiveExport, withMetricsOptions, type MetricsFlags } from '../live-export.js';
import { writeSingleStepReport } from '../single-step-report.js';

interface LoadArgs extends ShardArgs, MetricsFlags {
  target?: string;
  clientId?: string;
  clientSecret?: string;
  mode: string;
  rate?: number;
  connections?: number;
  duration: string;
  requests?: number;
  ramp?: string;
  mix?: string;
  slo?: string[];
  window: string;
  requestTimeout: string;
  schemaSampleRate: number;
  spec?: string;
  maxLate: number;
  lateThreshold: number;
  cleanup: boolean;
  roomPool: number;
  out?: string;
  json: boolean;
  fault: string[];
}

const MIX_ALIASES: Record<string, string> = { create: 'create_room', get: 'get_room', list: 'list_rooms', delete: 'delete_room' };


export const loadCommand: CommandModule<object, LoadArgs> = {
  command: 'load',
  describe: 'Burst (closed loop) or soak (open loop, constant rate) load on the room endpoints, gated by SLOs',
  builder: (y) =>
    withMetricsOptions(withShardOptions(withTargetOptions(y)))
      .option('mode', { choices: ['burst', 'soak'], default: 'burst', describe: 'burst: N connections as fast as the target answers; soak: a constant arrival rate' })
      .option('rate', { type: 'number', describe: 'soak: requests per second (default 100); burst: optional cap' })
      .option('connections', { type: 'number', describe: 'burst: concurrent connections (default 10); soak: pool size (default 32)' })
      .option('duration', { type: 'string', default: '10s', describe: 'how long to run, e.g. 30s, 10m' })
      .option('requests', { type: 'number', describe: 'burst: a fixed number of requests instead of --duration' })
      .option('ramp', { type: 'string', describe: 'soak: reach --rate linearly over this long; burst: step connections up over this long first, e.g. 30s' })
      .option('mix', { type: 'string', describe: 'operation weights, e.g. create=20,get=70,list=5,delete=5 (the default)' })
      .option('slo', { type: 'string', array: true, describe: 'a threshold (repeatable), e.g. "create_room.p99 < 1s", "error_rate < 0.1%", "p99 < 500ms over 1m"' })
      .option('window', { type: 'string', default: '10s', describe: 'metrics window: progress lines, charts, `over` SLOs' })
      .option('request-timeout', { type: 'string', default: '10s', describe: 'per-request deadline; a --target that does not answer its first request within it is an invalid run (exit 3)' })
      .option('schema-sample-rate', { type: 'number', default: 0.05, describe: 'fraction of responses validated against the OpenAPI schema (0 turns it off)' })
      .option('spec', { type: 'string', describe: 'OpenAPI document for schema sampling (default: the bundled contracts/videoconnect.v1.openapi.yaml)' })
      .option('max-late', { type: 'number', default: 0.01, describe: 'soak: fraction of late sends that makes the run invalid (exit 3)' })
      .option('late-threshold', { type: 'number', default: 10, describe: 'soak: a send this many ms behind its intended time is late' })
      .option('room-pool', { type: 'number', default: 20, describe: 'rooms created in setup for gets and deletes to use' })
      .option('cleanup', { type: 'boolean', default: true, describe: 'delete every room the run created, at the end (--no-cleanup keeps them)' })
      .option('out', { type: 'string', describe: 'write report.json and events.ndjson into DIR (also when interrupted)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the step result as JSON (histograms omitted; they are in --out)' })
      .option('fault', { type: 'string', array: true, default: [] as string[], describe: 'embedded server only: break one promise (repeatable), e.g. slow-create, server-errors' }) as never,
  handler: (args) =>
    execute(async () => {
      const { parseDurationMs } = await import('../../slo/units.js');
      const duration = (flag: string, value: string) => {
        const ms = parseDurationMs(value);
        if (ms === undefined || ms <= 0) throw new UsageError(`--${flag} "${value}" is not a duration`, { hint: 'e.g. 500ms, 30s, 10m' });
        return ms;
      };
      const faults = parseFaultFlags(args.fault, args.target);
      const requestTimeoutMs = duration('request-timeout', args.requestTimeout);
      const mode = args.mode as 'burst' | 'soak';
      const specPath = args.spec ?? BUNDLED_SPEC;
      const mix = args.mix === undefined ? undefined : parseMix(args.mix);
      const defaults = args.slo === undefined ? defaultLoadSlos({ specAvailable: args.schemaSampleRate > 0 && existsSync(specPath), mix }) : undefined;
      const slos = args.slo ?? defaults?.slos ?? [];
      const notes = defaults?.notes ?? [];

      // Build (and so validate) the step before starting anything: a bad threshold is exit 2.
      const { createLoadStep } = await import('../../load/load-step.js');
      const { planDigest } = await import('../../shard/plan-digest.js');
      const { shard, startAtMs } = shardFromArgs(args);
      const stepOptions = {
        mode,
        ...(args.rate === undefined ? {} : { rate: args.rate }),
        ...(args.connections === undefined ? {} : { connections: args.connections }),
        ...(args.requests === undefined ? { durationMs: duration('duration', args.duration) } : { requests: args.requests }),
        ...(args.ramp === undefined ? {} : { rampMs: duration('ramp', args.ramp) }),
        ...(mix === undefined ? {} : { mix }),
        slos,
        windowMs: duration('window', args.window),
        requestTimeoutMs,
        schemaSampleRate: args.schemaSampleRate,
        ...(args.spec === undefined ? {} : { specPath: args.spec }),
        maxLateFraction: args.maxLate,
        lateThresholdMs: args.lateThreshold,
        cleanup: args.cleanup,
        roomPoolSize: args.roomPool,
      };
      const step = buildLoadStep(() => createLoadStep({ ...stepOptions, ...(shard === undefined ? {} : { shard }), ...(startAtMs === undefined ? {} : { startAtMs }) }));
      const plan = planDigest({ command: 'load', ...stepOptions });

      // Before the target: the endpoint is up for the whole run (and a taken port is exit 2 before any load).
      const exporters = await startLiveExport(args, undefined, { runId: `load-${Date.now().toString(36)}`, ...(shard === undefined ? {} : { shard: `${shard.index}/${shard.count}` }) });
      const { resolveTarget } = await import('../../runner/resolve-target.js');
      const resolved = await resolveTarget({ target: args.target, clientId: args.clientId, clientSecret: args.clientSecret, requestTimeoutMs }, { faults });
      const { createRedactor } = await import('../../report/redact.js');
      const redactor = createRedactor([resolved.target.credentials.clientSecret]);
      const { describeTarget } = await import('../../target/target.js');
      const interrupt = interruptSignal();
      const progress = createProgressRenderer({ stream: process.stderr });
      const { TimelineCollector } = await import('../../report/report-json.js');
      const timeline = new TimelineCollector();
      let events: { sink: (e: RunEvent) => void; close(): void } | undefined;
      if (args.out !== undefined) {
        const { createEventsWriter, EVENTS_FILE } = await import('../../report/events-writer.js');
        events = createEventsWriter(join(args.out, EVENTS_FILE), { redactor, onError: (e) => process.stderr.write(`roomgate: events.ndjson: ${e.message}\n`) });
      }
      const emit = (event: RunEvent) => {
        progress.sink(event);
        timeline.sink(event);
        events?.sink(event);
        exporters?.sink(event);
      };
      if (!args.json) {
        process.stdout.write(`roomgate load: ${mode} against ${describeTarget(resolved.target)}${faults.length > 0 ? `, faults ${faults.join(',')}` : ''}${shard === undefined ? '' : `, shard ${shard.index}/${shard.count} (its share of the totals)`}\n`);
        process.stdout.write(`  SLOs: ${slos.join(' · ') || '(none)'}\n`);
        for (const note of notes) process.stdout.write(`  note: ${note}\n`);
      }
      const startedAt = new Date().toISOString();
      emit({ type: 'step-start', at: Date.now(), step: step.name, kind: 'load' });
      let result: StepResult;
      try {
        result = await step.run({ target: resolved.target, signal: interrupt.signal, emit, runDir: args.out ?? '.', ...(exporters === undefined ? {} : { publishMetrics: exporters.publish }) });
      } finally {
        progress.stop();
        interrupt.dispose();
        await resolved.close();
      }
      for (const verdict of result.slos) emit({ type: 'slo', at: Date.now(), step: step.name, verdict });
      emit({ type: 'step-end', at: Date.now(), step: step.name, result });
      const exitCode = exitCodeFor(result.status);

      if (args.out !== undefined) {
        await writeSingleStepReport({
          runDir: args.out,
          command: 'load',
          result,
          startedAt,
          target: resolved.target,
          faults,
          shard: shard === undefined ? undefined : { spec: shard, plan, startAtMs },
          timeline: timeline.timeline,
          redactor,
        });
      }
      events?.close();

      if (args.json) {
        const { histograms: _omitted, ...summary } = (result.summary ?? {}) as Record<string, unknown>;
        process.stdout.write(`${JSON.stringify(redactor.value({ ...result, summary, exitCode, ...(notes.length === 0 ? {} : { notes }) }), null, 2)}\n`);
      } else {
        process.stdout.write(renderHuman(result, args.out));
      }
      await exporters?.finish();
      return exitCode;
    }),
};

/** Build the step; its option errors name the flag the user typed. */
function buildLoadStep<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw asLoadFlagError(error);
  }
}

function parseMix(text: string): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const part of text.split(',')) {
    const [rawName, rawWeight] = part.split('=').map((s) => s.trim());
    const name = MIX_ALIASES[rawName ?? ''] ?? rawName ?? '';
    const weight = Number(rawWeight);
    if (name === '' || rawWeight === undefined || !Number.isFinite(weight) || weight < 0) {
      throw new UsageError(`--mix "${text}": "${part}" is not name=weight`, { hint: 'e.g. --mix create=20,get=70,list=5,delete=5' });
    }
    mix[name] = weight;
  }
  return mix;
}

function renderHuman(result: StepResult, out: string | undefined): string {
  const lines: string[] = [];
  const summary = result.summary as
    | {
        operations?: Record<string, { responses: number; errors: number; latency: { count: number; p50: number; p99: number; max: number }; serviceTime?: { count: number; p99: number } }>;
        totals?: { responses: number; errors: number; throughput: number; schemaChecked: number; schemaViolations: number };
        schedule?: { requestedRate: number; achievedRate: number; late: number; dropped: number; maxLateMs: number };
        cleanup?: { deleted?: number; failed?: number; leftOver?: number; skipped?: boolean; error?: string };
        setup?: { roomsCreated: number };
      }
    | undefined;
  if (summary?.operations !== undefined) {
    lines.push('', '  operation      responses  errors      p50       p99       max' + (summary.schedule === undefined ? '' : '   p99 service'));
    for (const [op, s] of Object.entries(summary.operations)) {
      lines.push(
        `  ${(op === '' ? '(unattributed)' : op).padEnd(14)} ${String(s.responses).padStart(9)} ${String(s.errors).padStart(7)} ${latencyCells(s.latency)}` +
          (s.serviceTime === undefined ? '' : `   ${orNoSamples(s.serviceTime, s.serviceTime.p99, ms)}`),
      );
    }
  }
  if (summary?.totals !== undefined) {
    const t = summary.totals;
    lines.push('', `  ${t.responses} responses, ${t.errors} errors, ${t.throughput}/s; schema: ${t.schemaChecked} sampled, ${t.schemaViolations} violations`);
  }
  if (summary?.schedule !== undefined) {
    const s = summary.schedule;
    lines.push(`  schedule: requested ${s.requestedRate}/s, achieved ${s.achievedRate}/s, ${s.late} late, ${s.dropped} dropped (max ${Math.round(s.maxLateMs)} ms behind)`);
  }
  if (summary?.cleanup !== undefined) {
    const c = summary.cleanup;
    lines.push(
      c.skipped === true
        ? '  cleanup: skipped (--no-cleanup)'
        : `  cleanup: ${summary.setup?.roomsCreated ?? 0} pool rooms + the run's creates swept; ${c.deleted ?? 0} deleted, ${c.failed ?? 0} failed, ${c.leftOver ?? 0} left open${c.error === undefined ? '' : ` (${c.error})`}`,
    );
  }
  if (result.slos.length > 0) lines.push('');
  for (const verdict of result.slos) lines.push(`  ${sloMark(verdict)} ${verdict.expression}${verdict.status === 'no-data' ? ' (no data)' : ` (observed ${formatObserved(verdict)})`}`);
  lines.push('', `${result.status.toUpperCase()}${result.reason === undefined ? '' : `: ${result.reason}`}`);
  if (out !== undefined) lines.push(`report: ${join(out, 'report.json')}`);
  return `${lines.join('\n')}\n`;
}

function sloMark(verdict: SloVerdict): string {
  return verdict.status === 'passed' ? 'ok  ' : verdict.status === 'failed' ? 'FAIL' : 'NO DATA';
}

function formatObserved(verdict: Exclude<SloVerdict, { status: 'no-data' }>): string {
  switch (verdict.unit) {
    case 'ms':
      return `${Math.round(verdict.observed * 100) / 100}ms`;
    case 'ratio':
      return `${Math.round(verdict.observed * 100_000) / 1000}%`;
    case 'per_second':
      return `${Math.round(verdict.observed * 10) / 10}/s`;
    case 'count':
      return String(verdict.observed);
  }
}

/** p50, p99 and max columns, or one `n/a (no samples)` across them. */
function latencyCells(latency: { count: number; p50: number; p99: number; max: number }): string {
  return latency.count === 0 ? `  ${NO_SAMPLES}`.padEnd(29) : `${ms(latency.p50)} ${ms(latency.p99)} ${ms(latency.max)}`;
}

function ms(value: number): string {
  return `${(Math.round(value * 100) / 100).toFixed(2)}ms`.padStart(9);
}
