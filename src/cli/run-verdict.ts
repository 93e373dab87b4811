import type { RunOutcome } from '../runner/run-plan.js';
import { NOT_RUN_PREFIX } from '../runner/run-plan.js';

/**
 * The last line of `roomgate run`: `INTERRUPTED: 0/3 steps passed (1
 * interrupted, 2 not run) — interrupted by SIGINT`. Counted over every step
 * the run was meant to run: a step the run never reached (interrupted, the
 * gate stopped, its target could not be opened) counts, a step the user left
 * out (`--only`) or another shard runs does not. Counting only the steps that
 * ran made a 3-step suite interrupted in its first step read "0/1".
 */
export function runVerdictLine(outcome: RunOutcome): string {
  const notRun = outcome.results.filter((r) => r.status === 'skipped' && r.reason?.startsWith(NOT_RUN_PREFIX) === true).length;
  const ran = outcome.results.filter((r) => r.status !== 'skipped');
  const planned = ran.length + notRun;
  const passed = ran.filter((r) => r.status === 'passed').length;
  const byStatus = new Map<string, number>();
  for (const r of ran) if (r.status !== 'passed') byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const details = [...[...byStatus].map(([status, n]) => `${n} ${status}`), ...(notRun > 0 ? [`${notRun} not run`] : [])];
  const why = outcome.reason === undefined || outcome.status === 'passed' ? '' : ` — ${outcome.reason}`;
  return `${outcome.status.toUpperCase()}: ${passed}/${planned} steps passed${details.length === 0 ? '' : ` (${details.join(', ')})`}${why}`;
}
