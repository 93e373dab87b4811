import { sleep } from '../abortable-sleep.js';
import type { CohortNetwork } from './lab.js';
import type { PlannedChange } from './profile.js';

export interface NetworkChangeEvent {
  /** The cohort's name, or the group's (`PlayNetworkChangesOptions.name`). */
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
  /** The name events carry when a group of links is played together; default the first link's. */
  name?: string;
}

/**
 * Play a cohort's timed changes: at each change's `at` switch the link, after
 * its `for` switch it back. Stops when `signal` aborts, and then still puts
 * back the cohort's own profile if a change was on, so an interrupted hold
 * never leaves a link black. Resolves when the last change has been reverted.
 *
 * Given several links (one cohort whose participants each have their own
 * link, with the same plan), they switch together: each event is told once,
 * when every link of the group has switched.
 */
export async function playNetworkChanges(links: CohortNetwork | readonly CohortNetwork[], options: PlayNetworkChangesOptions): Promise<void> {
  const group: readonly CohortNetwork[] = Array.isArray(links) ? links : [links as CohortNetwork];
  const first = group[0];
  if (first === undefined) return;
  const { signal } = options;
  const name = options.name ?? first.name;
  const startedAt = options.startedAt ?? Date.now();
  for (const change of [...first.plan.changes].sort((a, b) => a.atMs - b.atMs)) {
    await sleep(startedAt + change.atMs - Date.now(), signal);
    if (signal.aborted) return;
    await Promise.all(group.map((link) => link.apply(change)));
    options.onChange?.({ cohort: name, change, phase: 'applied', at: Date.now() });
    await sleep(startedAt + change.atMs + change.forMs - Date.now(), signal);
    await Promise.all(group.map((link) => link.revert()));
    options.onChange?.({ cohort: name, change, phase: 'reverted', at: Date.now() });
    if (signal.aborted) return;
  }
}
