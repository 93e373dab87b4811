import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromiumFlags, isRoot } from '../../src/browser/launch/chromium-flags.js';
import { findChromium } from '../../src/browser/launch/find-chromium.js';
import {
  createNetworkLab,
  detectNetworkCapabilities,
  NetworkLabError,
  NetworkProfileError,
  planNetworkLab,
  playNetworkChanges,
  removeStaleNetworkLabs,
  type CohortNetworkSpec,
  type NetworkChangeEvent,
  type NetworkLab,
} from '../../src/network/index.js';
import { processesIn } from '../../src/network/namespace-ops.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { hostNetworkSnapshot, type HostNetworkSnapshot } from '../helpers/network-snapshot.js';
import { acquireHostNetworkLock } from '../helpers/host-network-lock.js';
import { bulkDownloadInside, httpGetInside, linkCounters, ownLoopbackInside, startLoopbackServer, udpCountAcross } from '../helpers/netns-probes.js';

// Every test here builds real namespaces, veth pairs, qdiscs and nftables rules, so they all live in this
// one file: vitest runs files in parallel, and the "leaves the host exactly as it found it" check after
// each test must not see another file's lab.

const run = promisify(execFile);
const capabilities = await detectNetworkCapabilities();
const skipReason = !capabilities.namespaces.available
  ? capabilities.namespaces.reason
  : !capabilities.loopbackRedirect.available
    ? capabilities.loopbackRedirect.reason
    : undefined;

const CAP_BITS = 300_000;

function plan(cohorts: CohortNetworkSpec[], caps = capabilities) {
  return planNetworkLab(cohorts, { capabilities: caps });
}

async function withLab<T>(lab: NetworkLab, body: (lab: NetworkLab) => Promise<T>): Promise<T> {
  try {
    return await body(lab);
  } finally {
    await lab.teardown();
  }
}

