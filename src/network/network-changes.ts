import { sleep } from '../abortable-sleep.js';
import type { CohortNetwork } from './lab.js';
import type { PlannedChange } from './profile.js';

export interface NetworkChangeEvent {
  cohort: string;
  change: PlannedChange;
  phase: 'applied' | 'reverted';
  /** Epoch ms when the link was switched (after the commands finished). */
  at: number;
}

export interface PlayNetworkChangesOptions {
  signal: AbortSignal;
  /** Epoch ms the changes' `at` counts from (the hold's start). Default: now. */
  startedAt?: number;
  /** Told after each switch: the timeline's bands start and end here. */
  onChange?: (event: NetworkChangeEvent) => void;
}

/**
 * Play a cohort's timed changes: at each change's `at` switch the link, after
 * its `for` switch it back. Stops when `signal` aborts, and then still puts
 * back the cohort's own profile if a change was on, so an interrupted hold
 * never leaves a link black. Resolves when the last change has been reverted.
 */
export async function playNetworkChanges(cohort: CohortNetwork, options: PlayNetworkChangesOptions): Promise<void> {
  const { signal } = options;
  const startedAt = options.startedAt ?? Date.now();
  for (const change of [...cohort.plan.changes].sort((a, b) => a.atMs - b.atMs)) {
    await sleep(startedAt + change.atMs - Date.now(), signal);
    if (signal.aborted) return;
    await cohort.apply(change);
    options.onChange?.({ cohort: cohort.name, change, phase: 'applied', at: Date.now() });
    await sleep(startedAt + change.atMs + change.forMs - Date.now(), signal);
    await cohort.revert();
    options.onChange?.({ cohort: cohort.name, change, phase: 'reverted', at: Date.now() });
    if (signal.aborted) return;
  }
}
