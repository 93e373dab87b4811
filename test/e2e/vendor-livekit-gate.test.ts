import { afterEach, describe, expect, it } from 'vitest';
import { LIVEKIT_FAULTS, type LiveKitFault } from '../fixtures/apis/livekit/faults.js';
import { createLiveKitServer, LIVEKIT_DEFAULT_CREDENTIALS } from '../fixtures/apis/livekit/server.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { named, skipsWithoutReason, vendorContract } from '../helpers/vendor-gate.js';

/**
 * The whole gate on the LiveKit-like RoomService through
 * examples/livekit/profile.yaml (Twirp JSON POSTs, a client-signed JWT, get =
 * ListRooms filtered by name, no status, no paging): the clean server passes
 * every group that applies (the rest skip, each with its reason), and each
 * seeded defect makes the gate exit 1 naming the check that catches it. The
 * auth, schema and input defects have their rows in
 * vendor-livekit-auth.test.ts; this file has the others.
 */
const FIRST = LIVEKIT_DEFAULT_CREDENTIALS[0]!;
const SECOND = LIVEKIT_DEFAULT_CREDENTIALS[1]!;
// Another project's API key.
const SECOND_CLIENT = { id: SECOND.apiKey, secret: SECOND.apiSecret };

/** Each seeded defect not proven in vendor-livekit-auth.test.ts: the groups that catch it, and the checks that must fail. */
const ROWS: { fault: LiveKitFault; only: string[]; checks: string[] }[] = [
  { fault: 'delete-keeps-room', only: ['lifecycle'], checks: ['lifecycle.delete-closes-room', 'lifecycle.second-delete-documented'] },
  { fault: 'list-drops-max-participants', only: ['lifecycle'], checks: ['lifecycle.get-matches-create'] },
  { fault: 'delete-unknown-ok', only: ['lifecycle'], checks: ['lifecycle.second-delete-documented'] },
  {
    fault: 'cross-project-visible',
    only: ['identity'],
    checks: ['identity.other-client-cannot-read', 'identity.other-client-cannot-close', 'identity.lists-never-show-other-clients-rooms'],
  },
  // Also caught by generated.valid-accepted (in the auth file): the lifecycle group's own check of each declared create field.
  { fault: 'create-500-with-metadata', only: ['lifecycle'], checks: ['lifecycle.create-takes-each-declared-field'] },
];
const IN_AUTH_FILE: LiveKitFault[] = [
  'skips-signature-check',
  'creation-time-as-number',
  'accepts-negative-max-participants',
  'error-not-twirp',
  'create-500-with-metadata',
];

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function gate(faults: LiveKitFault[], only: readonly string[]) {
  server = await createLiveKitServer({ faults });
  return vendorContract('livekit', server.url, { id: FIRST.apiKey, secret: FIRST.apiSecret }, only, { second: SECOND_CLIENT });
}

describe('roomgate contract --profile examples/livekit/profile.yaml, the whole gate', { timeout: 120_000 }, () => {
  it('every seeded defect of the fixture has its row (here or in vendor-livekit-auth.test.ts)', () => {
    expect([...new Set([...ROWS.map((r) => r.fault), ...IN_AUTH_FILE])].sort()).toEqual(Object.keys(LIVEKIT_FAULTS).sort());
  });

  it('passes the clean server over every group; what cannot apply (webhooks, idempotency, paging, status, rate-limit headers) is skipped with its reason', async () => {
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
        'lifecycle.delete-closes-room',
        'lifecycle.second-delete-documented',
        'lifecycle.unknown-room-404',
        'lifecycle.after-delete',
        'identity.other-client-cannot-read',
        'identity.other-client-cannot-close',
        'identity.lists-never-show-other-clients-rooms',
        'auth.wrong-signature-401',
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
