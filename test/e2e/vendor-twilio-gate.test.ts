import { afterEach, describe, expect, it } from 'vitest';
import { TWILIO_FAULTS, type TwilioFault } from '../fixtures/apis/twilio/faults.js';
import { createTwilioServer, TWILIO_DEFAULT_CREDENTIALS } from '../fixtures/apis/twilio/server.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { named, skipsWithoutReason, vendorContract } from '../helpers/vendor-gate.js';

/**
 * The whole gate on the Twilio-like API through examples/twilio/profile.yaml
 * (form bodies, HTTP Basic, rooms closed by POSTing Status=completed): the
 * clean server passes every group that applies (the rest skip, each with its
 * reason), and each seeded defect makes the gate exit 1 naming the check that
 * catches it. The auth, schema and input defects have their rows in
 * vendor-twilio-auth.test.ts; this file has the others.
 */
const FIRST = TWILIO_DEFAULT_CREDENTIALS[0]!;
const SECOND = TWILIO_DEFAULT_CREDENTIALS[1]!;
// Another account's API key (an SK… SID with its secret).
const SECOND_CLIENT = { id: SECOND.sid, secret: SECOND.secret };

/** Each seeded defect not proven in vendor-twilio-auth.test.ts: the groups that catch it, and the checks that must fail. */
const ROWS: { fault: TwilioFault; only: string[]; checks: string[] }[] = [
  { fault: 'complete-keeps-in-progress', only: ['lifecycle'], checks: ['lifecycle.delete-closes-room', 'lifecycle.second-delete-documented'] },
  { fault: 'list-skips-at-page-boundary', only: ['lifecycle'], checks: ['lifecycle.pagination'] },
  { fault: 'unknown-room-500', only: ['lifecycle'], checks: ['lifecycle.unknown-room-404'] },
  { fault: 'cross-account-access', only: ['identity'], checks: ['identity.other-client-cannot-read', 'identity.other-client-cannot-close'] },
  // Also caught by generated.valid-accepted (in the auth file): the lifecycle group's own check of each declared create field.
  { fault: 'create-500-on-empty-room-timeout', only: ['lifecycle'], checks: ['lifecycle.create-takes-each-declared-field'] },
];
const IN_AUTH_FILE: TwilioFault[] = [
  'accepts-wrong-secret',
  'max-participants-as-string',
  'accepts-max-participants-over-limit',
  'create-500-on-empty-room-timeout',
];

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function gate(faults: TwilioFault[], only: readonly string[]) {
  server = await createTwilioServer({ faults });
  return vendorContract('twilio', server.url, { id: FIRST.sid, secret: FIRST.secret }, only, { second: SECOND_CLIENT });
}

describe('roomgate contract --profile examples/twilio/profile.yaml, the whole gate', { timeout: 120_000 }, () => {
  it('every seeded defect of the fixture has its row (here or in vendor-twilio-auth.test.ts)', () => {
    expect([...new Set([...ROWS.map((r) => r.fault), ...IN_AUTH_FILE])].sort()).toEqual(Object.keys(TWILIO_FAULTS).sort());
  });

  it('passes the clean server over every group; what cannot apply (webhooks, idempotency, join tokens, rate-limit headers, token auth) is skipped with its reason', async () => {
    const { code, checks, stderr } = await gate([], []);
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
        'lifecycle.status-filter',
        'auth.bad-client-401',
        'coverage.invalid-inputs.CreateRoom',
        'generated.valid-accepted.CreateRoom',
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
    for (const group of ['webhooks', 'idempotency', 'rate-limit']) {
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
