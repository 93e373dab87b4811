import { closest } from 'fastest-levenshtein';
import { ConfigErrors } from '../errors.js';
import { parseDuration } from '../config/duration.js';
import { chooseAddressBlock, cohortLinkAddresses, hubServiceAddress, MAX_COHORTS, type AddressBlock } from './addressing.js';
import type { Capability, NetworkCapabilities } from './capabilities.js';
import { COHORT_DEVICE, cohortNamespaceName, hubDeviceName, hubNamespaceName, newRunTag } from './lab-names.js';
import { NetworkProfileError } from './network-errors.js';
import type { CohortNetworkSpec, NetworkConditions, PlannedChange, PlannedConditions, PlannedShaping } from './profile.js';
import { formatBandwidth, parseBandwidth, parsePercent } from './quantities.js';

/**
 * From cohort profiles and the host's capabilities to a complete plan: names,
 * addresses and the shaping of every link, before anything is created. All
 * that the host cannot do is reported here, at once, as config errors
 * (exit 2), each saying how to fix it; a plan that comes back can be built.
 */

export interface CohortLinkPlan {
  name: string;
  index: number;
  namespace: string;
  /** The hub's end of the link (in the hub namespace) and its address: the cohort's gateway. */
  hubDevice: string;
  hubAddress: string;
  /** The cohort's end (in the cohort namespace) and its address: what peers see in ICE candidates. */
  device: string;
  address: string;
  prefixLength: number;
  base: PlannedShaping;
  changes: readonly PlannedChange[];
}

export interface NetworkLabPlan {
  runTag: string;
  addressBlock: AddressBlock;
  hub: { namespace: string; serviceAddress: string };
  cohorts: readonly CohortLinkPlan[];
}

export interface PlanNetworkLabOptions {
  capabilities: NetworkCapabilities;
  /** Default: a new tag for this process. */
  runTag?: string;
  /** Where the cohorts sit in the user's config, prefixed to every error path. Default `cohorts`. */
  path?: string;
}

const CONDITION_KEYS = ['down', 'up', 'loss', 'delay', 'jitter'] as const;
const PROFILE_KEYS = [...CONDITION_KEYS, 'changes'] as const;
const CHANGE_KEYS = ['at', 'for', 'network'] as const;

/** Throws NetworkProfileError (one problem) or ConfigErrors (several) when the plan cannot be built. */
export function planNetworkLab(cohorts: readonly CohortNetworkSpec[], options: PlanNetworkLabOptions): NetworkLabPlan {
  const { capabilities } = options;
  const root = options.path ?? 'cohorts';
  const errors: NetworkProfileError[] = [];
  const fail = (path: string, message: string, hint?: string) =>
    errors.push(new NetworkProfileError(message, { path, ...(hint === undefined ? {} : { hint }) }));

  // Without namespaces (or without a way in for the participants) nothing below matters: say that once.
  for (const [capability, what] of [
    [capabilities.namespaces, 'network namespaces'],
    [capabilities.loopbackRedirect, 'nftables NAT (so that participants reach the target on the loopback through their shaped link)'],
  ] as const) {
    if (capability.available) continue;
    fail(root, `network cohorts need ${what}, which this run cannot use: ${capability.reason}`, capability.hint);
    ConfigErrors.throwIfAny(errors);
  }

  if (cohorts.length === 0) fail(root, 'no cohorts given', 'list at least one cohort, or drop `cohorts` from the step');
  if (cohorts.length > MAX_COHORTS)
    fail(root, `${cohorts.length} cohorts are more than the ${MAX_COHORTS} one lab holds`, 'merge cohorts with the same profile');
  const addressBlock = chooseAddressBlock(capabilities.occupiedIpv4);
  if (addressBlock === undefined) {
    fail(
      root,
      'every private address block the lab may use (10.231.0.0/16 to 10.239.0.0/16) overlaps a route or address of this host',
      'free one of them, or run on another host',
    );
  }

  const seen = new Set<string>();
  const planned = cohorts.map((cohort, index) => {
    const path = `${root}[${index}]`;
    if (typeof cohort.name !== 'string' || cohort.name.trim() === '') fail(`${path}.name`, 'a cohort needs a name');
    else if (seen.has(cohort.name)) fail(`${path}.name`, `cohort name "${cohort.name}" is used twice`, 'give each cohort its own name');
    seen.add(cohort.name);
    const network = cohort.network ?? {};
    unknownKeys(network, PROFILE_KEYS, `${path}.network`, fail);
    const base = planConditions(network, `${path}.network`, capabilities, fail);
    const changes = planChanges(network.changes ?? [], `${path}.network.changes`, capabilities, fail);
    return { cohort, index, base, changes };
  });
  ConfigErrors.throwIfAny(errors);

  const runTag = options.runTag ?? newRunTag();
  const block = addressBlock!;
  return {
    runTag,
    addressBlock: block,
    hub: { namespace: hubNamespaceName(runTag), serviceAddress: hubServiceAddress(block) },
    cohorts: planned.map(({ cohort, index, base, changes }) => {
      const addresses = cohortLinkAddresses(block, index);
      return {
        name: cohort.name,
        index,
        namespace: cohortNamespaceName(runTag, index),
        hubDevice: hubDeviceName(index),
        hubAddress: addresses.hub,
        device: COHORT_DEVICE,
        address: addresses.cohort,
        prefixLength: addresses.prefixLength,
        base,
        changes,
      };
    }),
  };
}

