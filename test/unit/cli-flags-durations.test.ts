import { describe, expect, it } from 'vitest';
import { DURATION_FORMS, DURATION_PATTERN, formatDuration, parseDuration } from '../../src/config/duration.js';
import { UsageError } from '../../src/errors.js';
import { parseDurationFlag, requireDurationFlag } from '../../src/cli/flags.js';
import { useColor } from '../../src/cli/color.js';

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('the one duration grammar (config/duration.ts)', () => {
  it('reads a number with a unit, and compounds', () => {
    expect(['500ms', '30s', '10m', '1h', '1.5h', '1h30m', '2m30s500ms', '0s'].map(parseDuration)).toEqual([
      500, 30_000, 600_000, 3_600_000, 5_400_000, 5_400_000, 150_500, 0,
    ]);
  });

  it('refuses a bare number, spaces, negative and unknown units: undefined, never a guess', () => {
    for (const text of ['10', '10.5', ' 10s', '10 s', '-1s', '10sec', '1d', '', 's']) expect(parseDuration(text), text).toBeUndefined();
  });

  it('is the grammar the scenario schema states (DURATION_PATTERN)', () => {
    const pattern = new RegExp(DURATION_PATTERN);
    for (const text of ['500ms', '1h30m', '10', '1 h']) expect(pattern.test(text), text).toBe(parseDuration(text) !== undefined);
  });

  it('formats milliseconds back into the grammar, exactly', () => {
    expect([250, 1500, 90_000, 5_400_000, 3_723_000, 0].map(formatDuration)).toEqual(['250ms', '1.5s', '1m30s', '1h30m', '1h2m3s', '0ms']);
    for (const ms of [250, 1500, 90_000, 5_400_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe('duration flags (cli/flags.ts)', () => {
  it('a bare number is a usage error (exit 2) that names the flag and shows the accepted forms', () => {
    const error = usageError(() => parseDurationFlag('--duration', '10'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('--duration "10" is not a duration (a bare number has no unit)');
    expect(error.hint).toContain(DURATION_FORMS);
    expect(DURATION_FORMS).toBe('500ms, 30s, 10m, 1h30m');
    expect(usageError(() => parseDurationFlag('--hold', 'soon')).message).toBe('--hold "soon" is not a duration (write numbers with a unit: ms, s, m or h)');
  });

  it('1h30m is a duration for every flag; 0 only where it means something', () => {
    expect(parseDurationFlag('--request-timeout', '1h30m')).toBe(5_400_000);
    expect(parseDurationFlag('--duration', undefined)).toBeUndefined();
    expect(requireDurationFlag('--hold', '0s', 'allowed')).toBe(0);
    expect(usageError(() => requireDurationFlag('--duration', '0s')).message).toBe('--duration must be longer than 0');
  });
});

describe('the colour rule (cli/color.ts)', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('follows the stream by default: colour on a TTY, none in a pipe', () => {
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(pipe, {})).toBe(false);
  });

  it('NO_COLOR (non-empty) and TERM=dumb turn it off; FORCE_COLOR turns it on, even in a pipe, and wins', () => {
    expect(useColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(tty, { NO_COLOR: '' })).toBe(true);
    expect(useColor(tty, { TERM: 'dumb' })).toBe(false);
    expect(useColor(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColor(pipe, { FORCE_COLOR: '' })).toBe(true);
    expect(useColor(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(useColor(tty, { FORCE_COLOR: 'false' })).toBe(false);
    expect(useColor(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
  });
});
