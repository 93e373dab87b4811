import { describe, expect, it } from 'vitest';
import { browserMetricCatalog, recordQuality } from '../../src/browser/browser-metrics.js';
import { parseBrowserSlos } from '../../src/browser/browser-slos.js';
import { createBrowserStep } from '../../src/browser/browser-step.js';
import { planCohortNetwork } from '../../src/browser/cohorts/cohort-network.js';
import { loopbackPorts } from '../../src/browser/cohorts/loopback-ports.js';
import { assignCohorts, cohortSizes, validateCohorts, type CohortOptions } from '../../src/browser/cohorts/place-cohorts.js';
import { parseCohortFlag } from '../../src/cli/cohort-flag.js';
import { ConfigError, ConfigErrors, UsageError } from '../../src/errors.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import type { Capability, NetworkCapabilities } from '../../src/network/capabilities.js';
import { NetworkProfileError } from '../../src/network/index.js';
import { evaluateSlos } from '../../src/slo/evaluate.js';

// Placement, the --cohort flag, per-cohort SLOs and the cohorts' network plan are pure: no root needed.

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
  occupiedIpv4: [],
};

function configErrors(run: () => unknown): ConfigError[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigErrors) return [...error.errors];
    if (error instanceof ConfigError) return [error];
    throw error;
  }
  throw new Error('expected config errors');
}

