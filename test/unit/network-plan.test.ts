import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigErrors, ExitCode } from '../../src/errors.js';
import { chooseAddressBlock, cohortLinkAddresses, hubServiceAddress } from '../../src/network/addressing.js';
import type { Capability, NetworkCapabilities } from '../../src/network/capabilities.js';
import { cohortNamespaceName, hubNamespaceName, newRunTag, parseLabNamespace } from '../../src/network/lab-names.js';
import { NetworkProfileError, planNetworkLab, type CohortNetworkSpec, type NetworkLabPlan } from '../../src/network/index.js';
import { formatBandwidth, parseBandwidth, parsePercent } from '../../src/network/quantities.js';
import { burstBytes, egressQdiscCommands, ingressFilterScript, linkShapingParts, loopbackRedirectScript } from '../../src/network/shaping-commands.js';

// Planning is pure: these tests need no root and describe hosts by their capabilities.

const OK: Capability = { available: true };
const missing = (reason: string): Capability => ({ available: false, reason, hint: `fix ${reason}` });

/** This project's machines: everything but netem. */
const NO_NETEM: NetworkCapabilities = {
  namespaces: OK,
  tbf: OK,
  htb: OK,
  netem: missing('tc netem: Error: Specified qdisc kind is unknown.'),
  nftables: OK,
  loopbackRedirect: OK,
  occupiedIpv4: ['192.0.2.0/24', '127.0.0.0/8'],
};
const EVERYTHING: NetworkCapabilities = { ...NO_NETEM, netem: OK };

function plan(cohorts: CohortNetworkSpec[], capabilities: NetworkCapabilities = NO_NETEM): NetworkLabPlan {
  return planNetworkLab(cohorts, { capabilities, runTag: '4242-abcd' });
}

function planErrors(cohorts: unknown, capabilities: NetworkCapabilities = NO_NETEM): ConfigError[] {
  try {
    planNetworkLab(cohorts as CohortNetworkSpec[], { capabilities, runTag: '4242-abcd' });
  } catch (error) {
    if (error instanceof ConfigErrors) return [...error.errors];
    if (error instanceof ConfigError) return [error];
    throw error;
  }
  throw new Error('expected the plan to fail');
}

describe('network quantities', () => {
  it('reads bandwidths in bits per second with SI prefixes, as tc spells them', () => {
    expect(parseBandwidth('300kbit')).toEqual({ bitsPerSecond: 300_000 });
    expect(parseBandwidth('1.5mbit')).toEqual({ bitsPerSecond: 1_500_000 });
    expect(parseBandwidth('2Mbit/s')).toEqual({ bitsPerSecond: 2_000_000 });
    expect(parseBandwidth('1gbit')).toEqual({ bitsPerSecond: 1_000_000_000 });
  });

  it('refuses kbps, which tc would read as kilobytes, instead of guessing', () => {
    const result = parseBandwidth('300kbps');
    expect(result).toMatchObject({ problem: expect.stringContaining('300kbit') });
    expect(parseBandwidth('fast')).toMatchObject({ problem: expect.stringContaining('not a bandwidth') });
    expect(parseBandwidth('1kbit')).toMatchObject({ problem: expect.stringContaining('8kbit') });
  });

  it('reads percentages up to 100 and writes bandwidths back the way they were written', () => {
    expect(parsePercent('10%')).toEqual({ percent: 10 });
    expect(parsePercent('0.5 %')).toEqual({ percent: 0.5 });
    expect(parsePercent('10')).toMatchObject({ problem: expect.any(String) });
    expect(parsePercent('120%')).toMatchObject({ problem: expect.stringContaining('100%') });
    expect(formatBandwidth(300_000)).toBe('300kbit');
    expect(formatBandwidth(1_500_000)).toBe('1.5mbit');
  });
});

describe('lab names and addresses', () => {
  it('names namespaces after the owning pid so a later run can tell leftovers of dead runs', () => {
    const tag = newRunTag(1234);
    expect(tag).toMatch(/^1234-[0-9a-z]{4}$/);
    expect(parseLabNamespace(hubNamespaceName(tag))).toEqual({ ownerPid: 1234, runTag: tag });
    expect(parseLabNamespace(cohortNamespaceName(tag, 7))).toEqual({ ownerPid: 1234, runTag: tag });
    expect(parseLabNamespace('rg-something-else')).toBeUndefined();
    expect(parseLabNamespace('docker-ns')).toBeUndefined();
    expect(newRunTag(1)).not.toBe(newRunTag(1));
  });

  it('takes the first 10.x/16 block that no host route or address overlaps, ignoring the default route', () => {
    expect(chooseAddressBlock(['192.0.2.0/24', '127.0.0.0/8'])?.cidr).toBe('10.231.0.0/16');
    expect(chooseAddressBlock(['10.231.40.0/24'])?.cidr).toBe('10.232.0.0/16');
    expect(chooseAddressBlock(['10.231.3.7/32', '10.232.0.0/16'])?.cidr).toBe('10.233.0.0/16');
    expect(chooseAddressBlock(['10.0.0.0/8'])).toBeUndefined();
    expect(chooseAddressBlock(['0.0.0.0/0'])?.cidr).toBe('10.231.0.0/16');
    const block = { octet: 231, cidr: '10.231.0.0/16' };
    expect(cohortLinkAddresses(block, 3)).toEqual({ hub: '10.231.3.1', cohort: '10.231.3.2', prefixLength: 30 });
    expect(hubServiceAddress(block)).toBe('10.231.255.1');
  });
});