describe.skipIf(skipReason !== undefined)(`network lab${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, () => {
  let before: HostNetworkSnapshot;
  let target: Awaited<ReturnType<typeof startLoopbackServer>>;
  let releaseLock: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    // Other files build labs too (test/e2e/browser-cohorts.test.ts): one file at a time, or each would see the other's.
    releaseLock = await acquireHostNetworkLock();
    // As a run starts: labs of earlier runs that died without their teardown (a killed test run) go first.
    await removeStaleNetworkLabs();
    target = await startLoopbackServer();
    // Long enough to wait for the other file holding the lock.
  }, 900_000);
  afterAll(async () => {
    await target.close();
    await releaseLock?.();
  });
  beforeEach(async () => {
    before = await hostNetworkSnapshot();
  });
  afterEach(async () => {
    expect(await hostNetworkSnapshot()).toEqual(before);
  });

  it('detects exactly what trying tbf, htb, netem and nftables by hand finds on this host', async () => {
    const namespace = `rg-manual-${process.pid}`;
    const tries = async (file: string, args: string[]) =>
      run(file, args).then(
        () => true,
        () => false,
      );
    await run('ip', ['netns', 'add', namespace]);
    try {
      await run('ip', ['-n', namespace, 'link', 'add', 'name', 'veth-a', 'type', 'veth', 'peer', 'name', 'veth-b']);
      await run('ip', ['-n', namespace, 'link', 'set', 'veth-a', 'up']);
      const qdisc = async (args: string[]) => {
        const ok = await tries('tc', ['-n', namespace, 'qdisc', 'add', 'dev', 'veth-a', 'root', ...args]);
        await tries('tc', ['-n', namespace, 'qdisc', 'del', 'dev', 'veth-a', 'root']);
        return ok;
      };
      const manual = {
        tbf: await qdisc(['tbf', 'rate', '1mbit', 'burst', '32kbit', 'latency', '400ms']),
        htb: await qdisc(['handle', '1:', 'htb', 'default', '1']),
        netem: await qdisc(['netem', 'delay', '10ms']),
        nftables:
          (await tries('ip', ['netns', 'exec', namespace, 'nft', 'add', 'table', 'netdev', 't'])) &&
          (await tries('ip', [
            'netns',
            'exec',
            namespace,
            'nft',
            'add',
            'chain',
            'netdev',
            't',
            'c',
            '{ type filter hook ingress device "veth-a" priority 0; }',
          ])) &&
          (await tries('ip', ['netns', 'exec', namespace, 'nft', 'add', 'rule', 'netdev', 't', 'c', 'numgen', 'random', 'mod', '100', '<', '10', 'drop'])),
      };
      expect({
        tbf: capabilities.tbf.available,
        htb: capabilities.htb.available,
        netem: capabilities.netem.available,
        nftables: capabilities.nftables.available,
      }).toEqual(manual);
      if (!capabilities.netem.available) expect(capabilities.netem.reason).toContain('netem');
    } finally {
      await run('ip', ['netns', 'del', namespace]);
    }
  });

  it('refuses, before building anything, a profile this host cannot do', async () => {
    const delayed = [{ name: 'far', network: { delay: '100ms' } }];
    if (capabilities.netem.available) {
      expect(plan(delayed).cohorts[0]!.base.label).toBe('100ms delay');
    } else {
      expect(() => plan(delayed)).toThrow(NetworkProfileError);
      expect(() => plan(delayed)).toThrow(/delay needs tc netem \(kernel module sch_netem\), which this host lacks/);
    }
  });

  it('lets a clean and a lossy cohort reach the root loopback server through the hub, capping and dropping only the lossy one', async () => {
    const p = plan([{ name: 'clean' }, { name: 'lossy', network: { down: '300kbit', loss: '10%' } }]);
    await withLab(await createNetworkLab(p, { exposePorts: [target.port] }), async (lab) => {
      const clean = lab.cohort('clean');
      const lossy = lab.cohort('lossy');

      // The target's own URL works unchanged inside each cohort, and so does the hub's address.
      for (const cohort of [clean, lossy]) {
        expect(await httpGetInside(cohort.namespace, `http://127.0.0.1:${target.port}/from-${cohort.name}`, 10_000)).toEqual({
          ok: true,
          status: 200,
          body: `hello /from-${cohort.name}`,
        });
        expect(await httpGetInside(cohort.namespace, `http://${p.hub.serviceAddress}:${target.port}/via-hub`, 10_000)).toMatchObject({
          ok: true,
          body: 'hello /via-hub',
        });
      }
      expect(lab.forwardedConnections).toBeGreaterThanOrEqual(4);

      // Bulk download: the lossy cohort's rate is held near its cap, the clean one's is not.
      const url = `http://127.0.0.1:${target.port}/bulk?bytes=4000000`;
      const cleanRun = await bulkDownloadInside(clean.namespace, url, 3_000);
      const lossyRun = await bulkDownloadInside(lossy.namespace, url, 3_000);
      const bps = (r: { bytes: number; ms: number }) => (r.bytes * 8) / (r.ms / 1000);
      expect(lossyRun.bytes).toBeGreaterThan(0);
      expect(bps(lossyRun)).toBeLessThan(1.5 * CAP_BITS);
      expect(bps(lossyRun)).toBeLessThan(0.5 * bps(cleanRun));

      // UDP between the cohorts flows through the hub; about 10 % is lost each way, none on the clean link alone.
      const count = 1_000;
      const perSecond = 400; // 62-byte frames: about 200 kbit/s, below the cap, so the loss counted is the random loss
      const toLossy = await udpCountAcross({ from: clean.namespace, to: lossy.namespace, host: lossy.address, port: 40_001, count, perSecond });
      const fromLossy = await udpCountAcross({ from: lossy.namespace, to: clean.namespace, host: clean.address, port: 40_002, count, perSecond });
      const cleanOnly = await udpCountAcross({ from: clean.namespace, to: p.hub.namespace, host: p.cohorts[0]!.hubAddress, port: 40_003, count, perSecond });
      // Binomial(1000, 0.1): standard deviation 9.5 packets; ±60 is more than six of them.
      expect(toLossy).toBeGreaterThanOrEqual(840);
      expect(toLossy).toBeLessThanOrEqual(960);
      expect(fromLossy).toBeGreaterThanOrEqual(840);
      expect(fromLossy).toBeLessThanOrEqual(960);
      expect(cleanOnly).toBeGreaterThanOrEqual(990);
    });
  }, 180_000);

  it('caps bandwidth with htb where tbf is not available', async () => {
    const noTbf = { ...capabilities, tbf: { available: false as const, reason: 'pretend', hint: 'pretend' } };
    const p = plan([{ name: 'clean' }, { name: 'slow', network: { down: '300kbit' } }], noTbf);
    expect(p.cohorts[1]!.base).toMatchObject({ conditions: { rateVia: 'htb' } });
    await withLab(await createNetworkLab(p, { exposePorts: [target.port] }), async (lab) => {
      const url = `http://127.0.0.1:${target.port}/bulk?bytes=4000000`;
      const cleanRun = await bulkDownloadInside(lab.cohort('clean').namespace, url, 2_000);
      const slowRun = await bulkDownloadInside(lab.cohort('slow').namespace, url, 2_000);
      const bps = (r: { bytes: number; ms: number }) => (r.bytes * 8) / (r.ms / 1000);
      expect(slowRun.bytes).toBeGreaterThan(0);
      expect(bps(slowRun)).toBeLessThan(1.5 * CAP_BITS);
      expect(bps(slowRun)).toBeLessThan(0.5 * bps(cleanRun));
    });
  });

  it('stops all of a cohort’s traffic during a blackout, keeps its own loopback, and restores it on revert', async () => {
    const p = plan([{ name: 'flaky', network: { down: '2mbit', changes: [{ at: '0s', for: '1s', network: 'blackout' }] } }]);
    await withLab(await createNetworkLab(p, { exposePorts: [target.port] }), async (lab) => {
      const flaky = lab.cohort('flaky');
      const hello = `http://127.0.0.1:${target.port}/hello`;
      const udp = (port: number) =>
        udpCountAcross({ from: flaky.namespace, to: p.hub.namespace, host: p.cohorts[0]!.hubAddress, port, count: 100, perSecond: 200 });
      expect(await httpGetInside(flaky.namespace, hello)).toMatchObject({ ok: true });
      // A blackout switches only the drop filters: the cap's queue stays installed throughout.
      const hubQdisc = async () => (await run('tc', ['-n', p.hub.namespace, 'qdisc', 'show', 'dev', p.cohorts[0]!.hubDevice])).stdout;
      const capped = await hubQdisc();
      expect(capped).toMatch(/qdisc tbf 1: root .*rate 2Mbit/);

      await flaky.apply(flaky.plan.changes[0]!);
      expect(flaky.current.kind).toBe('blackout');
      expect(await hubQdisc()).toBe(capped);
      expect(await httpGetInside(flaky.namespace, hello, 1_500)).toMatchObject({ ok: false });
      expect(await udp(40_011)).toBe(0);
      expect(await ownLoopbackInside(flaky.namespace)).toEqual({ ok: true, body: 'own loopback' });

      await flaky.revert();
      expect(flaky.current).toEqual(flaky.plan.base);
      expect(await hubQdisc()).toBe(capped);
      expect(await httpGetInside(flaky.namespace, hello, 10_000)).toMatchObject({ ok: true, body: 'hello /hello' });
      expect(await udp(40_012)).toBeGreaterThanOrEqual(98);

      // Played on a schedule: applied, then reverted, and the link ends on the cohort's own profile.
      const events: NetworkChangeEvent[] = [];
      await playNetworkChanges(flaky, { signal: new AbortController().signal, onChange: (event) => events.push(event) });
      expect(events.map((e) => [e.cohort, e.phase, e.change.shaping.label])).toEqual([
        ['flaky', 'applied', 'blackout'],
        ['flaky', 'reverted', 'blackout'],
      ]);
      expect(flaky.current).toEqual(flaky.plan.base);
      expect(await httpGetInside(flaky.namespace, hello, 10_000)).toMatchObject({ ok: true });
    });
  }, 120_000);

  it('switches a link to other conditions for a change and back to its own: queue and filters replaced, then restored', async () => {
    const p = plan([{ name: 'dip', network: { down: '2mbit', changes: [{ at: '0s', for: '1s', network: { down: '100kbit', loss: '50%' } }] } }]);
    await withLab(await createNetworkLab(p), async (lab) => {
      const dip = lab.cohort('dip');
      const hub = p.hub.namespace;
      const hubQdisc = async () => (await run('tc', ['-n', hub, 'qdisc', 'show', 'dev', p.cohorts[0]!.hubDevice])).stdout;
      const tables = async (namespace: string) => (await run('ip', ['netns', 'exec', namespace, 'nft', 'list', 'tables', 'netdev'])).stdout.trim();
      const own = await hubQdisc();
      expect(own).toMatch(/tbf 1: root .*rate 2Mbit/);
      expect([await tables(hub), await tables(dip.namespace)]).toEqual(['', '']);

      await dip.apply(dip.plan.changes[0]!);
      expect(await hubQdisc()).toMatch(/tbf 1: root .*rate 100Kbit/);
      expect([await tables(hub), await tables(dip.namespace)]).toEqual(['table netdev rg_link_c0', 'table netdev rg_link']);

      await dip.revert();
      expect(await hubQdisc()).toBe(own);
      expect([await tables(hub), await tables(dip.namespace)]).toEqual(['', '']);
      // Once more: the same switch works again from the restored state.
      await dip.apply(dip.plan.changes[0]!);
      await dip.revert();
      expect(await hubQdisc()).toBe(own);
    });
  }, 60_000);

  it('an interrupted schedule puts the cohort’s own profile back', async () => {
    const p = plan([{ name: 'flaky', network: { changes: [{ at: '0s', for: '1h', network: 'blackout' }] } }]);
    await withLab(await createNetworkLab(p), async (lab) => {
      const flaky = lab.cohort('flaky');
      const stop = new AbortController();
      const events: NetworkChangeEvent[] = [];
      const playing = playNetworkChanges(flaky, {
        signal: stop.signal,
        onChange: (event) => {
          events.push(event);
          if (event.phase === 'applied') stop.abort();
        },
      });
      await playing;
      expect(events.map((e) => e.phase)).toEqual(['applied', 'reverted']);
      expect(flaky.current).toEqual(flaky.plan.base);
    });
  });

  describe('Chromium inside a cohort', () => {
    const browsers: Browser[] = [];
    afterEach(async () => {
      await Promise.allSettled(browsers.splice(0).map((b) => b.close()));
    });

    async function launchIn(lab: NetworkLab, cohort: string): Promise<Browser> {
      const browser = await puppeteer.launch({
        executablePath: await lab.cohort(cohort).chromiumExecutable(findChromium()),
        headless: true,
        args: chromiumFlags({ runningAsRoot: isRoot() }),
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        pipe: true,
        protocolTimeout: 60_000,
      });
      browsers.push(browser);
      return browser;
    }

    it('loads a page from the root loopback server through the hub, over puppeteer’s pipe, as a secure context', async () => {
      const p = plan([{ name: 'lossy', network: { down: '1mbit', loss: '5%' } }]);
      await withLab(await createNetworkLab(p, { exposePorts: [target.port] }), async (lab) => {
        const cohort = lab.cohort('lossy');
        const counters = await linkCounters(cohort.namespace, cohort.plan.device);
        const browser = await launchIn(lab, 'lossy');
        // The browser really runs in the cohort's namespace (ip netns identifies a process by its namespace).
        const { stdout } = await run('ip', ['netns', 'identify', String(browser.process()!.pid)]);
        expect(stdout.trim()).toBe(cohort.namespace);
        const page = await browser.newPage();
        const response = await page.goto(`http://127.0.0.1:${target.port}/page`, { timeout: 30_000 });
        expect(response?.status()).toBe(200);
        expect(await page.evaluate(() => ({ text: document.getElementById('greeting')?.textContent, secure: window.isSecureContext }))).toEqual({
          text: 'served from the root namespace',
          secure: true,
        });
        const after = await linkCounters(cohort.namespace, cohort.plan.device);
        expect(after.rxBytes).toBeGreaterThan(counters.rxBytes);
        // `localhost` too: Chromium tries ::1 first, finds nothing there and falls back to 127.0.0.1.
        const byName = await page.goto(`http://localhost:${target.port}/hello`, { timeout: 30_000 });
        expect(await byName?.text()).toBe('hello /hello');
        await browser.close();
      });
    });

    it('exchanges WebRTC media between participants in two cohorts, across the hub', async () => {
      const p = plan([
        { name: 'north', network: { up: '2mbit' } },
        { name: 'south', network: { down: '2mbit', loss: '2%' } },
      ]);
      await withLab(await createNetworkLab(p, { exposePorts: [target.port] }), async (lab) => {
        const [north, south] = await Promise.all([launchIn(lab, 'north'), launchIn(lab, 'south')]);
        const open = async (browser: Browser): Promise<Page> => {
          const page = await browser.newPage();
          await page.goto(`http://127.0.0.1:${target.port}/page`, { timeout: 30_000 });
          await page.evaluate(async () => {
            const pc = new RTCPeerConnection();
            const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
            for (const track of stream.getTracks()) pc.addTrack(track, stream);
            (window as unknown as { pc: RTCPeerConnection }).pc = pc;
          });
          return page;
        };
        const [offerer, answerer] = await Promise.all([open(north), open(south)]);
        // Non-trickle: each side's description carries all its (host) candidates.
        const describe = (page: Page, remote: RTCSessionDescriptionInit | null) =>
          page.evaluate(async (remoteDescription) => {
            const pc = (window as unknown as { pc: RTCPeerConnection }).pc;
            if (remoteDescription !== null) await pc.setRemoteDescription(remoteDescription);
            await pc.setLocalDescription(remoteDescription === null ? await pc.createOffer() : await pc.createAnswer());
            if (pc.iceGatheringState !== 'complete') {
              await new Promise<void>((resolve) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve()));
            }
            return { type: pc.localDescription!.type, sdp: pc.localDescription!.sdp };
          }, remote);
        const offer = await describe(offerer, null);
        const answer = await describe(answerer, offer);
        await offerer.evaluate(async (a) => (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription(a), answer);
        expect(offer.sdp).toContain(lab.cohort('north').address);
        expect(answer.sdp).toContain(lab.cohort('south').address);

        await answerer.waitForFunction(
          async () => {
            const stats = await (window as unknown as { pc: RTCPeerConnection }).pc.getStats();
            return [...stats.values()].some(
              (s: { type: string; kind?: string; packetsReceived?: number }) => s.type === 'inbound-rtp' && s.kind === 'video' && (s.packetsReceived ?? 0) > 20,
            );
          },
          { timeout: 30_000, polling: 250 },
        );
        // The media path: the south participant receives from the north cohort's address.
        const remoteAddress = await answerer.evaluate(async () => {
          const stats = [...(await (window as unknown as { pc: RTCPeerConnection }).pc.getStats()).values()] as {
            type: string;
            id: string;
            selectedCandidatePairId?: string;
            remoteCandidateId?: string;
            address?: string;
          }[];
          const transport = stats.find((s) => s.type === 'transport');
          const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
          return stats.find((s) => s.id === pair?.remoteCandidateId)?.address;
        });
        expect(remoteAddress).toBe(lab.cohort('north').address);
        await Promise.all([north.close(), south.close()]);
      });
    });
  });

  it('removes what it built, and nothing else, when setup fails half-way', async () => {
    const p = plan([{ name: 'a', network: { loss: '5%' } }, { name: 'b' }]);
    const squatter = p.cohorts[1]!.namespace;
    // Someone else's namespace with the name cohort b needs: creating it fails after the hub and cohort a exist.
    await run('ip', ['netns', 'add', squatter]);
    try {
      const failure = await createNetworkLab(p).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(NetworkLabError);
      expect((failure as NetworkLabError).message).toContain(`creating network namespace ${squatter} failed`);
      const { stdout } = await run('ip', ['netns', 'list']);
      expect(stdout).toContain(squatter);
      expect(stdout).not.toContain(p.hub.namespace);
      expect(stdout).not.toContain(p.cohorts[0]!.namespace);
    } finally {
      await run('ip', ['netns', 'del', squatter]);
    }
  });

  it('removes what it built when aborted during setup', async () => {
    const p = plan([
      { name: 'a', network: { down: '1mbit' } },
      { name: 'b', network: { loss: '3%' } },
    ]);
    const abort = new AbortController();
    const steps: string[] = [];
    const failure = await createNetworkLab(p, {
      signal: abort.signal,
      exposePorts: [target.port],
      onProgress: (step) => {
        steps.push(step);
        if (step.startsWith('linking cohort "b"')) abort.abort(new Error('interrupted by the test'));
      },
    }).catch((error: unknown) => error);
    expect(failure).toEqual(new Error('interrupted by the test'));
    expect(steps.at(-1)).toMatch(/^linking cohort "b"/);
  });

  it('tears down idempotently, killing what was left running inside its namespaces', async () => {
    const p = plan([{ name: 'a' }]);
    const lab = await createNetworkLab(p, { exposePorts: [target.port] });
    const inside = lab.cohort('a').commandInside(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    const straggler = spawn(inside.file, inside.args, { stdio: 'ignore' });
    const exited = once(straggler, 'exit');
    // Until it has entered the namespace (bounded by the test's timeout).
    while ((await processesIn(lab.cohort('a').namespace)).length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all([lab.teardown(), lab.teardown()]);
    await lab.teardown();
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');
    await expect(lab.exposeLoopbackPort(target.port + 1)).rejects.toThrow(NetworkLabError);
  });

  it('tears down on SIGINT of the process that owns the lab', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/network-lab-child.ts'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const namespaces = await readyNamespaces(child);
    expect((await run('ip', ['netns', 'list'])).stdout).toContain(namespaces[0]);
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    expect(code).toBe(130);
  });

  it('removes the labs of runs that were killed outright, and leaves those of live runs alone', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/network-lab-child.ts'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const orphaned = await readyNamespaces(child);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect((await run('ip', ['netns', 'list'])).stdout).toContain(orphaned[0]);

    const p = plan([{ name: 'alive' }]);
    await withLab(await createNetworkLab(p), async () => {
      const removed = await removeStaleNetworkLabs();
      expect(removed.sort()).toEqual([...orphaned].sort());
      const { stdout } = await run('ip', ['netns', 'list']);
      expect(stdout).toContain(p.hub.namespace);
      expect(stdout).toContain(p.cohorts[0]!.namespace);
    });
  });
});

async function readyNamespaces(child: ReturnType<typeof spawn>): Promise<string[]> {
  let output = '';
  child.stdout!.setEncoding('utf8');
  for await (const chunk of child.stdout! as AsyncIterable<string>) {
    output += chunk;
    const line = output.split('\n').find((l) => l.startsWith('{'));
    if (line !== undefined && output.includes('\n')) return (JSON.parse(line) as { namespaces: string[] }).namespaces;
  }
  throw new Error(`the lab owner exited before it was ready: ${output}`);
}
