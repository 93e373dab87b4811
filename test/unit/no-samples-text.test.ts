import { describe, expect, it } from 'vitest';
import { formatWindowLine } from '../../src/cli/progress.js';
import { EMPTY_SUMMARY } from '../../src/metrics/summary.js';
import { NO_SAMPLES, orNoSamples, percentilesText } from '../../src/report/no-samples.js';

const ms = (v: number) => `${v} ms`;

describe('figures with no samples print as n/a (no samples), never 0 ms', () => {
  it('join time after 0 of 2 joined is n/a (no samples); with samples it is the percentiles', () => {
    expect(percentilesText({ ...EMPTY_SUMMARY }, ms)).toBe(NO_SAMPLES);
    expect(percentilesText(undefined, ms)).toBe('n/a (no samples)');
    expect(percentilesText({ ...EMPTY_SUMMARY, count: 2, p50: 812, p95: 900 }, ms)).toBe('p50 812 ms p95 900 ms');
  });

  it("a single figure follows its summary's count", () => {
    expect(orNoSamples({ count: 0 }, 0, ms)).toBe(NO_SAMPLES);
    expect(orNoSamples({ count: 3 }, 0, ms)).toBe('0 ms');
  });

  it('a progress window line with an operation that has no samples says so instead of p50=0ms', () => {
    const line = formatWindowLine('burst', {
      startMs: 0,
      endMs: 1000,
      operations: { get_room: { count: 0, errors: 0, p50: 0, p99: 0, max: 0 }, create_room: { count: 5, errors: 0, p50: 3, p99: 9, max: 9 } },
    });
    expect(line).toBe('[burst] 0.0s–1.0s | get_room n=0 err=0 n/a (no samples); create_room n=5 err=0 p50=3ms p99=9ms');
  });
});
