import { clearLine, cursorTo } from 'node:readline';
import type { EventSink, RunEvent, WindowSummary } from '../model/events.js';

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Redraw one live line (TTY) or print a plain line per window (CI, pipes). Default: TTY and no CI. */
  live?: boolean;
}

export interface ProgressRenderer {
  sink: EventSink;
  /** Erase the live line (before printing the final summary). */
  stop(): void;
}

/** Live mode redraws at most this often; events may arrive faster. */
const REDRAW_EVERY_MS = 200;

/**
 * Console progress for long steps, step-agnostic: it renders the `progress`
 * and `window` events of any step (load, browser, …) from their generic
 * fields (elapsed/total, the step's figures, per-operation window p99).
 *
 * - In a TTY: one line, redrawn in place, with elapsed/total, the step's
 *   figures (target vs achieved rate, in-flight, error rate …) and the last
 *   window's p99 per operation.
 * - Otherwise (CI set, or output piped): one plain line per window, so logs
 *   stay readable and grep-able.
 *
 * Hand-written rather than cli-progress: the line is free-form figures, not a
 * bar, and cli-progress' templating would need a format per step kind; a
 * single line redrawn with readline's clearLine/cursorTo is all it takes.
 */
export function createProgressRenderer(options: ProgressOptions): ProgressRenderer {
  const { stream } = options;
  const live = options.live ?? (stream.isTTY === true && (process.env['CI'] ?? '') === '');
  const lastWindow = new Map<string, WindowSummary>();
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
      case 'window':
        lastWindow.set(event.step, event.window);
        if (!live) stream.write(`${formatWindowLine(event.step, event.window)}\n`);
        break;
      case 'progress': {
        if (!live || event.at - lastDraw < REDRAW_EVERY_MS) break;
        lastDraw = event.at;
        const width = (stream.columns ?? 120) - 1;
        const line = formatProgressLine(event.step, event.progress, lastWindow.get(event.step));
        erase();
        stream.write(line.length > width ? line.slice(0, width) : line);
        drawn = true;
        break;
      }
      case 'log':
        if (event.level === 'warn' || event.level === 'error') {
          erase();
          stream.write(`${event.level}: ${event.message}\n`);
        }
        break;
      case 'step-end':
        erase();
        break;
      default:
        break;
    }
  };
  return { sink, stop: erase };
}

export function formatProgressLine(step: string, progress: Extract<RunEvent, { type: 'progress' }>['progress'], window: WindowSummary | undefined): string {
  const elapsed = seconds(progress.elapsedMs);
  const total = progress.totalMs === undefined ? '' : `/${seconds(progress.totalMs)}`;
  const pct = progress.fraction === undefined ? '' : ` ${Math.round(progress.fraction * 100)}%`;
  const figures = Object.entries(progress.figures)
    .map(([k, v]) => `${k} ${v}`)
    .join(' | ');
  const p99 = window === undefined ? '' : ` | p99 ${opsP99(window)}`;
  return `${step} ${elapsed}${total}${pct} | ${figures}${p99}`;
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
    .map(([op, s]) => `${op} n=${s.count} err=${s.errors} p50=${ms(s.p50)} p99=${ms(s.p99)}`)
    .join('; ');
  return `[${step}] ${span}${rate} | ${ops === '' ? 'no responses' : ops}`;
}

function opsP99(window: WindowSummary): string {
  return Object.entries(window.operations)
    .map(([op, s]) => `${op.replace(/_room(s)?$/, '')} ${ms(s.p99)}`)
    .join(' ');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}

function ms(value: number): string {
  return value >= 100 ? `${Math.round(value)}ms` : `${Math.round(value * 10) / 10}ms`;
}
