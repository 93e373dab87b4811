import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoopbackForwarder } from './loopback-forwarder.js';
import { listenInNamespace, writeNamespaceSysctls } from './namespace-agent.js';
import { deleteNamespace, killProcessesIn } from './namespace-ops.js';
import { NetworkLabError } from './network-errors.js';
import type { CohortLinkPlan, NetworkLabPlan } from './plan.js';
import type { PlannedChange, PlannedShaping } from './profile.js';
import { mustRun, runCommand } from './run-command.js';
import {
  egressQdiscCommands,
  exposePortsCommand,
  ingressFilterScript,
  linkShapingParts,
  loopbackRedirectScript,
  removeQdiscCommand,
  type EgressShaping,
  type IngressFilter,
} from './shaping-commands.js';

/**
 * The network lab of one run: a hub namespace and one namespace per cohort,
 * each cohort joined to the hub by a veth pair whose two ends carry the
 * cohort's shaping.
 *
 *     root namespace                 hub namespace (forwarding on)        cohort namespaces
 *     127.0.0.1:<port> target  <──   10.b.255.1:<port>  (sockets owned    ┌ rg-c0 10.b.0.1 ══ rg-hub 10.b.0.2  (cohort 0)
 *                                     by the harness, see below)  ────────┤
 *                                                                         └ rg-c1 10.b.1.1 ══ rg-hub 10.b.1.2  (cohort 1)
 *
 * - The root namespace gets no interface and no address: everything the lab
 *   adds exists only inside namespaces it created.
 * - Participants reach the target through the hub: a cohort's TCP to
 *   127.0.0.1:<exposed port> is NATed to the hub's service address (see
 *   loopbackRedirectScript), crosses the cohort's shaped link, and is accepted
 *   by the harness on a socket that lives in the hub (see namespace-agent),
 *   which pipes it to 127.0.0.1:<port> in the root namespace. Join URLs need
 *   no rewriting.
 * - Participants of different cohorts reach each other (WebRTC media over
 *   UDP, host candidates 10.b.n.2) through the hub's routing, crossing both
 *   cohorts' shaped links.
 *
 * Everything is torn down by `teardown()` (idempotent): also when setup
 * failed half-way (createNetworkLab removes what it made before it throws)
 * and after SIGINT (the runner's teardown stack calls it). A run killed
 * outright leaves namespaces that removeStaleNetworkLabs() recognises by
 * their dead owner's pid.
 */
export interface NetworkLab {
  readonly plan: NetworkLabPlan;
  readonly cohorts: readonly CohortNetwork[];
  /** The cohort named `name` (throws for an unknown name). */
  cohort(name: string): CohortNetwork;
  /** Let participants reach 127.0.0.1:`port` of the root namespace (at the same address in their own namespace). */
  exposeLoopbackPort(port: number | readonly number[], signal?: AbortSignal): Promise<void>;
  readonly exposedPorts: readonly number[];
  /** Connections the hub has forwarded to the root namespace so far. */
  readonly forwardedConnections: number;
  /** Remove every namespace, link, qdisc and rule of the lab; safe to call again. */
  teardown(): Promise<void>;
}

export interface CohortNetwork {
  readonly name: string;
  readonly namespace: string;
  /** The cohort's address on its link (participants' host candidates). */
  readonly address: string;
  readonly plan: CohortLinkPlan;
  /** What the link is set to now. */
  readonly current: PlannedShaping;
  /** Switch the link to a planned change (or any planned shaping). */
  apply(change: PlannedChange | PlannedShaping, signal?: AbortSignal): Promise<void>;
  /** Back to the cohort's own profile. */
  revert(signal?: AbortSignal): Promise<void>;
  /** `file args` run inside the cohort's namespace, as arguments for `ip`. */
  commandInside(file: string, args: readonly string[]): { file: 'ip'; args: string[] };
  /**
   * An executable that starts `chromium` inside the cohort's namespace, for
   * puppeteer's `executablePath` (the same pid, stdio and pipes: it execs).
   */
  chromiumExecutable(chromium: string): Promise<string>;
}

export interface NetworkLabOptions {
  signal?: AbortSignal;
  /** Root-namespace loopback ports participants need from the start (the target's). */
  exposePorts?: readonly number[];
  /** Told what setup is about to do, step by step (for logs). */
  onProgress?: (step: string) => void;
}

