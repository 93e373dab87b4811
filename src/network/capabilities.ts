import { newRunTag, probeNamespaceName } from './lab-names.js';
import { sysctlProbeArgs } from './namespace-agent.js';
import { runCommand, type CommandOutcome } from './run-command.js';
import { egressQdiscCommands, exposePortsCommand, ingressFilterScript, loopbackRedirectScript, removeQdiscCommand } from './shaping-commands.js';

/**
 * What this host lets a run do to shape cohort networks, found by trying
 * each thing inside a throwaway namespace (never on the host's own
 * interfaces), with the very commands the lab will run. Kernel features
 * cannot be read off reliably: a module may be built in, loadable, or absent
 * (sch_netem is absent on this project's machines while tbf and htb load),
 * and only the attempt says which.
 */

export type Capability = { available: true } | { available: false; reason: string; hint: string };

export interface NetworkCapabilities {
  /** Create network namespaces and veth pairs, and run processes inside them. */
  namespaces: Capability;
  /** tc's token bucket filter (bandwidth caps). */
  tbf: Capability;
  /** tc's hierarchical token bucket (bandwidth caps where tbf is missing). */
  htb: Capability;
  /** tc netem (delay, jitter, loss). */
  netem: Capability;
  /** nftables netdev ingress filtering with random numbers (loss without netem, blackouts). */
  nftables: Capability;
  /** nftables NAT plus route_localnet: a cohort's 127.0.0.1:<port> reaches the hub. */
  loopbackRedirect: Capability;
  /** IPv4 prefixes the root namespace routes or holds, so the lab's addresses avoid them. */
  occupiedIpv4: readonly string[];
}

const PROBE_DEVICE = 'rg-probe0';
const PROBE_PEER = 'rg-probe1';
const OK: Capability = { available: true };

export async function detectNetworkCapabilities(options: { signal?: AbortSignal } = {}): Promise<NetworkCapabilities> {
  const { signal } = options;
  const occupiedIpv4 = await hostIpv4Prefixes(signal);
  const namespace = probeNamespaceName(newRunTag());
  const created = await runCommand('ip', ['netns', 'add', namespace], { signal });
  if (!created.ok) {
    const namespaces = namespaceProblem(created);
    const untested = unavailable('not tried: no namespace to try it in', 'see the namespaces capability');
    return { namespaces, tbf: untested, htb: untested, netem: untested, nftables: untested, loopbackRedirect: untested, occupiedIpv4 };
  }
  try {
    const ip = (args: string[]) => runCommand('ip', ['-n', namespace, ...args], { signal });
    const veth = await firstFailure([
      () => ip(['link', 'add', PROBE_DEVICE, 'type', 'veth', 'peer', 'name', PROBE_PEER]),
      () => ip(['link', 'set', PROBE_DEVICE, 'up']),
      () => ip(['link', 'set', PROBE_PEER, 'up']),
      () => runCommand('ip', sysctlProbeArgs(namespace, { 'net.ipv4.conf.all.route_localnet': '1' }), { signal }),
    ]);
    if (veth !== undefined) {
      const namespaces = unavailable(
        `namespaces can be created but not used: ${veth.reason}`,
        'the kernel needs veth support and the run needs CAP_NET_ADMIN and CAP_SYS_ADMIN; run as root or drop `cohorts` from the step',
      );
      const untested = unavailable('not tried: the probe namespace could not be set up', 'see the namespaces capability');
      return { namespaces, tbf: untested, htb: untested, netem: untested, nftables: untested, loopbackRedirect: untested, occupiedIpv4 };
    }
    const qdisc = async (kind: string, commands: string[][]): Promise<Capability> => {
      const failure = await firstFailure(commands.map((args) => () => runCommand('tc', ['-n', namespace, ...args], { signal })));
      await runCommand('tc', ['-n', namespace, ...removeQdiscCommand(PROBE_DEVICE)], { signal });
      if (failure === undefined) return OK;
      return failure.missing
        ? unavailable('tc is not installed', 'install iproute2 (apt-get install iproute2)')
        : unavailable(
            `tc ${kind}: ${failure.reason}`,
            `the kernel lacks the sch_${kind} module; load it (modprobe sch_${kind}) or run on a host whose kernel has it`,
          );
    };
    const tbf = await qdisc('tbf', egressQdiscCommands(PROBE_DEVICE, { rateBitsPerSecond: 1_000_000, rateVia: 'tbf' }));
    const htb = await qdisc('htb', egressQdiscCommands(PROBE_DEVICE, { rateBitsPerSecond: 1_000_000, rateVia: 'htb' }));
    const netem = await qdisc('netem', egressQdiscCommands(PROBE_DEVICE, { netem: { delayMs: 1, jitterMs: 1, lossPercent: 1 } }));
    const nft = (args: string[], input?: string) =>
      runCommand('ip', ['netns', 'exec', namespace, 'nft', ...args], { signal, ...(input === undefined ? {} : { input }) });
    const nftables = nftCapability(
      await nft(['-f', '-'], ingressFilterScript('rg_probe', PROBE_DEVICE, { kind: 'random-loss', percent: 10 })),
      'the kernel lacks nf_tables netdev ingress or numgen (nft_numgen)',
    );
    const loopbackRedirect = nftCapability(
      await firstFailure([() => nft(['-f', '-'], loopbackRedirectScript(PROBE_DEVICE, '10.0.0.2', '10.0.0.1')), () => nft(exposePortsCommand([9]))]),
      'the kernel lacks nftables NAT (nft_nat, nf_nat)',
    );
    return { namespaces: OK, tbf, htb, netem, nftables, loopbackRedirect, occupiedIpv4 };
  } finally {
    // Everything tried lives inside the probe namespace and goes with it.
    await runCommand('ip', ['netns', 'del', namespace]);
  }
}

