import { afterEach, describe, expect, it } from 'vitest';
import { DAILY_FAULTS, type DailyFault } from '../fixtures/apis/daily/faults.js';
import { createDailyServer, DAILY_DEFAULT_CREDENTIALS } from '../fixtures/apis/daily/server.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { named, skipsWithoutReason, vendorContract } from '../helpers/vendor-gate.js';

/**
 * The whole gate on the Daily-like API through examples/daily/profile.yaml:
 * the clean server passes every group that applies (the rest skip, each with
 * its reason), and each seeded defect makes the gate exit 1 naming the check
 * that catches it. The auth, error-shape, input and rate-limit defects have
 * their rows in vendor-daily-auth.test.ts; this file has the others.
 */
const FIRST = DAILY_DEFAULT_CREDENTIALS[0]!;
const SECOND = DAILY_DEFAULT_CREDENTIALS[1]!;
// A bearer key needs no id: the domain names the second client in messages.
const SECOND_CLIENT = { id: SECOND.domain, secret: SECOND.apiKey };
// A quota the burst reaches (under --rate-limit-budget's 2000) that the other groups, ~400 requests, never do.
const BURST_QUOTA = { quota: 1000, windowSeconds: 30 };

/** Each seeded defect not proven in vendor-daily-auth.test.ts: the groups that catch it, and the checks that must fail. */
const ROWS: { fault: DailyFault; only: string[]; checks: string[] }[] = [
  { fault: 'get-drops-max-participants', only: ['lifecycle'], checks: ['lifecycle.get-matches-create'] },
  { fault: 'delete-keeps-room', only: ['lifecycle'], checks: ['lifecycle.delete-closes-room', 'lifecycle.second-delete-documented'] },
  { fault: 'list-skips-at-page-boundary', only: ['lifecycle'], checks: ['lifecycle.pagination'] },
  { fault: 'cross-domain-access', only: ['identity'], checks: ['identity.other-client-cannot-read', 'identity.other-client-cannot-close'] },
];
const IN_AUTH_FILE: DailyFault[] = ['accepts-out-of-range-max-participants', 'error-body-shape', 'ratelimit-remaining-static'];
/** Defects of the join page, not of the API: the browser step catches them (test/e2e/browser-daily-profile.test.ts). */
const IN_BROWSER_FILE: DailyFault[] = ['join-refused'];

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function gate(faults: DailyFault[], only: readonly string[], rateLimit?: typeof BURST_QUOTA) {
  server = await createDailyServer({ faults, ...(rateLimit === undefined ? {} : { rateLimit }) });
  return vendorContract('daily', server.url, { secret: FIRST.apiKey }, only, { second: SECOND_CLIENT });
}

describe('roomgate contract --profile examples/daily/profile.yaml, the whole gate', { timeout: 120_000 }, () => {
  it('every seeded defect of the fixture has its row (here, in vendor-daily-auth.test.ts or, for the join page, browser-daily-profile.test.ts)', () => {
    expect([...new Set([...ROWS.map((r) => r.fault), ...IN_AUTH_FILE, ...IN_BROWSER_FILE])].sort()).toEqual(Object.keys(DAILY_FAULTS).sort());
  });

  it('passes the clean server over every group; what cannot apply (webhooks, idempotency, token auth) is skipped with its reason', async () => {
    const { code, checks, stderr } = await gate([], [], BURST_QUOTA);
    expect(
      checks.filter((c) => c.status === 'failed' || c.status === 'errored'),
      stderr,
    ).toEqual([]);
    expect(code).toBe(0);
    expect(skipsWithoutReason(checks)).toEqual([]);
    expect(named(checks, 'passed')).toEqual(
      expect.arrayContaining([
        'lifecycle.create-201-location',
        'lifecycle.create-takes-each-declared-field',
        'lifecycle.get-matches-create',
        'lifecycle.pagination',
        'lifecycle.delete-closes-room',
        'lifecycle.second-delete-documented',
        'lifecycle.unknown-room-404',
        'lifecycle.after-delete',
        'identity.other-client-cannot-read',
        'identity.other-client-cannot-close',
        'rate-limit.burst-reaches-429',
        'rate-limit.remaining-reaches-zero',
        'auth.bad-client-401',
        'coverage.invalid-inputs.CreateRoom',
      ]),
    );
    const skippedGroups = new Set(checks.filter((c) => c.status === 'skipped').map((c) => c.group));
    for (const group of ['lifecycle', 'identity', 'schema', 'coverage', 'generated', 'routing'])
      expect(
        named(
          checks.filter((c) => c.group === group),
          'passed',
        ).length,
        group,
      ).toBeGreaterThan(0);
    // The groups the API makes no promise for are skipped whole, never passed.
    for (const group of ['webhooks', 'idempotency']) {
      expect(skippedGroups.has(group), group).toBe(true);
      expect(
        checks.filter((c) => c.group === group && c.status !== 'skipped'),
        group,
      ).toEqual([]);
    }
  });

  for (const { fault, only, checks: catching } of ROWS) {
    it(`exits 1 naming ${catching.join(' and ')} when the server has ${fault}`, async () => {
      const { code, checks, stderr } = await gate([fault], only);
      expect(code, stderr).toBe(1);
      expect(named(checks, 'failed')).toEqual(expect.arrayContaining(catching));
      expect(named(checks, 'errored')).toEqual([]);
    });
  }
});
