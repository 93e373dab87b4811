import { afterEach, describe, expect, it } from 'vitest';
import { createDailyServer, DAILY_DEFAULT_CREDENTIALS } from '../fixtures/apis/daily/server.js';
import type { DailyFault } from '../fixtures/apis/daily/faults.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { AUTH_AND_INPUT_GROUPS, named, skipReasonOf, vendorContract } from '../helpers/vendor-gate.js';

/**
 * The Daily-like API (a static API key as the bearer token, `{error, info}`
 * error bodies, X-RateLimit-* headers, a room whose `properties.exp` must lie
 * in the future) judged through examples/daily/profile.yaml: the clean server
 * passes the auth, error-shape, input, rate-limit and schema groups; each
 * seeded fault of those kinds makes the gate exit 1 naming its check.
 */
const KEY = DAILY_DEFAULT_CREDENTIALS[0]!.apiKey;
// A modest quota, so the burst reaches the 429 in a few hundred requests.
const RATE_LIMIT = { quota: 300, windowSeconds: 10 };

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function gate(faults: DailyFault[], only: readonly string[]) {
  server = await createDailyServer({ faults, rateLimit: RATE_LIMIT });
  return vendorContract('daily', server.url, { secret: KEY }, only);
}

describe('roomgate contract --profile examples/daily/profile.yaml', { timeout: 180_000 }, () => {
  it('passes the clean server: a key refused as the document declares (400 without a header), errors judged by the declared {error, info}', async () => {
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
        'schema.ListRooms',
        'schema.CreateRoom',
        'coverage.invalid-inputs.CreateRoom',
        'generated.valid-accepted.CreateRoom',
        'rate-limit.headers-structured-fields',
        'rate-limit.remaining-reaches-zero',
        'routing.unknown-path-404',
      ]),
    );
    expect(skipReasonOf(checks, 'envelope.every-non-2xx')).toContain("the profile declares the spec's error schemas, not the VideoConnect envelope");
    expect(skipReasonOf(checks, 'auth.token-response')).toContain('bearer');
  });

  it('exits 1 naming coverage.invalid-inputs.CreateRoom when max_participants out of range is accepted', async () => {
    const { code, checks } = await gate(['accepts-out-of-range-max-participants'], ['coverage']);
    expect(code).toBe(1);
    expect(named(checks, 'failed')).toContain('coverage.invalid-inputs.CreateRoom');
  });

  it('exits 1 naming the schema of the refused operation when error bodies are not {error, info}', async () => {
    const { code, checks } = await gate(['error-body-shape'], ['auth', 'schema']);
    expect(code).toBe(1);
    expect(named(checks, 'failed')).toEqual(expect.arrayContaining(['schema.ListRooms', 'auth.missing-token-401']));
  });

  it('exits 1 naming rate-limit.remaining-reaches-zero when X-RateLimit-Remaining never moves', async () => {
    const { code, checks } = await gate(['ratelimit-remaining-static'], ['rate-limit']);
    expect(code).toBe(1);
    expect(named(checks, 'failed')).toEqual(['rate-limit.remaining-reaches-zero']);
  });
});
