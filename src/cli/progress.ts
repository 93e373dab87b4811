import { clearLine, cursorTo } from 'node:readline';
import type { EventSink, RunEvent, StepProgress, WindowSummary } from '../model/events.js';
import type { StepKind, StepResult, StepStatus } from '../model/result.js';
import { NO_SAMPLES, orNoSamples } from '../report/no-samples.js';
import { paint } from './color.js';
import { windowQualityText } from './render/browser.js';
import type { KindRenderers } from './render/kind-renderer.js';

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Redraw one live line (TTY) or print plain lines (CI, pipes). Default: TTY and no CI. */
  live?: boolean;
  /** Also print the run's lifecycle: the plan, a line per step start, the result line per step end. Default false. */
  lifecycle?: boolean;
  /** ANSI colours on result lines. Default false. */
  color?: boolean;
  /** Applied to every line before it is written (e.g. the secret redactor). */
  transform?: (text: string) => string;
  /** Not live: the least gap between two plain progress lines of one step. Default 10 s. */
  plainEveryMs?: number;
  /** What each step kind adds: check lines, a result table, participant lines (render/). Default none. */
  renderers?: KindRenderers;
}

export interface ProgressRenderer {
  sink: EventSink;
  /** Erase the live line (before printing the final summary). */
  stop(): void;
}

/** Live mode redraws at most this often; events may arrive faster. */
const REDRAW_EVERY_MS = 200;

/**
 * The one console renderer of roomgate: it renders any step's `progress` and
 * `window` events from their generic fields (elapsed/total, the step's own
 * figures, per-operation window figures), with `lifecycle` the run's step
 * start and result lines too, and hands each step kind's own lines (check
 * lines, a load table, participant lines) to that kind's renderer (render/).
 *
 * - In a TTY: one line, redrawn in place, with elapsed/total, the step's
 *   figures (target vs achieved rate, in-flight, error rate …) and the last
 *   window's p99 per operation.
 * - Otherwise (CI set, or output piped): one plain line per closed window
 *   (complete figures: count, errors, p50, p99 per operation), and for steps
 *   that close no windows (browser participants) a progress line at most
 *   every `plainEveryMs`, so logs stay short and grep-able.
 *
 * Hand-written rather than cli-progress: the line is free-form figures, not a
 * bar, and cli-progress' templating would need a format per step kind; a
 * single line redrawn with readline's clearLine/cursorTo is all it takes.
 */
export function createProgressRenderer(options: ProgressOptions): ProgressRenderer {
  const { stream } = options;
  const live = options.live ?? (stream.isTTY === true && (process.env['CI'] ?? '') === '');
  const color = options.color ?? false;
  const plainEveryMs = options.plainEveryMs ?? 10_000;
  const write = (text: string) => stream.write(options.transform === undefined ? text : options.transform(text));
  const renderers = options.renderers ?? {};
  /** The kind of each step that started, for its checks and logs. */
  const kindOf = new Map<string, StepKind>();
  const print = (text: string | undefined) => {
    if (text === undefined) return;
    erase();
    write(`${text}\n`);
  };
  const lastWindow = new Map<string, WindowSummary>();
  /** Not live: when each step last printed a plain line (or started). */
  const lastPlain = new Map<string, number>();
  let drawn = false;
  let lastDraw = 0;

  const erase = () => {
    if (!drawn) return;
    clearLine(stream, 0);
    cursorTo(stream, 0);
    drawn = false;
  };

  const sink = (event: RunEvent): void => {
    switch (event.type) {
      case 'run-start':
        if (options.lifecycle === true) write(`roomgate: ${event.plan.length} step(s) → ${event.target}\n`);
        break;
      case 'step-start':
        kindOf.set(event.step, event.kind);
        lastPlain.set(event.step, event.at);
        if (options.lifecycle === true) {
          erase();
          write(`▶ ${event.step} (${event.kind})\n`);
        }
        break;
      case 'window':
        lastWindow.set(event.step, event.window);
        if (!live) {
          write(`${formatWindowLine(event.step, event.window)}\n`);
          lastPlain.set(event.step, event.at);
        }
        break;
      case 'progress': {
        if (!live) {
          const last = lastPlain.get(event.step);
          if (last === undefined) lastPlain.set(event.step, event.at);
          else if (event.at - last >= plainEveryMs) {
            lastPlain.set(event.step, event.at);
            write(`  … ${formatProgressLine(event.step, event.progress, undefined)}\n`);
          }
          break;
        }
        if (event.at - lastDraw < REDRAW_EVERY_MS) break;
        lastDraw = event.at;
        const width = (stream.columns ?? 120) - 1;
        const line = formatProgressLine(event.step, event.progress, lastWindow.get(event.step));
        erase();
        write(line.length > width ? line.slice(0, width) : line);
        drawn = true;
        break;
      }
      case 'check':
        print(rendererOf(event.step)?.check?.(event.result, color));
        break;
      case 'log':
        if (event.level === 'warn' || event.level === 'error') {
          erase();
          write(`  ${event.level}: ${event.step === undefined ? '' : `${event.step}: `}${event.message}\n`);
        } else if (event.level === 'info' && event.step !== undefined) {
          print(rendererOf(event.step)?.info?.(event.step, event.message));
        }
        break;
      case 'step-end':
        erase();
        lastWindow.delete(event.step);
        lastPlain.delete(event.step);
        if (event.result.status !== 'skipped') print(renderers[event.result.kind]?.stepEnd?.(event.result, color));
        if (options.lifecycle === true) write(`${stepLine(event.result, color)}\n`);
        break;
      default:
        break;
    }
  };
  function rendererOf(step: string) {
    const kind = kindOf.get(step);
    return kind === undefined ? undefined : renderers[kind];
  }
  return { sink, stop: erase };
}

