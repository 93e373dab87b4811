import type { StepStatus } from '../model/result.js';

/**
 * The one colour rule of roomgate's console, for every command and renderer:
 * FORCE_COLOR set to anything but `0`/`false` turns colour on (CI logs that
 * render ANSI); otherwise NO_COLOR set and non-empty (https://no-color.org)
 * or TERM=dumb turns it off; otherwise colour follows whether the stream is
 * a TTY. Hand-written: Node's tty `hasColors()` exists only on TTY streams,
 * so it cannot honour FORCE_COLOR for a pipe.
 */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if ((env['NO_COLOR'] ?? '') !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return stream.isTTY === true;
}

/** Wrap `text` in one ANSI SGR code (32 green, 31 red, 33 yellow, 90 grey) when colour is on. */
export function ansi(code: number, text: string, color: boolean): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

const STATUS_COLORS: Record<StepStatus, number> = {
  passed: 32,
  failed: 31,
  errored: 33,
  invalid: 33,
  interrupted: 90,
  skipped: 90,
};

/** `text` in the colour of a status. */
export function paint(status: StepStatus, text: string, color: boolean): string {
  return ansi(STATUS_COLORS[status], text, color);
}
