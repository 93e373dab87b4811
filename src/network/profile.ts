/**
 * A cohort's network profile as the user writes it in a browser step, and the
 * shaping it becomes once planned against what the host can do.
 *
 *   cohorts:
 *     - name: lossy
 *       network: { down: 300kbit, loss: 10%, changes: [{ at: 20s, for: 10s, network: blackout }] }
 *
 * Every figure applies to the cohort's link to the hub, i.e. between the
 * cohort and everything else (the target on the root namespace's loopback and
 * the participants of other cohorts). `delay` and `jitter` are added in EACH
 * direction, like `tc netem delay` on both ends of a link: a round trip grows
 * by twice the delay. `loss` drops that share of packets in each direction,
 * independently (random, not bursty).
 */

/** The conditions of a link: what a timed change can switch to as well. */
export interface NetworkConditions {
  /** Bandwidth towards the cohort's participants (they download at most this), e.g. `300kbit`. */
  down?: string;
  /** Bandwidth from the cohort's participants, e.g. `1mbit`. */
  up?: string;
  /** Random packet loss in each direction, e.g. `10%`. */
  loss?: string;
  /** Added one-way delay in each direction, e.g. `100ms` (needs tc netem). */
  delay?: string;
  /** Variation of that delay, e.g. `20ms` (needs tc netem and a delay). */
  jitter?: string;
}

/**
 * A timed change during the hold: from `at` (after the hold starts) for `for`,
 * the link has `network` instead of the cohort's own conditions; then they
 * come back. `blackout` drops every packet both ways (a dropped call, a
 * tunnel): the namespace's own loopback keeps working.
 */
export interface NetworkChange {
  at: string;
  for: string;
  network: 'blackout' | NetworkConditions;
}

export interface NetworkProfile extends NetworkConditions {
  changes?: readonly NetworkChange[];
}

/** One cohort to place: a name unique in the step and its profile (none: an unshaped link). */
export interface CohortNetworkSpec {
  name: string;
  network?: NetworkProfile | undefined;
}

/** How packet loss is made: tc netem where the kernel has it, else nftables' random numbers. */
export type LossMechanism = 'netem' | 'nftables';
/** How bandwidth is capped: tc's token bucket, else an htb class. */
export type RateMechanism = 'tbf' | 'htb';

/** Conditions in numbers, with the mechanism chosen for each. */
export interface PlannedConditions {
  downBitsPerSecond?: number;
  upBitsPerSecond?: number;
  rateVia?: RateMechanism;
  lossPercent?: number;
  lossVia?: LossMechanism;
  delayMs?: number;
  jitterMs?: number;
}

/** What a link is set to: conditions (possibly none) or a blackout. `label` reads like the profile. */
export type PlannedShaping = { kind: 'shaped'; conditions: PlannedConditions; label: string } | { kind: 'blackout'; label: 'blackout' };

export interface PlannedChange {
  /** Its position in the profile's `changes`. */
  index: number;
  atMs: number;
  forMs: number;
  shaping: PlannedShaping;
}
