import { ConfigError, ConfigErrors } from '../../errors.js';
import { formatDuration } from '../../config/duration.js';
import {
  createNetworkLab,
  detectNetworkCapabilities,
  planNetworkLab,
  playNetworkChanges,
  type CohortNetwork,
  type NetworkCapabilities,
  type NetworkChangeEvent,
  type NetworkLab,
  type NetworkLabPlan,
  type PlannedChange,
} from '../../network/index.js';
import { MAX_COHORTS } from '../../network/addressing.js';
import type { PlacedCohort } from './place-cohorts.js';

/**
 * The network a browser step's cohorts run on: one link per participant,
 * each shaped with its cohort's profile, all in one lab (src/network/lab.ts).
 *
 * One link per participant, not one per cohort: two participants behind the
 * same namespace reach each other over its own address, which the kernel
 * delivers locally, so a room inside one cohort would exchange its media
 * unshaped. Every participant on its own shaped link is also what a cohort
 * means (each user of "lossy Wi-Fi" has their own lossy Wi-Fi): a `down:
 * 300kbit` cap is each participant's, not shared by the cohort. Media
 * between two participants crosses both their links. Each participant then
 * has its own browser (a browser process lives in one namespace).
 */
export interface CohortNetworkPlan {
  lab: NetworkLabPlan;
  cohorts: readonly CohortNetworkInfo[];
}

export interface CohortNetworkInfo {
  name: string;
  /** The profile in words, e.g. "300kbit down, 10% loss". */
  network: string;
  changes: readonly PlannedChange[];
  /** Participant indexes (= link indexes) of the cohort. */
  participants: readonly number[];
}

/** Link names carry the cohort; the lab only needs them unique. */
const linkName = (cohort: string, k: number) => `${cohort}/${k + 1}`;

/**
 * Check the cohorts' profiles against what this host can do and plan the
 * lab: every problem is a config error (exit 2) before anything runs. The
 * profiles are planned once per cohort first, so errors point at
 * `cohorts[i].network…`; then once per participant link.
 */
export function planCohortNetwork(
  cohorts: readonly PlacedCohort[],
  assignment: readonly number[],
  capabilities: NetworkCapabilities,
  options: { holdMs: number; path?: string },
): CohortNetworkPlan {
  const path = options.path ?? 'cohorts';
  const perCohort = planNetworkLab(
    cohorts.map((c) => ({ name: c.name, network: c.network })),
    { capabilities, path },
  );
  const errors: ConfigError[] = [];
  perCohort.cohorts.forEach((cohort, i) => {
    for (const change of cohort.changes) {
      const end = change.atMs + change.forMs;
      if (end > options.holdMs) {
        errors.push(
          new ConfigError(`this change ends ${formatDuration(end)} into the hold, which lasts ${formatDuration(options.holdMs)}`, {
            path: `${path}[${i}].network.changes[${change.index}]`,
            hint: `make the hold longer than ${formatDuration(end)} (leave time to see video come back), or move the change earlier`,
          }),
        );
      }
    }
  });
  if (assignment.length > MAX_COHORTS) {
    errors.push(
      new ConfigError(`${assignment.length} participants in cohorts need ${assignment.length} network links, more than the ${MAX_COHORTS} one run holds`, {
        path,
        hint: `run at most ${MAX_COHORTS} participants per process; split the run into shards (--shard i/n) for more`,
      }),
    );
  }
  ConfigErrors.throwIfAny(errors);
  const counts = new Map<number, number>();
  const links = assignment.map((cohortIndex) => {
    const k = counts.get(cohortIndex) ?? 0;
    counts.set(cohortIndex, k + 1);
    const cohort = cohorts[cohortIndex]!;
    return { name: linkName(cohort.name, k), network: cohort.network };
  });
  const lab = planNetworkLab(links, { capabilities, path });
  return {
    lab,
    cohorts: perCohort.cohorts.map((cohort, i) => ({
      name: cohort.name,
      network: cohort.base.label,
      changes: cohort.changes,
      participants: assignment.flatMap((c, participant) => (c === i ? [participant] : [])),
    })),
  };
}

/** Detect what the host can do (a throwaway namespace is tried), once per process. */
let detected: Promise<NetworkCapabilities> | undefined;
export function hostNetworkCapabilities(): Promise<NetworkCapabilities> {
  detected ??= detectNetworkCapabilities();
  return detected;
}

/** The lab of a running step: its links by participant, the exposed ports, the changes. */
export class CohortLab {
  private constructor(
    private readonly lab: NetworkLab,
    readonly plan: CohortNetworkPlan,
  ) {}

  /** Build the lab; on any failure what was built is removed and the error thrown. */
  static async create(
    plan: CohortNetworkPlan,
    options: { exposePorts: readonly number[]; signal: AbortSignal; onProgress?: (step: string) => void },
  ): Promise<CohortLab> {
    const lab = await createNetworkLab(plan.lab, {
      exposePorts: options.exposePorts,
      signal: options.signal,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    return new CohortLab(lab, plan);
  }

  /** Participant `index`'s link. */
  link(index: number): CohortNetwork {
    const link = this.lab.cohorts[index];
    if (link === undefined) throw new Error(`no network link for participant ${index}`);
    return link;
  }

  /** Let participants reach these root-namespace loopback ports (the join page's, a signaling server's). */
  expose(ports: readonly number[], signal?: AbortSignal): Promise<void> {
    return this.lab.exposeLoopbackPort(ports, signal);
  }

  get exposedPorts(): readonly number[] {
    return this.lab.exposedPorts;
  }

  /** Play every cohort's timed changes from `startedAt` (the hold's start); resolves when all are reverted (or aborted). */
  async play(startedAt: number, signal: AbortSignal, onChange: (event: NetworkChangeEvent) => void): Promise<void> {
    await Promise.all(
      this.plan.cohorts.map((cohort) =>
        playNetworkChanges(
          cohort.participants.map((i) => this.link(i)),
          { signal, startedAt, onChange, name: cohort.name },
        ),
      ),
    );
  }

  teardown(): Promise<void> {
    return this.lab.teardown();
  }
}