type Fail = (path: string, message: string, hint?: string) => void;

function planConditions(conditions: NetworkConditions, path: string, capabilities: NetworkCapabilities, fail: Fail): PlannedShaping {
  const planned: PlannedConditions = {};
  const rateVia = capabilities.tbf.available ? 'tbf' : capabilities.htb.available ? 'htb' : undefined;
  for (const direction of ['down', 'up'] as const) {
    const text = conditions[direction];
    if (text === undefined) continue;
    const parsed = parseBandwidth(String(text));
    if ('problem' in parsed) {
      fail(`${path}.${direction}`, parsed.problem);
      continue;
    }
    if (rateVia === undefined) {
      fail(
        `${path}.${direction}`,
        `a bandwidth cap needs tc tbf or htb, which this host lacks (${reason(capabilities.tbf)}; ${reason(capabilities.htb)})`,
        `remove ${direction} from this profile, or run on a host whose kernel has sch_tbf or sch_htb`,
      );
      continue;
    }
    planned[direction === 'down' ? 'downBitsPerSecond' : 'upBitsPerSecond'] = parsed.bitsPerSecond;
    planned.rateVia = rateVia;
  }
  if (conditions.loss !== undefined) {
    const parsed = parsePercent(String(conditions.loss));
    if ('problem' in parsed) fail(`${path}.loss`, parsed.problem);
    else if (parsed.percent > 0) {
      const via = capabilities.netem.available ? 'netem' : capabilities.nftables.available ? 'nftables' : undefined;
      if (via === undefined) {
        fail(
          `${path}.loss`,
          `packet loss needs tc netem or nftables, which this host lacks (${reason(capabilities.netem)}; ${reason(capabilities.nftables)})`,
          'remove loss from this profile, or install nftables (apt-get install nftables)',
        );
      } else {
        planned.lossPercent = parsed.percent;
        planned.lossVia = via;
      }
    }
  }
  for (const field of ['delay', 'jitter'] as const) {
    const text = conditions[field];
    if (text === undefined) continue;
    const ms = parseDuration(String(text));
    if (ms === undefined) {
      fail(`${path}.${field}`, `"${text}" is not a duration; write e.g. 100ms`);
      continue;
    }
    if (!capabilities.netem.available) {
      fail(
        `${path}.${field}`,
        `${field} needs tc netem (kernel module sch_netem), which this host lacks (${reason(capabilities.netem)})`,
        `remove delay and jitter from this profile, or run on a host whose kernel has sch_netem (modprobe sch_netem)`,
      );
      continue;
    }
    planned[field === 'delay' ? 'delayMs' : 'jitterMs'] = ms;
  }
  if (conditions.jitter !== undefined && conditions.delay === undefined) {
    fail(`${path}.jitter`, 'jitter varies a delay, and this profile has none', 'add a delay at least as large as the jitter, e.g. delay: 100ms');
  }
  return { kind: 'shaped', conditions: planned, label: describeConditions(planned) };
}

