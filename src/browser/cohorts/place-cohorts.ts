import { closest } from 'fastest-levenshtein';
import { ConfigError, ConfigErrors } from '../../errors.js';
import { parsePercent } from '../../network/quantities.js';
import type { NetworkProfile } from '../../network/profile.js';

/**
 * A named group of a browser step's participants that runs on one network
 * profile (docs/network-cohorts.md):
 *
 *   cohorts:
 *     - { name: clean, share: 50% }
 *     - { name: lossy, share: 50%, network: { down: 300kbit, loss: 10% } }
 *
 * A cohort is placement, not a different participant: the same participant
 * code runs, only behind a shaped link.
 */
export interface CohortOptions {
  /** Unique in the step; letters, digits, `_`, `-` and `.` (it prefixes SLOs: `lossy:packet_loss.p95 < 1%`). */
  name: string;
  /**
   * The part of the step's participants in this cohort, e.g. `25%`. Cohorts
   * without a share split what the others leave equally; together the
   * shares make 100 %.
   */
  share?: string;
  /** The network of each participant of the cohort (none: an unshaped link). */
  network?: NetworkProfile;
}

/** A cohort once validated: its share as a fraction. */
export interface PlacedCohort {
  name: string;
  /** 0..1; the shares of a step's cohorts add up to 1. */
  share: number;
  network?: NetworkProfile;
}

export const COHORT_NAME = /^[A-Za-z0-9][\w.-]{0,31}$/;
const COHORT_KEYS = ['name', 'share', 'network'] as const;
/** Shares are compared to 100 % within this many percentage points (three cohorts of 33.33 %). */
const SHARE_SLACK_PERCENT = 0.05;

/** Check the cohorts of a step (names, shares adding up to 100 %); every problem at once, as config errors. */
export function validateCohorts(cohorts: readonly CohortOptions[], path = 'cohorts'): PlacedCohort[] {
  const errors: ConfigError[] = [];
  const fail = (at: string, message: string, hint?: string) => errors.push(new ConfigError(message, { path: at, ...(hint === undefined ? {} : { hint }) }));
  if (!Array.isArray(cohorts)) {
    fail(path, 'cohorts must be a list of { name, share, network }');
    ConfigErrors.throwIfAny(errors);
  }
  if (cohorts.length === 0) fail(path, 'cohorts is empty', 'list at least one cohort, or leave `cohorts` out');
  const seen = new Set<string>();
  const shares: (number | undefined)[] = cohorts.map((cohort, index) => {
    const here = `${path}[${index}]`;
    if (typeof cohort !== 'object' || cohort === null) {
      fail(here, 'a cohort is { name, share, network }');
      return undefined;
    }
    for (const key of Object.keys(cohort)) {
      if (!(COHORT_KEYS as readonly string[]).includes(key))
        fail(`${here}.${key}`, `unknown field "${key}"`, `did you mean "${closest(key, [...COHORT_KEYS])}"? (a cohort has ${COHORT_KEYS.join(', ')})`);
    }
    if (typeof cohort.name !== 'string' || !COHORT_NAME.test(cohort.name)) {
      fail(
        `${here}.name`,
        `cohort name ${JSON.stringify(cohort.name)} is not a name`,
        'use up to 32 letters, digits, `_`, `-` or `.`, starting with a letter or digit, e.g. lossy-wifi',
      );
    } else if (seen.has(cohort.name)) {
      fail(`${here}.name`, `cohort name "${cohort.name}" is used twice`, 'give each cohort its own name');
    } else {
      seen.add(cohort.name);
    }
    if (cohort.share === undefined) return undefined;
    const parsed = parsePercent(String(cohort.share));
    if ('problem' in parsed) {
      fail(`${here}.share`, parsed.problem, "write the share of the step's participants as a percentage, e.g. 25%");
      return undefined;
    }
    if (parsed.percent <= 0) fail(`${here}.share`, 'a share must be more than 0%', 'leave the cohort out instead');
    return parsed.percent;
  });
  const given = shares.filter((s): s is number => s !== undefined);
  const total = given.reduce((a, b) => a + b, 0);
  const open = shares.length - given.length;
  if (total > 100 + SHARE_SLACK_PERCENT) {
    fail(path, `the cohorts' shares add up to ${round(total)}%, more than 100%`, 'lower the shares so that they make 100%');
  } else if (open === 0 && cohorts.length > 0 && total < 100 - SHARE_SLACK_PERCENT) {
    fail(
      path,
      `the cohorts' shares add up to ${round(total)}%, not 100%`,
      "every participant belongs to a cohort: raise a share, or leave one cohort's share out to give it the rest",
    );
  } else if (open > 0 && total >= 100 - SHARE_SLACK_PERCENT) {
    fail(
      path,
      `the cohorts with a share take ${round(total)}%, leaving nothing for the ${open} without one`,
      'give those cohorts a share, or lower the others',
    );
  }
  ConfigErrors.throwIfAny(errors);
  const rest = open === 0 ? 0 : (100 - total) / open;
  // Normalised, so that 3 × 33.33 % is exactly the whole.
  const percents = shares.map((s) => s ?? rest);
  const sum = percents.reduce((a, b) => a + b, 0);
  return cohorts.map((cohort, index) => ({
    name: cohort.name,
    share: percents[index]! / sum,
    ...(cohort.network === undefined ? {} : { network: cohort.network }),
  }));
}

/**
 * Which cohort each of `count` participants belongs to (an index into
 * `cohorts`), in order: participants are placed in contiguous blocks,
 * cohort after cohort, sized by largest remainder so the counts add up.
 * Participants are numbered room by room, so a share that is a multiple of
 * a room's size keeps every room inside one cohort (its media then crosses
 * only that cohort's links); a room that straddles two cohorts sends its
 * media across both.
 */
export function assignCohorts(count: number, cohorts: readonly PlacedCohort[]): number[] {
  const sizes = cohortSizes(count, cohorts);
  return sizes.flatMap((size, index) => Array.from({ length: size }, () => index));
}

/** Participants per cohort for `count` participants: shares rounded by largest remainder (ties to the earlier cohort). */
export function cohortSizes(count: number, cohorts: readonly PlacedCohort[]): number[] {
  const exact = cohorts.map((c) => c.share * count);
  const sizes = exact.map((e) => Math.floor(e + 1e-9));
  let left = count - sizes.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, index) => ({ index, remainder: e - Math.floor(e + 1e-9) })).sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left <= 0) break;
    sizes[index]! += 1;
    left -= 1;
  }
  return sizes;
}

function round(percent: number): string {
  return String(Math.round(percent * 100) / 100);
}