/** Build the lab of `plan`. On any failure or abort, removes what it built and rethrows. */
export async function createNetworkLab(plan: NetworkLabPlan, options: NetworkLabOptions = {}): Promise<NetworkLab> {
  const lab = new Lab(plan);
  try {
    await lab.build(options);
  } catch (error) {
    await lab.teardown().catch(() => undefined);
    throw error;
  }
  return lab;
}

const NO_QDISC = 'none';
const PARTIAL_QDISC = 'partial';

const HUB_LINK_TABLE = (index: number) => `rg_link_c${index}`;
const COHORT_LINK_TABLE = 'rg_link';

class Lab implements NetworkLab {
  readonly cohorts: Cohort[];
  private readonly created: string[] = [];
  private readonly forwarder = new LoopbackForwarder();
  private readonly exposed = new Set<number>();
  private exposing: Promise<void> = Promise.resolve();
  private wrapperDir: Promise<string> | undefined;
  private tearingDown: Promise<void> | undefined;

  constructor(readonly plan: NetworkLabPlan) {
    this.cohorts = plan.cohorts.map((cohort) => new Cohort(plan, cohort, () => this.chromiumDir()));
  }

  get exposedPorts(): readonly number[] {
    return [...this.exposed];
  }

  get forwardedConnections(): number {
    return this.forwarder.connections;
  }

  cohort(name: string): CohortNetwork {
    const cohort = this.cohorts.find((c) => c.name === name);
    if (cohort === undefined) throw new Error(`no cohort named "${name}" in this lab (cohorts: ${this.cohorts.map((c) => c.name).join(', ')})`);
    return cohort;
  }