function nftCapability(outcome: CommandOutcome | undefined, kernelProblem: string): Capability {
  if (outcome === undefined || outcome.ok) return OK;
  if (outcome.missing) return unavailable('nft is not installed', 'install nftables (apt-get install nftables)');
  return unavailable(`nft: ${outcome.reason}`, `${kernelProblem}; run on a host whose kernel has it`);
}

function namespaceProblem(outcome: Extract<CommandOutcome, { ok: false }>): Capability {
  if (outcome.missing) return unavailable('the `ip` command is not installed', 'install iproute2 (apt-get install iproute2), or drop `cohorts` from the step');
  return unavailable(
    `creating a network namespace failed: ${outcome.reason}`,
    'creating network namespaces needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN); run as root or drop `cohorts` from the step',
  );
}

/** Run in order; the first failing outcome, or undefined when all succeeded. */
async function firstFailure(steps: readonly (() => Promise<CommandOutcome>)[]): Promise<Extract<CommandOutcome, { ok: false }> | undefined> {
  for (const step of steps) {
    const outcome = await step();
    if (!outcome.ok) return outcome;
  }
  return undefined;
}

function unavailable(reason: string, hint: string): Capability {
  return { available: false, reason, hint };
}

/** IPv4 routes (every table) and addresses of the root namespace, read-only. */
async function hostIpv4Prefixes(signal?: AbortSignal): Promise<string[]> {
  const prefixes: string[] = [];
  const routes = await runCommand('ip', ['-j', '-4', 'route', 'show', 'table', 'all'], { signal });
  if (routes.ok) {
    for (const route of parseJsonArray(routes.stdout)) {
      const dst = (route as { dst?: unknown }).dst;
      if (typeof dst === 'string' && dst !== 'default') prefixes.push(dst);
    }
  }
  const addresses = await runCommand('ip', ['-j', '-4', 'addr', 'show'], { signal });
  if (addresses.ok) {
    for (const link of parseJsonArray(addresses.stdout)) {
      for (const info of ((link as { addr_info?: unknown }).addr_info as { local?: unknown; prefixlen?: unknown }[] | undefined) ?? []) {
        if (typeof info.local === 'string' && typeof info.prefixlen === 'number') prefixes.push(`${info.local}/${info.prefixlen}`);
      }
    }
  }
  return prefixes;
}

function parseJsonArray(text: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}
