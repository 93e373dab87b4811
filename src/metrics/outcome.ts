/**
 * How a measured event ended, the third key of every series (after metric and
 * operation). HTTP responses use their status class; requests that got no
 * response at all (timeout, reset, refused) are `error`. Measurements that are
 * not HTTP responses (a browser join) use `ok` / `failed`.
 */
export type Outcome = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'error' | 'ok' | 'failed';

export const OUTCOMES: readonly Outcome[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'error', 'ok', 'failed'];

const BY_CLASS: readonly Outcome[] = ['error', '1xx', '2xx', '3xx', '4xx', '5xx'];

export function outcomeOfStatus(status: number): Outcome {
  const klass = Math.floor(status / 100);
  return BY_CLASS[klass] ?? 'error';
}

/** Outcomes that count as a successful exchange (for error rate and availability). */
export function isSuccessOutcome(outcome: Outcome): boolean {
  return outcome === '2xx' || outcome === '3xx' || outcome === 'ok' || outcome === '1xx';
}
