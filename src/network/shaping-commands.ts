import type { PlannedConditions, PlannedShaping } from './profile.js';

/**
 * The tc and nft commands that give a link its shaping, as data: the lab runs
 * them, capability detection tries the same ones, and tests read them without
 * root. Pure functions of the plan.
 *
 * Where each effect sits (the link is a veth pair, hub end and cohort end):
 *
 *   direction   bandwidth, delay, netem loss      nftables loss, blackout
 *   down        egress qdisc of the hub end       ingress hook of the cohort end
 *   up          egress qdisc of the cohort end    ingress hook of the hub end
 *
 * Qdiscs shape what a device SENDS, so each direction's rate and delay sit on
 * its sender's end. Drops made by nftables sit on the RECEIVER's ingress
 * (netdev family): a packet dropped there has crossed the link like one lost
 * on a wire. Dropped in the sender's output hook instead, it would return
 * EPERM to the sending socket and WebRTC would see a local send error, not
 * loss. Both ingress hooks watch only the lab's veth, so each namespace's own
 * loopback stays untouched (also during a blackout).
 */

/** tc's queue for a capped link: 200 ms of data at the cap, like a modest access-link buffer. */
export const RATE_QUEUE_LATENCY = '200ms';
/** netem's packet queue (its default, 1000, overflows at high rates with a delay). */
const NETEM_LIMIT = '10000';
/** Basis points: nftables' random loss has a resolution of 0.01 %. */
const LOSS_RESOLUTION = 10_000;

/** What one end's egress qdisc must do (undefined: no qdisc, the kernel's default). */
export interface EgressShaping {
  rateBitsPerSecond?: number;
  rateVia?: 'tbf' | 'htb';
  netem?: { delayMs?: number; jitterMs?: number; lossPercent?: number };
}

/** What one end's ingress filter must do. */
export type IngressFilter = { kind: 'none' } | { kind: 'drop-all' } | { kind: 'random-loss'; percent: number };

/** The four pieces of one link's shaping. */
export interface LinkShapingParts {
  hubEgress: EgressShaping | undefined;
  cohortEgress: EgressShaping | undefined;
  hubIngress: IngressFilter;
  cohortIngress: IngressFilter;
}

/** Split a planned shaping into what each end of the link does. */
export function linkShapingParts(shaping: PlannedShaping): LinkShapingParts {
  if (shaping.kind === 'blackout') {
    return { hubEgress: undefined, cohortEgress: undefined, hubIngress: { kind: 'drop-all' }, cohortIngress: { kind: 'drop-all' } };
  }
  const c = shaping.conditions;
  const filter: IngressFilter = c.lossPercent !== undefined && c.lossVia === 'nftables' ? { kind: 'random-loss', percent: c.lossPercent } : { kind: 'none' };
  return {
    hubEgress: egress(c, c.downBitsPerSecond),
    cohortEgress: egress(c, c.upBitsPerSecond),
    hubIngress: filter,
    cohortIngress: filter,
  };
}

function egress(c: PlannedConditions, rate: number | undefined): EgressShaping | undefined {
  const netemLoss = c.lossPercent !== undefined && c.lossVia === 'netem' ? c.lossPercent : undefined;
  const netem =
    c.delayMs !== undefined || netemLoss !== undefined
      ? {
          ...(c.delayMs === undefined ? {} : { delayMs: c.delayMs }),
          ...(c.jitterMs === undefined ? {} : { jitterMs: c.jitterMs }),
          ...(netemLoss === undefined ? {} : { lossPercent: netemLoss }),
        }
      : undefined;
  if (rate === undefined && netem === undefined) return undefined;
  return { ...(rate === undefined ? {} : { rateBitsPerSecond: rate, rateVia: c.rateVia ?? 'tbf' }), ...(netem === undefined ? {} : { netem }) };
}

/**
 * tc argument lists (after `tc -n <namespace>`) that install `shaping` as the
 * root qdisc of `device`. netem, when used, is the root and the rate limiter
 * its child (netem's documented way to combine them); otherwise the rate
 * limiter is the root.
 */