  async build(options: NetworkLabOptions): Promise<void> {
    const { signal } = options;
    const step = (what: string) => {
      signal?.throwIfAborted();
      options.onProgress?.(what);
    };
    const hub = this.plan.hub.namespace;
    const ip = (what: string, args: string[]) => mustRun('ip', args, { what, signal });

    step(`creating hub namespace ${hub}`);
    await this.addNamespace(hub, signal);
    await ip('bringing up the hub loopback', ['-n', hub, 'link', 'set', 'lo', 'up']);
    await ip('adding the hub service address', ['-n', hub, 'addr', 'add', `${this.plan.hub.serviceAddress}/32`, 'dev', 'lo']);
    step('turning on forwarding in the hub');
    await writeNamespaceSysctls(hub, { 'net.ipv4.ip_forward': '1' }, signal);

    for (const cohort of this.cohorts) {
      const link = cohort.plan;
      const ns = link.namespace;
      step(`creating namespace ${ns} for cohort "${link.name}"`);
      await this.addNamespace(ns, signal);
      await ip('bringing up the cohort loopback', ['-n', ns, 'link', 'set', 'lo', 'up']);
      step(`linking cohort "${link.name}" to the hub`);
      await ip('creating the veth pair', ['-n', hub, 'link', 'add', link.hubDevice, 'type', 'veth', 'peer', 'name', link.device, 'netns', ns]);
      // No IPv6 link-local addresses on the link: no router solicitations or DAD on a shaped link, and no
      // fe80:: host candidates that no peer in another cohort could reach.
      await ip('configuring the hub end', ['-n', hub, 'link', 'set', link.hubDevice, 'addrgenmode', 'none']);
      await ip('configuring the cohort end', ['-n', ns, 'link', 'set', link.device, 'addrgenmode', 'none']);
      await ip('addressing the hub end', ['-n', hub, 'addr', 'add', `${link.hubAddress}/${link.prefixLength}`, 'dev', link.hubDevice]);
      await ip('addressing the cohort end', ['-n', ns, 'addr', 'add', `${link.address}/${link.prefixLength}`, 'dev', link.device]);
      await ip('bringing up the hub end', ['-n', hub, 'link', 'set', link.hubDevice, 'up']);
      await ip('bringing up the cohort end', ['-n', ns, 'link', 'set', link.device, 'up']);
      await ip('routing the cohort through the hub', ['-n', ns, 'route', 'add', 'default', 'via', link.hubAddress]);
      step(`sending cohort "${link.name}"'s loopback connections to the hub`);
      // Lets packets from 127.0.0.1 leave by the veth once NAT has pointed them at the hub.
      await writeNamespaceSysctls(ns, { 'net.ipv4.conf.all.route_localnet': '1' }, signal);
      await mustRun('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], {
        what: 'installing the loopback redirect',
        input: loopbackRedirectScript(link.device, link.address, this.plan.hub.serviceAddress),
        signal,
      });
      step(`shaping cohort "${link.name}": ${link.base.label}`);
      await cohort.revert(signal);
    }
    if (options.exposePorts !== undefined && options.exposePorts.length > 0) {
      step(`exposing loopback ports ${options.exposePorts.join(', ')}`);
      await this.exposeLoopbackPort(options.exposePorts, signal);
    }
  }

  exposeLoopbackPort(port: number | readonly number[], signal?: AbortSignal): Promise<void> {
    // One at a time: two callers exposing the same port must not both try to listen on it in the hub.
    const next = this.exposing.then(() => this.expose(port, signal));
    this.exposing = next.catch(() => undefined);
    return next;
  }

  private async expose(port: number | readonly number[], signal: AbortSignal | undefined): Promise<void> {
    if (this.tearingDown !== undefined) throw new NetworkLabError('the network lab is already torn down');
    const ports = (typeof port === 'number' ? [port] : port).filter((p) => !this.exposed.has(p));
    if (ports.length === 0) return;
    for (const p of ports) {
      if (!Number.isInteger(p) || p < 1 || p > 65_535) throw new NetworkLabError(`cannot expose port ${p}: not a TCP port`);
    }
    const servers = await listenInNamespace(this.plan.hub.namespace, this.plan.hub.serviceAddress, ports, signal);
    for (const [p, server] of servers) {
      await this.forwarder.serve(server, p);
      this.exposed.add(p);
    }
    for (const cohort of this.cohorts) {
      await mustRun('ip', ['netns', 'exec', cohort.namespace, 'nft', ...exposePortsCommand(ports)], {
        what: `exposing port ${ports.join(', ')} to cohort "${cohort.name}"`,
        signal,
      });
    }
  }

  teardown(): Promise<void> {
    this.tearingDown ??= this.removeEverything();
    return this.tearingDown;
  }

  private async addNamespace(namespace: string, signal: AbortSignal | undefined): Promise<void> {
    await mustRun('ip', ['netns', 'add', namespace], { what: `creating network namespace ${namespace}`, signal });
    // Recorded only once created: a name that already existed (another run's) is never ours to delete.
    this.created.push(namespace);
  }

  private chromiumDir(): Promise<string> {
    this.wrapperDir ??= mkdtemp(join(tmpdir(), `roomgate-netlab-${this.plan.runTag}-`));
    return this.wrapperDir;
  }

  private async removeEverything(): Promise<void> {
    this.forwarder.close();
    const namespaces = [...this.created].reverse();
    for (const namespace of namespaces) await killProcessesIn(namespace);
    // Deleting one end of a veth pair deletes both; done before the namespaces go so that no link
    // lingers in a namespace some process still pins.
    const hub = this.plan.hub.namespace;
    if (namespaces.includes(hub)) {
      for (const cohort of this.cohorts) await runCommand('ip', ['-n', hub, 'link', 'del', cohort.plan.hubDevice]);
    }
    const left: string[] = [];
    for (const namespace of namespaces) {
      const problem = await deleteNamespace(namespace);
      if (problem !== undefined) left.push(`${namespace} (${problem})`);
    }
    if (this.wrapperDir !== undefined) await rm(await this.wrapperDir, { recursive: true, force: true }).catch(() => undefined);
    if (left.length > 0) {
      throw new NetworkLabError(`could not remove network namespace ${left.join(', ')}`, {
        hint: `remove it by hand: ip netns del <name> (or run roomgate again: it removes labs whose run is gone)`,
      });
    }
  }
}

