import { afterEach, describe, expect, it } from 'vitest';
import type { TwilioFault } from '../fixtures/apis/twilio/faults.js';
import { createTwilioServer, TWILIO_DEFAULT_CREDENTIALS } from '../fixtures/apis/twilio/server.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { AUTH_AND_INPUT_GROUPS, named, skipReasonOf, vendorContract } from '../helpers/vendor-gate.js';

/**
 * The Twilio-like API (HTTP Basic, form-encoded bodies, `{code, message,
 * more_info, status}` errors, no rate-limit headers) judged through
 * examples/twilio/profile.yaml: the clean server passes the auth, error-shape,
 * input and schema groups; each seeded fault of those kinds makes the gate
 * exit 1 naming its check.
 */
const ACCOUNT = TWILIO_DEFAULT_CREDENTIALS[0]!;

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function gate(faults: TwilioFault[], only: readonly string[]) {
  server = await createTwilioServer({ faults });
  return vendorContract('twilio', server.url, { id: ACCOUNT.sid, secret: ACCOUNT.secret }, only);
}

describe('roomgate contract --profile examples/twilio/profile.yaml', { timeout: 180_000 }, () => {
  it('passes the clean server: Basic credentials refused as declared, form bodies generated and broken in their own encoding', async () => {
    const { code, checks, stderr } = await gate([], AUTH_AND_INPUT_GROUPS);
    expect(
      checks.filter((c) => c.status === 'failed' || c.status === 'errored'),
      stderr,
    ).toEqual([]);
    expect(code).toBe(0);
    expect(named(checks, 'passed')).toEqual(
      expect.arrayContaining([
        'auth.missing-token-401',
        'auth.bad-client-401',
        'schema.CreateRoom',
        'coverage.invalid-inputs.CreateRoom',
        'generated.valid-accepted.CreateRoom',
        'generated.invalid-rejected.CreateRoom',
      ]),
    );
    expect(skipReasonOf(checks, 'rate-limit.headers-structured-fields')).toContain('conventions.rateLimitHeaders: none');
    expect(skipReasonOf(checks, 'auth.alg-none-401')).toContain('basic');
  });

  it('exits 1 naming auth.bad-client-401 when a wrong secret is accepted', async () => {
    const { code, checks } = await gate(['accepts-wrong-secret'], ['auth']);
    expect(code).toBe(1);
    expect(named(checks, 'failed')).toEqual(['auth.bad-client-401']);
  });

  it('exits 1 naming schema.CreateRoom when max_participants comes back as a string', async () => {
    const { code, checks } = await gate(['max-participants-as-string'], ['generated', 'schema']);
    expect(code).toBe(1);
    expect(named(checks, 'failed')).toContain('schema.CreateRoom');
  });

  it('exits 1 naming coverage.invalid-inputs.CreateRoom when MaxParticipants over 50 is accepted', async () => {
    const { code, checks } = await gate(['accepts-max-participants-over-limit'], ['coverage']);
    expect(code).toBe(1);
    expect(named(checks, 'failed')).toContain('coverage.invalid-inputs.CreateRoom');
  });

  it('exits 1 naming generated.valid-accepted.CreateRoom when a valid EmptyRoomTimeout answers 500', async () => {
    const { code, checks } = await gate(['create-500-on-empty-room-timeout'], ['generated']);
    expect(code).toBe(1);
    expect(named(checks, 'failed')).toContain('generated.valid-accepted.CreateRoom');
  });
});