describe('cohort placement', () => {
  it('splits what the shares leave equally between cohorts without one, so the shares make 100 %', () => {
    expect(validateCohorts([{ name: 'lossy', share: '25%' }, { name: 'a' }, { name: 'b' }]).map((c) => c.share)).toEqual([0.25, 0.375, 0.375]);
    expect(
      validateCohorts([
        { name: 'x', share: '33.33%' },
        { name: 'y', share: '33.33%' },
        { name: 'z', share: '33.33%' },
      ]).reduce((n, c) => n + c.share, 0),
    ).toBeCloseTo(1, 12);
  });

  it('reports every problem of the cohorts at once, each at its path', () => {
    const errors = configErrors(() =>
      validateCohorts([
        { name: 'lossy', share: '60%' },
        { name: 'lossy', share: '50%' },
        { name: 'bad name!', share: 'lots' },
        { name: 'x', shares: '1%' } as unknown as CohortOptions,
      ]),
    );
    expect(errors.map((e) => [e.path, e.message])).toEqual([
      ['cohorts[1].name', 'cohort name "lossy" is used twice'],
      ['cohorts[2].name', 'cohort name "bad name!" is not a name'],
      ['cohorts[2].share', '"lots" is not a percentage; write e.g. 10% or 0.5%'],
      ['cohorts[3].shares', 'unknown field "shares"'],
      ['cohorts', "the cohorts' shares add up to 110%, more than 100%"],
    ]);
    expect(
      configErrors(() =>
        validateCohorts([
          { name: 'a', share: '40%' },
          { name: 'b', share: '40%' },
        ]),
      )[0]!.message,
    ).toBe("the cohorts' shares add up to 80%, not 100%");
    expect(configErrors(() => validateCohorts([{ name: 'a', share: '100%' }, { name: 'b' }]))[0]!.message).toMatch(/leaving nothing for the 1 without one/);
  });

  it('places participants in contiguous blocks sized by largest remainder, so whole rooms stay in one cohort when the shares allow', () => {
    const halves = validateCohorts([
      { name: 'clean', share: '50%' },
      { name: 'lossy', share: '50%' },
    ]);
    // 2 rooms × 2 participants: room 1 is clean, room 2 lossy.
    expect(assignCohorts(4, halves)).toEqual([0, 0, 1, 1]);
    const thirds = validateCohorts([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    expect(cohortSizes(10, thirds)).toEqual([4, 3, 3]);
    expect(cohortSizes(2, thirds)).toEqual([1, 1, 0]);
    expect(cohortSizes(7, validateCohorts([{ name: 'few', share: '10%' }, { name: 'rest' }]))).toEqual([1, 6]);
  });

  it("exposes the loopback ports of the target, the join URLs and an adapter's signaling server, and nothing else", () => {
    expect(
      loopbackPorts([
        'http://127.0.0.1:4010/v1',
        'http://localhost:8000/videoroomtest.html',
        'ws://127.0.0.1:8188',
        'https://example.com:443/',
        'http://10.0.0.1:80/',
        'not a url',
        undefined,
      ]),
    ).toEqual([4010, 8000, 8188]);
  });
});

describe('--cohort', () => {
  it('reads NAME[:SHARE][:key=value,...] into a cohort, blackouts as timed changes', () => {
    expect(parseCohortFlag('clean:50%')).toEqual({ name: 'clean', share: '50%' });
    expect(parseCohortFlag('lossy:50%:down=300kbit,loss=10%,blackout=20s+6s')).toEqual({
      name: 'lossy',
      share: '50%',
      network: { down: '300kbit', loss: '10%', changes: [{ at: '20s', for: '6s', network: 'blackout' }] },
    });
    expect(parseCohortFlag('far:delay=100ms,jitter=20ms')).toEqual({ name: 'far', network: { delay: '100ms', jitter: '20ms' } });
    // A network part that ends in % is not a share.
    expect(parseCohortFlag('lossy:loss=5%')).toEqual({ name: 'lossy', network: { loss: '5%' } });
    expect(parseCohortFlag('lossy:25%:down=1mbit,loss=5%')).toEqual({ name: 'lossy', share: '25%', network: { down: '1mbit', loss: '5%' } });
  });

  it('refuses what it cannot split, saying the form', () => {
    expect(() => parseCohortFlag('lossy:50%:down=1mbit:extra')).toThrow(UsageError);
    expect(() => parseCohortFlag('lossy:speed=1mbit')).toThrow(/unknown key "speed"/);
    expect(() => parseCohortFlag('lossy:blackout=20s')).toThrow(/not AT\+FOR/);
    expect(() => parseCohortFlag(':50%')).toThrow(/no name/);
  });
});

describe('browser SLOs per cohort', () => {
  const catalog = browserMetricCatalog();

  it('reads the quality thresholds of the catalog in their own units', () => {
    const slos = parseBrowserSlos(
      ['freeze_ratio.p95 < 2%', 'fps.p50 >= 8', 'packet_loss.p95 < 3%', 'mos.p50 >= 3.5', 'video_recovery_time.p95 < 5s'],
      catalog,
      [],
    );
    expect(slos.map((s) => [s.metric, s.unit, s.threshold])).toEqual([
      ['freeze_ratio', 'ratio', 0.02],
      ['fps', 'count', 8],
      ['packet_loss', 'ratio', 0.03],
      ['mos', 'count', 3.5],
      ['video_recovery_time', 'ms', 5000],
    ]);
    expect(configErrors(() => parseBrowserSlos(['fps < 8'], catalog, []))[0]!.message).toBe('fps is a distribution: say which statistic');
    expect(configErrors(() => parseBrowserSlos(['packet_loss.p95 < 3ms'], catalog, []))[0]!.message).toMatch(/packet_loss is a ratio; "ms" does not fit/);
  });

  it('judges one cohort with a `cohort:` prefix, keeping the expression as written', () => {
    const [slo] = parseBrowserSlos(['lossy:packet_loss.p95 < 1%'], catalog, ['clean', 'lossy']);
    expect(slo).toMatchObject({ expression: 'lossy:packet_loss.p95 < 1%', metric: 'packet_loss', operation: 'lossy', threshold: 0.01, unit: 'ratio' });
    const [join] = parseBrowserSlos([{ threshold: 'lossy:join_time.p95 < 8s', abort_on_fail: false }], catalog, ['lossy']);
    expect(join).toMatchObject({ metric: 'join_time', operation: 'lossy', threshold: 8000 });
  });

  it('refuses an unknown cohort like an unknown metric, with every bad threshold of the list at once', () => {
    const errors = configErrors(() =>
      parseBrowserSlos(['lossi:fps.p50 >= 8', 'clean:fsp.p50 >= 8', 'fps.p50 >= 8'], catalog, ['clean', 'lossy'], { path: 'browser.slos' }),
    );
    expect(errors.map((e) => [e.path, e.message])).toEqual([
      ['browser.slos[0]', 'unknown cohort "lossi" (did you mean "lossy"?)'],
      ['browser.slos[1]', 'unknown metric or operation "fsp" (did you mean "fps"?)'],
    ]);
    expect(configErrors(() => parseBrowserSlos(['lossy:fps.p50 >= 8'], catalog, []))[0]).toMatchObject({
      message: '"lossy:" names a cohort, and this step has none',
    });
  });

  it('a cohort threshold reads only that cohort: the lossy cohort fails packet_loss.p95 < 1% while the clean one and the whole pass or fail on their own figures', () => {
    const registry = new MetricsRegistry({ startedAtMs: 0, now: () => 1000 });
    for (const loss of [0, 0, 0, 0]) recordQuality(registry, 'packet_loss', 'clean', loss);
    for (const loss of [0.18, 0.2, 0.21, 0.25]) recordQuality(registry, 'packet_loss', 'lossy', loss);
    registry.finish(1000);
    const slos = parseBrowserSlos(
      ['lossy:packet_loss.p95 < 1%', 'clean:packet_loss.p95 < 1%', 'packet_loss.p50 < 30%', 'lossy:packet_loss.p50 >= 20%'],
      catalog,
      ['clean', 'lossy'],
    );
    const verdicts = evaluateSlos(slos, registry, catalog);
    expect(verdicts.map((v) => [v.expression, v.status])).toEqual([
      ['lossy:packet_loss.p95 < 1%', 'failed'],
      ['clean:packet_loss.p95 < 1%', 'passed'],
      ['packet_loss.p50 < 30%', 'passed'],
      ['lossy:packet_loss.p50 >= 20%', 'passed'],
    ]);
    // HDR histograms keep 3 significant digits: the p95 is 25 % within 0.1 % of itself.
    expect(verdicts[0]!.status === 'failed' && verdicts[0]!.observed).toBeCloseTo(0.25, 3);
  });

  it('a step refuses cohort SLOs that name no cohort of its own before anything runs', () => {
    expect(() => createBrowserStep({ cohorts: [{ name: 'clean' }], slos: ['lossy:fps.p50 >= 8'] })).toThrow(/unknown cohort "lossy"/);
    expect(() => createBrowserStep({ slos: ['lossy:fps.p50 >= 8'] })).toThrow(/this step has none/);
  });
});

describe("the cohorts' network plan", () => {
  const cohorts = validateCohorts([
    { name: 'clean', share: '50%' },
    { name: 'lossy', share: '50%', network: { down: '300kbit', loss: '10%', changes: [{ at: '6s', for: '6s', network: 'blackout' }] } },
  ]);

  it("gives every participant its own link with its cohort's profile, so media inside one cohort still crosses shaped links", () => {
    const plan = planCohortNetwork(cohorts, [0, 0, 1, 1], NO_NETEM, { holdMs: 20_000 });
    expect(plan.lab.cohorts.map((l) => [l.name, l.base.label, l.changes.length])).toEqual([
      ['clean/1', 'unshaped', 0],
      ['clean/2', 'unshaped', 0],
      ['lossy/1', '300kbit down, 10% loss', 1],
      ['lossy/2', '300kbit down, 10% loss', 1],
    ]);
    expect(new Set(plan.lab.cohorts.map((l) => l.namespace)).size).toBe(4);
    expect(plan.cohorts.map((c) => [c.name, c.network, c.participants])).toEqual([
      ['clean', 'unshaped', [0, 1]],
      ['lossy', '300kbit down, 10% loss', [2, 3]],
    ]);
  });

  it("refuses before the run what this host cannot do, at the cohort's own path (exit 2)", () => {
    const far = validateCohorts([{ name: 'far', network: { delay: '100ms' } }]);
    const errors = configErrors(() => planCohortNetwork(far, [0, 0], NO_NETEM, { holdMs: 5000 }));
    expect(errors[0]).toBeInstanceOf(NetworkProfileError);
    expect(errors[0]).toMatchObject({ path: 'cohorts[0].network.delay', exitCode: 2 });
    expect(errors[0]!.message).toMatch(/delay needs tc netem \(kernel module sch_netem\), which this host lacks/);
    const noNamespaces = { ...NO_NETEM, namespaces: missing('creating a network namespace failed: Operation not permitted') };
    expect(configErrors(() => planCohortNetwork(cohorts, [0, 1], noNamespaces, { holdMs: 20_000 }))[0]!.message).toMatch(
      /network cohorts need network namespaces, which this run cannot use: creating a network namespace failed/,
    );
  });

  it('refuses a change that ends after the hold', () => {
    const errors = configErrors(() => planCohortNetwork(cohorts, [0, 1], NO_NETEM, { holdMs: 10_000 }));
    expect(errors.map((e) => [e.path, e.message])).toEqual([['cohorts[1].network.changes[0]', 'this change ends 12s into the hold, which lasts 10s']]);
  });
});