function planChanges(changes: readonly unknown[], path: string, capabilities: NetworkCapabilities, fail: Fail): PlannedChange[] {
  if (!Array.isArray(changes)) {
    fail(path, 'changes must be a list of { at, for, network }');
    return [];
  }
  const planned: PlannedChange[] = [];
  changes.forEach((raw, index) => {
    const here = `${path}[${index}]`;
    if (typeof raw !== 'object' || raw === null) return fail(here, 'a change is { at, for, network }');
    const change = raw as { at?: unknown; for?: unknown; network?: unknown };
    unknownKeys(change, CHANGE_KEYS, here, fail);
    const atMs = typeof change.at === 'string' ? parseDuration(change.at) : undefined;
    const forMs = typeof change.for === 'string' ? parseDuration(change.for) : undefined;
    if (atMs === undefined) fail(`${here}.at`, `at must be a duration after the hold starts, e.g. 20s (got ${JSON.stringify(change.at)})`);
    if (forMs === undefined || forMs <= 0) fail(`${here}.for`, `for must be a positive duration, e.g. 10s (got ${JSON.stringify(change.for)})`);
    let shaping: PlannedShaping | undefined;
    if (change.network === 'blackout') {
      if (capabilities.nftables.available) shaping = { kind: 'blackout', label: 'blackout' };
      else fail(`${here}.network`, `a blackout needs nftables, which this host lacks (${reason(capabilities.nftables)})`, capabilities.nftables.hint);
    } else if (typeof change.network === 'object' && change.network !== null) {
      unknownKeys(change.network, CONDITION_KEYS, `${here}.network`, fail);
      shaping = planConditions(change.network as NetworkConditions, `${here}.network`, capabilities, fail);
    } else {
      fail(`${here}.network`, 'network must be `blackout` or conditions like { down: 300kbit, loss: 5% }');
    }
    if (atMs !== undefined && forMs !== undefined && forMs > 0 && shaping !== undefined) planned.push({ index, atMs, forMs, shaping });
  });
  // One link has one state at a time: overlapping changes would have to merge or race.
  const byStart = [...planned].sort((a, b) => a.atMs - b.atMs);
  for (let i = 1; i < byStart.length; i++) {
    const previous = byStart[i - 1]!;
    const current = byStart[i]!;
    if (current.atMs < previous.atMs + previous.forMs) {
      fail(`${path}[${current.index}].at`, `this change starts before change ${previous.index} ends`, 'make the changes of one cohort follow each other');
    }
  }
  return byStart;
}

function unknownKeys(value: object, known: readonly string[], path: string, fail: Fail): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    fail(`${path}.${key}`, `unknown field "${key}"`, `did you mean "${closest(key, [...known])}"? (known: ${known.join(', ')})`);
  }
}

function reason(capability: Capability): string {
  return capability.available ? 'available' : capability.reason;
}

/** `300kbit down, 1mbit up, 10% loss, 100ms±20ms delay`, or `unshaped`. */
export function describeConditions(c: PlannedConditions): string {
  const parts: string[] = [];
  if (c.downBitsPerSecond !== undefined) parts.push(`${formatBandwidth(c.downBitsPerSecond)} down`);
  if (c.upBitsPerSecond !== undefined) parts.push(`${formatBandwidth(c.upBitsPerSecond)} up`);
  if (c.lossPercent !== undefined) parts.push(`${c.lossPercent}% loss`);
  if (c.delayMs !== undefined) parts.push(`${c.delayMs}ms${c.jitterMs === undefined ? '' : `±${c.jitterMs}ms`} delay`);
  return parts.length === 0 ? 'unshaped' : parts.join(', ');
}
