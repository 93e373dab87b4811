import { afterEach, describe, expect, it } from 'vitest';
import type { LiveKitFault } from '../fixtures/apis/livekit/faults.js';
import { createLiveKitServer, LIVEKIT_DEFAULT_CREDENTIALS } from '../fixtures/apis/livekit/server.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { AUTH_AND_INPUT_GROUPS, named, skipReasonOf, vendorContract } from '../helpers/vendor-gate.js';

/**
 * The LiveKit-like RoomService (Twirp JSON POSTs, a JWT roomgate signs itself
 * with the API secret, `{code, msg}` errors and a plain-text 401 from the key
 * middleware) judged through examples/livekit/profile.yaml: the clean server
 * passes the auth, error-shape, input and schema groups; each seeded fault of
 * those kinds makes the gate exit 1 naming its check.
 */
const KEY = LIVEKIT_DEFAULT_CREDENTIALS[0]!;

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function gate(faults: LiveKitFault[], only: readonly string[]) {
  server = await createLiveKitServer({ faults });
  return vendorContract('livekit', server.url, { id: KEY.apiKey, secret: KEY.apiSecret }, only);
}

describe('roomgate contract --profile examples/livekit/profile.yaml', { timeout: 180_000 }, () => {
  it('passes the clean server: forged, unsigned, expired and grant-less tokens refused (plain-text 401s as declared)', async () => {
    const { code, checks, stderr } = await gate([], AUTH_AND_INPUT_GROUPS);
    expect(
      checks.filter((c) => c.status === 'failed' || c.status === 'errored'),
      stderr,
    ).toEqual([]);
    expect(code).toBe(0);
    expect(named(checks, 'passed')).toEqual(
      expect.arrayContaining([
        'auth.missing-token-401',
        'auth.garbage-token-401',
        'auth.alg-none-401',
        'auth.wrong-signature-401',
        'auth.expired-token-401',
        'auth.missing-grant-401',
        'schema.CreateRoom',
        'coverage.invalid-inputs.CreateRoom',
        'generated.valid-accepted.CreateRoom',
        'routing.unknown-path-404',
      ]),
    );
    expect(skipReasonOf(checks, 'auth.bad-client-401')).toContain('jwt');
  });

  it('exits 1 naming the forged-token checks when signatures are not verified', async () => {
    const { code, checks } = await gate(['skips-signature-check'], ['auth']);
    expect(code).toBe(1);
    expect(named(checks, 'failed')).toEqual(expect.arrayContaining(['auth.wrong-signature-401', 'auth.alg-none-401']));
  });

  it('exits 1 naming schema.CreateRoom when creation_time is a JSON number', async () => {
    const { code, checks } = await gate(['creation-time-as-number'], ['generated', 'schema']);
    expect(code).toBe(1);
    expect(named(checks, 'failed')).toContain('schema.CreateRoom');
  });

  it('exits 1 naming coverage.invalid-inputs.CreateRoom when a negative max_participants is accepted', async () => {
    const { code, checks } = await gate(['accepts-negative-max-participants'], ['coverage']);
    expect(code).toBe(1);
    expect(named(checks, 'failed')).toContain('coverage.invalid-inputs.CreateRoom');
  });

  it('exits 1 naming the schema of the refused operation when errors are not Twirp {code, msg}', async () => {
    const { code, checks } = await gate(['error-not-twirp'], ['auth', 'schema']);
    expect(code).toBe(1);
    expect(named(checks, 'failed')).toEqual(expect.arrayContaining(['schema.ListRooms', 'auth.missing-token-401']));
  });

  it('exits 1 naming generated.valid-accepted.CreateRoom when valid metadata answers 500', async () => {
    const { code, checks } = await gate(['create-500-with-metadata'], ['generated']);
    expect(code).toBe(1);
    expect(named(checks, 'failed')).toContain('generated.valid-accepted.CreateRoom');
  });
});