export function egressQdiscCommands(device: string, shaping: EgressShaping): string[][] {
  const commands: string[][] = [];
  let parent = ['root'];
  let handle = '1:';
  if (shaping.netem !== undefined) {
    const n = shaping.netem;
    const args = ['qdisc', 'add', 'dev', device, 'root', 'handle', '1:', 'netem', 'limit', NETEM_LIMIT];
    if (n.delayMs !== undefined) {
      args.push('delay', `${n.delayMs}ms`);
      if (n.jitterMs !== undefined && n.jitterMs > 0) args.push(`${n.jitterMs}ms`);
    }
    if (n.lossPercent !== undefined) args.push('loss', `${n.lossPercent}%`);
    commands.push(args);
    parent = ['parent', '1:1'];
    handle = '10:';
  }
  if (shaping.rateBitsPerSecond !== undefined) {
    const rate = `${shaping.rateBitsPerSecond}bit`;
    const burst = String(burstBytes(shaping.rateBitsPerSecond));
    if (shaping.rateVia === 'htb') {
      const major = handle.slice(0, -1);
      commands.push(['qdisc', 'add', 'dev', device, ...parent, 'handle', handle, 'htb', 'default', '1']);
      commands.push([
        'class',
        'add',
        'dev',
        device,
        'parent',
        handle,
        'classid',
        `${major}:1`,
        'htb',
        'rate',
        rate,
        'ceil',
        rate,
        'burst',
        burst,
        'cburst',
        burst,
      ]);
    } else {
      commands.push(['qdisc', 'add', 'dev', device, ...parent, 'handle', handle, 'tbf', 'rate', rate, 'burst', burst, 'latency', RATE_QUEUE_LATENCY]);
    }
  }
  return commands;
}

/** tc arguments that remove whatever root qdisc `device` has (back to the kernel's default). */
export function removeQdiscCommand(device: string): string[] {
  return ['qdisc', 'del', 'dev', device, 'root'];
}

/**
 * The token bucket's size: 10 ms of traffic at the cap, and at least two
 * full-size frames, or a 1500-byte packet could never be sent at low rates.
 */
export function burstBytes(bitsPerSecond: number): number {
  return Math.max(3_000, Math.ceil(bitsPerSecond / 8 / 100));
}

/**
 * An nft script (for `nft -f -` inside the namespace) that atomically
 * replaces table `netdev <table>` with an ingress filter on `device`.
 * Declaring the table, deleting it and declaring it again in one transaction
 * is nftables' idiom for "replace, whether or not it exists"; with
 * `kind: 'none'` the script only removes it.
 */
export function ingressFilterScript(table: string, device: string, filter: IngressFilter): string {
  const lines = [`table netdev ${table}`, `delete table netdev ${table}`];
  if (filter.kind !== 'none') {
    const rule = filter.kind === 'drop-all' ? 'drop' : `numgen random mod ${LOSS_RESOLUTION} < ${Math.round((filter.percent / 100) * LOSS_RESOLUTION)} drop`;
    lines.push(
      `table netdev ${table} {`,
      `  chain ingress {`,
      `    type filter hook ingress device "${device}" priority 0; policy accept;`,
      `    ${rule}`,
      `  }`,
      `}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The nftables table (in a cohort namespace) that sends its loopback connections to the hub. */
export const LOOPBACK_REDIRECT_TABLE = 'rg_loopback';
export const EXPOSED_PORTS_SET = 'exposed_ports';

/**
 * An nft script for a cohort namespace: TCP connections to 127.0.0.1 on an
 * exposed port are sent to the hub's service address instead (DNAT keeps the
 * port), leaving with the cohort's own address as source. Together with
 * route_localnet (which lets a packet from 127.0.0.1 be routed out of a real
 * device at all) a participant opens the target's own URL,
 * http://127.0.0.1:<port>/…, unchanged: a secure context for getUserMedia,
 * and every absolute URL the page builds still works, while every byte
 * crosses the cohort's shaped link.
 */
export function loopbackRedirectScript(device: string, cohortAddress: string, hubAddress: string): string {
  return [
    `table ip ${LOOPBACK_REDIRECT_TABLE} {`,
    `  set ${EXPOSED_PORTS_SET} { type inet_service; }`,
    `  chain output {`,
    `    type nat hook output priority -100; policy accept;`,
    `    ip daddr 127.0.0.1 tcp dport @${EXPOSED_PORTS_SET} dnat to ${hubAddress}`,
    `  }`,
    `  chain postrouting {`,
    `    type nat hook postrouting priority 100; policy accept;`,
    `    oifname "${device}" ip saddr 127.0.0.0/8 snat to ${cohortAddress}`,
    `  }`,
    `}`,
    '',
  ].join('\n');
}

/** nft arguments that add `ports` to a cohort's exposed set. */
export function exposePortsCommand(ports: readonly number[]): string[] {
  return ['add', 'element', 'ip', LOOPBACK_REDIRECT_TABLE, EXPOSED_PORTS_SET, `{ ${ports.join(', ')} }`];
}