class Cohort implements CohortNetwork {
  current: PlannedShaping;
  /** What each end's egress qdisc is: NO_QDISC, PARTIAL_QDISC or the installed EgressShaping as JSON. */
  private qdiscs: { hub: string; cohort: string } = { hub: NO_QDISC, cohort: NO_QDISC };
  private filters = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly lab: NetworkLabPlan,
    readonly plan: CohortLinkPlan,
    private readonly wrapperDir: () => Promise<string>,
  ) {
    // Nothing is installed yet; build() applies the base shaping.
    this.current = { kind: 'shaped', conditions: {}, label: 'unshaped' };
  }

  get name(): string {
    return this.plan.name;
  }

  get namespace(): string {
    return this.plan.namespace;
  }

  get address(): string {
    return this.plan.address;
  }

  apply(change: PlannedChange | PlannedShaping, signal?: AbortSignal): Promise<void> {
    return this.enqueue('shaping' in change ? change.shaping : change, signal);
  }

  revert(signal?: AbortSignal): Promise<void> {
    return this.enqueue(this.plan.base, signal);
  }

  commandInside(file: string, args: readonly string[]): { file: 'ip'; args: string[] } {
    return { file: 'ip', args: ['netns', 'exec', this.namespace, file, ...args] };
  }

  async chromiumExecutable(chromium: string): Promise<string> {
    const path = join(await this.wrapperDir(), `chromium-cohort-${this.plan.index}`);
    const script = [
      '#!/bin/sh',
      `# roomgate network lab ${this.lab.runTag}: Chromium for cohort ${JSON.stringify(this.name).replace(/\n/g, ' ')} inside its network namespace.`,
      // exec, twice over (sh, then ip netns exec): puppeteer's pid, stdio and CDP pipes (fds 3 and 4) are Chromium's own.
      `exec ip netns exec ${shellQuote(this.namespace)} ${shellQuote(chromium)} "$@"`,
      '',
    ].join('\n');
    await writeFile(path, script, 'utf8');
    await chmod(path, 0o755);
    return path;
  }

  /** One change at a time per link: a revert must not interleave with the apply it undoes. */
  private enqueue(shaping: PlannedShaping, signal: AbortSignal | undefined): Promise<void> {
    const next = this.queue.then(() => this.set(shaping, signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async set(shaping: PlannedShaping, signal: AbortSignal | undefined): Promise<void> {
    const parts = linkShapingParts(shaping);
    // A blackout only drops, at both ingress hooks: the queues stay as they are (nothing reaches them),
    // so going black and coming back are two nft transactions each. That matters on a loaded host: the
    // moments the link goes black and comes back are what freezes and recovery times are measured from.
    if (shaping.kind === 'blackout') {
      await this.setFilters(parts.hubIngress, parts.cohortIngress, signal);
      this.current = shaping;
      return;
    }
    // Shape first, then let traffic through (which also ends a blackout last).
    await this.setQdisc('hub', parts.hubEgress, signal);
    await this.setQdisc('cohort', parts.cohortEgress, signal);
    await this.setFilters(parts.hubIngress, parts.cohortIngress, signal);
    this.current = shaping;
  }

  private async setQdisc(end: 'hub' | 'cohort', shaping: EgressShaping | undefined, signal: AbortSignal | undefined): Promise<void> {
    const wanted = shaping === undefined ? NO_QDISC : JSON.stringify(shaping);
    // Already installed (e.g. back from a blackout, which leaves the queues alone): nothing to do.
    if (this.qdiscs[end] === wanted) return;
    const namespace = end === 'hub' ? this.lab.hub.namespace : this.namespace;
    const device = end === 'hub' ? this.plan.hubDevice : this.plan.device;
    const tc = (args: string[], what: string) => mustRun('tc', ['-n', namespace, ...args], { what, signal });
    if (this.qdiscs[end] !== NO_QDISC) {
      await tc(removeQdiscCommand(device), `removing the shaping of ${device} (cohort "${this.name}")`);
      this.qdiscs[end] = NO_QDISC;
    }
    if (shaping === undefined) return;
    for (const args of egressQdiscCommands(device, shaping)) {
      // Half-installed until the last command succeeds: a later set() removes it and starts over.
      this.qdiscs[end] = PARTIAL_QDISC;
      await tc(args, `shaping ${device} (cohort "${this.name}")`);
    }
    this.qdiscs[end] = wanted;
  }

  private async setFilters(hub: IngressFilter, cohort: IngressFilter, signal: AbortSignal | undefined): Promise<void> {
    const wanted = hub.kind !== 'none' || cohort.kind !== 'none';
    if (!wanted && !this.filters) return;
    const nft = (namespace: string, script: string) =>
      mustRun('ip', ['netns', 'exec', namespace, 'nft', '-f', '-'], { what: `filtering the link of cohort "${this.name}"`, input: script, signal });
    await nft(this.lab.hub.namespace, ingressFilterScript(HUB_LINK_TABLE(this.plan.index), this.plan.hubDevice, hub));
    this.filters = true;
    await nft(this.namespace, ingressFilterScript(COHORT_LINK_TABLE, this.plan.device, cohort));
    this.filters = wanted;
  }
}

/** A single-quoted sh word: the only character to escape inside is the quote itself. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