export function formatProgressLine(step: string, progress: StepProgress, window: WindowSummary | undefined): string {
  const elapsed = seconds(progress.elapsedMs);
  const total = progress.totalMs === undefined ? '' : `/${seconds(progress.totalMs)}`;
  const pct = progress.fraction === undefined ? '' : ` ${Math.round(progress.fraction * 100)}%`;
  const figures = Object.entries(progress.figures)
    .map(([k, v]) => `${k} ${v}`)
    .join(' | ');
  const p99 = window === undefined ? '' : ` | p99 ${opsP99(window)}`;
  return `${step} ${elapsed}${total}${pct}${figures === '' ? '' : ` | ${figures}`}${p99}`;
}

export function formatWindowLine(step: string, window: WindowSummary): string {
  const span = `${seconds(window.startMs)}–${seconds(window.endMs)}`;
  const rate =
    window.targetRate === undefined
      ? window.achievedRate === undefined
        ? ''
        : ` ${window.achievedRate}/s`
      : ` target ${window.targetRate}/s achieved ${window.achievedRate ?? '?'}/s`;
  const ops = Object.entries(window.operations)
    .map(([op, s]) => `${op} n=${s.count} err=${s.errors} ${s.count === 0 ? NO_SAMPLES : `p50=${ms(s.p50)} p99=${ms(s.p99)}`}`)
    .join('; ');
  // Browser steps' windows carry media quality per cohort instead of (or besides) responses.
  const quality = window.quality === undefined ? '' : windowQualityText(window.quality);
  const figures = [ops, quality].filter((part) => part !== '').join(' | ');
  return `[${step}] ${span}${rate} | ${figures === '' ? 'no responses' : figures}`;
}

// ---- result lines ----

/** One step's result: status, time, checks and SLOs held, and what failed (at most 10 checks). */
export function stepLine(result: StepResult, color: boolean): string {
  const parts: string[] = [];
  if (result.checks.length > 0) {
    const failed = result.checks.filter((c) => c.status === 'failed').length;
    const errored = result.checks.filter((c) => c.status === 'errored').length;
    const skipped = result.checks.filter((c) => c.status === 'skipped').length;
    parts.push(
      `${result.checks.length - failed - errored - skipped}/${result.checks.length} checks passed${failed > 0 ? `, ${failed} failed` : ''}${errored > 0 ? `, ${errored} errored` : ''}${skipped > 0 ? `, ${skipped} skipped` : ''}`,
    );
  }
  if (result.slos.length > 0) parts.push(`${result.slos.filter((s) => s.status === 'passed').length}/${result.slos.length} SLOs held`);
  const head = paint(result.status, `${symbol(result.status)} ${result.name} ${result.status}`, color);
  const time = result.status === 'skipped' ? '' : ` in ${(result.durationMs / 1000).toFixed(1)}s`;
  const reason = result.reason === undefined || result.status === 'passed' ? '' : `\n    ${result.reason}`;
  const failures = result.checks
    .filter((c) => c.status === 'failed' || c.status === 'errored')
    .slice(0, 10)
    .map((c) => `\n    ✗ ${c.name}: ${c.status === 'failed' || c.status === 'errored' ? c.message : ''}`)
    .join('');
  const slos = result.slos
    .filter((s) => s.status !== 'passed')
    .map((s) => `\n    ✗ SLO ${s.expression}: ${s.status === 'no-data' ? 'no data' : `observed ${Math.round(s.observed * 1000) / 1000} ${s.unit}`}`)
    .join('');
  return `${head}${time}${parts.length === 0 ? '' : ` (${parts.join('; ')})`}${reason}${failures}${slos}`;
}

function symbol(status: StepStatus): string {
  return { passed: '✓', failed: '✗', errored: '!', invalid: '!', interrupted: '■', skipped: '-' }[status];
}

function opsP99(window: WindowSummary): string {
  return Object.entries(window.operations)
    .map(([op, s]) => `${op.replace(/_room(s)?$/, '')} ${orNoSamples(s, s.p99, ms)}`)
    .join(' ');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}

function ms(value: number): string {
  return value >= 100 ? `${Math.round(value)}ms` : `${Math.round(value * 10) / 10}ms`;
}
