import type { MetricCatalog } from '../slo/types.js';
import { FAILURE_LABELS } from './options.js';

/**
 * What the browser step records into the metrics registry (all under the
 * operation `join`). Histograms, ms:
 * - `join_time`: joined − navigation start (the adapter's `joined` predicate).
 * - `setup_time`: first peer connection connected − first setLocalDescription.
 * - `time_to_first_frame`: first rendered remote frame − navigation start.
 * Counters: `participants`, `participants_succeeded`, `participants_failed`,
 * `failed_<label>` per failure label.
 */
export const BROWSER_OPERATION = 'join';

export const BROWSER_SERIES = {
  joinTime: 'join_time',
  setupTime: 'setup_time',
  timeToFirstFrame: 'time_to_first_frame',
} as const;

export const BROWSER_COUNTERS = {
  participants: 'participants',
  succeeded: 'participants_succeeded',
  failed: 'participants_failed',
} as const;

export function failureCounter(label: string): string {
  return `failed_${label}`;
}

/** The metrics SLOs of a browser step may name, e.g. `join_time.p95 < 5s`, `success_rate >= 99%`, `failed_room_full == 0`. */
export function browserMetricCatalog(): MetricCatalog {
  const metrics: Record<string, MetricCatalog['metrics'][string]> = {
    join_time: { kind: 'latency', description: 'joined − navigation start, ms' },
    setup_time: { kind: 'latency', description: 'peer connection connected − first setLocalDescription, ms' },
    time_to_first_frame: { kind: 'latency', description: 'first rendered remote video frame − navigation start, ms' },
    success_rate: {
      kind: 'ratio',
      description: 'participants who joined (and saw video when others were in the room) / all participants',
      numerator: [BROWSER_COUNTERS.succeeded],
      denominator: [BROWSER_COUNTERS.participants],
    },
    failure_rate: {
      kind: 'ratio',
      description: 'failed participants / all participants',
      numerator: [BROWSER_COUNTERS.failed],
      denominator: [BROWSER_COUNTERS.participants],
    },
    participants: { kind: 'count', description: 'participants started', counter: BROWSER_COUNTERS.participants },
    participants_failed: {
      kind: 'count',
      description: 'participants that failed',
      counter: BROWSER_COUNTERS.failed,
      requires: BROWSER_COUNTERS.participants,
    },
  };
  for (const label of FAILURE_LABELS) {
    metrics[failureCounter(label)] = {
      kind: 'count',
      description: `participants that failed with ${label}`,
      counter: failureCounter(label),
      requires: BROWSER_COUNTERS.participants,
    };
  }
  return { metrics };
}