describe('planning cohort networks', () => {
  it('plans a clean and a lossy cohort: names with the run tag, one /30 each, loss by nftables without netem', () => {
    const p = plan([{ name: 'clean' }, { name: 'lossy', network: { down: '300kbit', loss: '10%' } }]);
    expect(p.hub).toEqual({ namespace: 'rg-4242-abcd-hub', serviceAddress: '10.231.255.1' });
    expect(p.cohorts.map((c) => [c.name, c.namespace, c.address, c.hubAddress])).toEqual([
      ['clean', 'rg-4242-abcd-c0', '10.231.0.2', '10.231.0.1'],
      ['lossy', 'rg-4242-abcd-c1', '10.231.1.2', '10.231.1.1'],
    ]);
    expect(p.cohorts[0]!.base).toEqual({ kind: 'shaped', conditions: {}, label: 'unshaped' });
    expect(p.cohorts[1]!.base).toEqual({
      kind: 'shaped',
      conditions: { downBitsPerSecond: 300_000, rateVia: 'tbf', lossPercent: 10, lossVia: 'nftables' },
      label: '300kbit down, 10% loss',
    });
  });

  it('uses netem for loss where the kernel has it, and htb for bandwidth where tbf is missing', () => {
    const withNetem = plan([{ name: 'lossy', network: { loss: '10%', delay: '100ms', jitter: '20ms' } }], EVERYTHING);
    expect(withNetem.cohorts[0]!.base).toMatchObject({ conditions: { lossVia: 'netem', delayMs: 100, jitterMs: 20 }, label: '10% loss, 100ms±20ms delay' });
    const htbOnly = plan([{ name: 'slow', network: { up: '1mbit' } }], { ...NO_NETEM, tbf: missing('no tbf') });
    expect(htbOnly.cohorts[0]!.base).toMatchObject({ conditions: { upBitsPerSecond: 1_000_000, rateVia: 'htb' } });
  });

  it('refuses delay and jitter on a host without netem, before any run, saying what to do', () => {
    const errors = planErrors([{ name: 'far', network: { delay: '100ms', jitter: '20ms' } }]);
    expect(errors.map((e) => e.path)).toEqual(['cohorts[0].network.delay', 'cohorts[0].network.jitter']);
    for (const error of errors) {
      expect(error).toBeInstanceOf(NetworkProfileError);
      expect(error.exitCode).toBe(ExitCode.usage);
      expect(error.message).toContain('tc netem (kernel module sch_netem), which this host lacks');
      expect(error.hint).toContain('remove delay');
    }
  });

  it('says once, with the fix, when the run cannot create namespaces at all', () => {
    const errors = planErrors([{ name: 'a', network: { delay: '1ms' } }, { name: 'b' }], {
      ...NO_NETEM,
      namespaces: {
        available: false,
        reason: 'creating a network namespace failed: Permission denied',
        hint: 'creating network namespaces needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN); run as root or drop `cohorts` from the step',
      },
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('Permission denied');
    expect(errors[0]!.hint).toContain('drop `cohorts`');
  });

  it('reports every malformed field at once, with its path', () => {
    const errors = planErrors([
      { name: 'a', network: { down: '300kbps', loss: 'ten', latency: '50ms' } },
      { name: 'a', network: { changes: [{ at: 'soon', for: '0s', network: 'offline' }] } },
      { name: '' },
    ]);
    expect(errors.map((e) => e.path)).toEqual([
      'cohorts[0].network.latency',
      'cohorts[0].network.down',
      'cohorts[0].network.loss',
      'cohorts[1].name',
      'cohorts[1].network.changes[0].at',
      'cohorts[1].network.changes[0].for',
      'cohorts[1].network.changes[0].network',
      'cohorts[2].name',
    ]);
    expect(errors[0]!.hint).toContain('did you mean');
  });

  it('plans timed changes in time order and refuses changes of one cohort that overlap', () => {
    const p = plan([
      {
        name: 'flaky',
        network: {
          down: '1mbit',
          changes: [
            { at: '40s', for: '5s', network: { down: '100kbit', loss: '20%' } },
            { at: '20s', for: '6s', network: 'blackout' },
          ],
        },
      },
    ]);
    expect(p.cohorts[0]!.changes.map((c) => [c.index, c.atMs, c.forMs, c.shaping.label])).toEqual([
      [1, 20_000, 6_000, 'blackout'],
      [0, 40_000, 5_000, '100kbit down, 20% loss'],
    ]);
    const errors = planErrors([
      {
        name: 'x',
        network: {
          changes: [
            { at: '10s', for: '10s', network: 'blackout' },
            { at: '15s', for: '1s', network: 'blackout' },
          ],
        },
      },
    ]);
    expect(errors.map((e) => [e.path, e.message])).toEqual([['cohorts[0].network.changes[1].at', 'this change starts before change 0 ends']]);
  });

  it('refuses a blackout without nftables and loss with neither netem nor nftables', () => {
    const noNft = { ...NO_NETEM, nftables: missing('nft is not installed') };
    const errors = planErrors([{ name: 'x', network: { loss: '5%', changes: [{ at: '1s', for: '1s', network: 'blackout' }] } }], noNft);
    expect(errors.map((e) => e.path)).toEqual(['cohorts[0].network.loss', 'cohorts[0].network.changes[0].network']);
    expect(errors[1]!.message).toContain('a blackout needs nftables');
  });
});

describe('shaping commands', () => {
  it('caps down on the hub end and up on the cohort end; nftables loss on both ingress hooks', () => {
    const parts = linkShapingParts({
      kind: 'shaped',
      conditions: { downBitsPerSecond: 300_000, rateVia: 'tbf', lossPercent: 10, lossVia: 'nftables' },
      label: '',
    });
    expect(parts.hubEgress).toEqual({ rateBitsPerSecond: 300_000, rateVia: 'tbf' });
    expect(parts.cohortEgress).toBeUndefined();
    expect(parts.hubIngress).toEqual({ kind: 'random-loss', percent: 10 });
    expect(parts.cohortIngress).toEqual({ kind: 'random-loss', percent: 10 });
    expect(egressQdiscCommands('rg-c1', parts.hubEgress!)).toEqual([
      ['qdisc', 'add', 'dev', 'rg-c1', 'root', 'handle', '1:', 'tbf', 'rate', '300000bit', 'burst', '3000', 'latency', '200ms'],
    ]);
    expect(burstBytes(100_000_000)).toBe(125_000);
  });

  it('puts netem at the root with the rate limiter as its child when both are needed', () => {
    const parts = linkShapingParts({
      kind: 'shaped',
      conditions: { upBitsPerSecond: 1_000_000, rateVia: 'htb', lossPercent: 2, lossVia: 'netem', delayMs: 50, jitterMs: 10 },
      label: '',
    });
    expect(parts.hubIngress).toEqual({ kind: 'none' });
    expect(egressQdiscCommands('rg-hub', parts.cohortEgress!)).toEqual([
      ['qdisc', 'add', 'dev', 'rg-hub', 'root', 'handle', '1:', 'netem', 'limit', '10000', 'delay', '50ms', '10ms', 'loss', '2%'],
      ['qdisc', 'add', 'dev', 'rg-hub', 'parent', '1:1', 'handle', '10:', 'htb', 'default', '1'],
      [
        'class',
        'add',
        'dev',
        'rg-hub',
        'parent',
        '10:',
        'classid',
        '10:1',
        'htb',
        'rate',
        '1000000bit',
        'ceil',
        '1000000bit',
        'burst',
        '3000',
        'cburst',
        '3000',
      ],
    ]);
    // Down has netem (delay and loss apply both ways) but no rate.
    expect(egressQdiscCommands('rg-c0', parts.hubEgress!)).toEqual([
      ['qdisc', 'add', 'dev', 'rg-c0', 'root', 'handle', '1:', 'netem', 'limit', '10000', 'delay', '50ms', '10ms', 'loss', '2%'],
    ]);
  });

  it('replaces the ingress filter atomically, drops everything in a blackout, and only removes it when unshaped', () => {
    expect(ingressFilterScript('rg_link', 'rg-hub', { kind: 'random-loss', percent: 10 })).toBe(
      [
        'table netdev rg_link',
        'delete table netdev rg_link',
        'table netdev rg_link {',
        '  chain ingress {',
        '    type filter hook ingress device "rg-hub" priority 0; policy accept;',
        '    numgen random mod 10000 < 1000 drop',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(ingressFilterScript('t', 'd', { kind: 'drop-all' })).toContain('\n    drop\n');
    expect(ingressFilterScript('t', 'd', { kind: 'none' })).toBe('table netdev t\ndelete table netdev t\n');
    const blackout = linkShapingParts({ kind: 'blackout', label: 'blackout' });
    expect(blackout).toEqual({ hubEgress: undefined, cohortEgress: undefined, hubIngress: { kind: 'drop-all' }, cohortIngress: { kind: 'drop-all' } });
  });

  it('sends only exposed TCP ports on 127.0.0.1 to the hub, leaving with the cohort address', () => {
    const script = loopbackRedirectScript('rg-hub', '10.231.1.2', '10.231.255.1');
    expect(script).toContain('ip daddr 127.0.0.1 tcp dport @exposed_ports dnat to 10.231.255.1');
    expect(script).toContain('oifname "rg-hub" ip saddr 127.0.0.0/8 snat to 10.231.1.2');
  });
});
