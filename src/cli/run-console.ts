import type { RunEvent } from '../model/events.js';
import type { StepResult, StepStatus } from '../model/result.js';

/**
 * Console output of `roomgate run`: a line when a step starts, its result
 * line when it ends, warnings, and periodic progress lines for long steps
 * (at most one per 10 s per step in CI/non-TTY, so logs stay short). Colors
 * only on a TTY and never with NO_COLOR.
 */
export interface ConsoleOptions {
  write(text: string): void;
  color: boolean;
  /** Minimum gap between progress lines of one step. */
  progressEveryMs: number;
}

const COLORS: Record<StepStatus, string> = {
  passed: '32',
  failed: '31',
  errored: '33',
  invalid: '33',
  interrupted: '90',
  skipped: '90',
};

export function useColor(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && (process.env['NO_COLOR'] === undefined || process.env['NO_COLOR'] === '') && process.env['TERM'] !== 'dumb';
}

export function paint(status: StepStatus, text: string, color: boolean): string {
  return color ? `\u001b[${COLORS[status]}m${text}\u001b[0m` : text;
}

export function createRunConsole(options: ConsoleOptions): (event: RunEvent) => void {
  const lastProgress = new Map<string, number>();
  return (event) => {
    switch (event.type) {
      case 'run-start':
        options.write(`roomgate: ${event.plan.length} step(s) → ${event.target}\n`);
        break;
      case 'step-start':
        options.write(`▶ ${event.step} (${event.kind})\n`);
        break;
      case 'progress': {
        const last = lastProgress.get(event.step) ?? 0;
        if (event.at - last < options.progressEveryMs) break;
        lastProgress.set(event.step, event.at);
        const pct = event.progress.fraction === undefined ? '' : ` ${Math.round(event.progress.fraction * 100)}%`;
        const figures = Object.entries(event.progress.figures)
          .map(([k, v]) => `${k} ${typeof v === 'number' ? Math.round(v * 10) / 10 : v}`)
          .join(' · ');
        options.write(`  … ${event.step}${pct} ${Math.round(event.progress.elapsedMs / 1000)}s ${figures}\n`);
        break;
      }
      case 'log':
        if (event.level === 'warn' || event.level === 'error') options.write(`  ${event.level}: ${event.step === undefined ? '' : `${event.step}: `}${event.message}\n`);
        break;
      case 'step-end':
        options.write(`${stepLine(event.result, options.color)}\n`);
        break;
      default:
        break;
    }
  };
}

export function stepLine(result: StepResult, color: boolean): string {
  const parts: string[] = [];
  if (result.checks.length > 0) {
    const failed = result.checks.filter((c) => c.status === 'failed').length;
    const errored = result.checks.filter((c) => c.status === 'errored').length;
    const skipped = result.checks.filter((c) => c.status === 'skipped').length;
    parts.push(`${result.checks.length - failed - errored - skipped}/${result.checks.length} checks passed${failed > 0 ? `, ${failed} failed` : ''}${errored > 0 ? `, ${errored} errored` : ''}${skipped > 0 ? `, ${skipped} skipped` : ''}`);
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
