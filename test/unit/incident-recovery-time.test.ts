import { describe, expect, it } from 'vitest';
import { meetsSlos, recoveryTime, type SloWindow } from '../../src/incident/recovery-time.js';

const pass = { status: 'passed' } as const;
const fail = { status: 'failed' } as const;
const noData = { status: 'no-data' } as const;

/** Ten-second windows from `fromS`, each given as the verdicts of its SLOs. */
function windows(fromS: number, ...verdicts: Array<ReadonlyArray<SloWindow['verdicts'][number]>>): SloWindow[] {
  return verdicts.map((v, i) => ({ startMs: (fromS + i * 10) * 1000, endMs: (fromS + (i + 1) * 10) * 1000, verdicts: v }));
}

describe('recovery time', () => {
  it('runs from the end of the incident to the start of the first window that meets every SLO again', () => {
    // Incident 20 s–30 s; windows 0–10 … 60–70.
    const series = windows(0, [pass, pass], [pass, pass], [fail, pass], [fail, fail], [pass, fail], [pass, pass], [pass, pass]);
    expect(recoveryTime(series, 30_000)).toEqual({ status: 'recovered', recoveryMs: 20_000, recoveredAtMs: 50_000, resolutionMs: 10_000, relapses: 0 });
  });

  it('is 0 when the window holding the end of the incident already meets the SLOs', () => {
    const series = windows(0, [fail], [pass], [pass]);
    expect(recoveryTime(series, 15_000)).toMatchObject({ status: 'recovered', recoveryMs: 0, recoveredAtMs: 10_000 });
  });

  it('ignores windows that end by the end of the incident, and counts one that starts exactly there', () => {
    const series = windows(0, [pass], [pass], [pass]);
    expect(recoveryTime(series, 20_000)).toMatchObject({ status: 'recovered', recoveryMs: 0, recoveredAtMs: 20_000 });
  });

  it('is "not recovered" when no window after the incident meets every SLO by the end of the run', () => {
    const series = windows(0, [pass], [fail], [fail, pass], [pass, fail]);
    expect(recoveryTime(series, 15_000)).toEqual({ status: 'not-recovered', judgedUntilMs: 40_000, failingWindows: 3 });
  });

  it('does not count a window without data, or without verdicts, as recovered', () => {
    const series = windows(10, [pass, noData], [], [pass]);
    expect(recoveryTime(series, 10_000)).toMatchObject({ status: 'recovered', recoveryMs: 20_000 });
    expect(meetsSlos({ startMs: 0, endMs: 1, verdicts: [] })).toBe(false);
    expect(meetsSlos({ startMs: 0, endMs: 1, verdicts: [noData] })).toBe(false);
  });

  it('has nothing to judge when no window reaches past the incident', () => {
    expect(recoveryTime(windows(0, [pass], [pass]), 20_000)).toEqual({ status: 'no-windows' });
    expect(recoveryTime([], 0)).toEqual({ status: 'no-windows' });
  });

  it('reads windows in time order whatever order they come in, and counts failures after the recovery as relapses', () => {
    const series = windows(30, [fail], [pass], [fail], [pass], [fail]).reverse();
    expect(recoveryTime(series, 30_000)).toEqual({ status: 'recovered', recoveryMs: 10_000, recoveredAtMs: 40_000, resolutionMs: 10_000, relapses: 2 });
  });

  it('reports the width of the recovering window as its resolution', () => {
    const series: SloWindow[] = [
      { startMs: 0, endMs: 5_000, verdicts: [fail] },
      { startMs: 5_000, endMs: 6_000, verdicts: [pass] },
    ];
    expect(recoveryTime(series, 2_000)).toMatchObject({ status: 'recovered', recoveryMs: 3_000, resolutionMs: 1_000 });
  });
});
