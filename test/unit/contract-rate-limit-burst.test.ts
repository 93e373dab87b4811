import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveContractOptions, runContractGate } from '../../src/contract/contract-step.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { SpecIndex } from '../../src/spec/spec-index.js';

/**
 * rate-limit.burst-reaches-429 judges the target by its own RateLimit
 * headers: reporting 0 remaining and then accepting more in the same window
 * fails; never using up a window (a slow, loaded client against a short
 * window) is inconclusive and skipped, not a false alarm.
 */
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

/** Token endpoint plus GET /v1/rooms with RateLimit headers: `remaining(n)` for the n-th call; never a 429. */
async function limitless(quota: number, remaining: (n: number) => number): Promise<string> {
  let calls = 0;
  server = createServer((req, res) => {
    if (req.url?.startsWith('/v1/auth/token')) {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600}');
    }
    calls += 1;
    res
      .writeHead(200, {
        'content-type': 'application/json',
        'ratelimit-policy': `"default";q=${quota};w=60`,
        ratelimit: `"default";r=${remaining(calls)};t=59`,
      })
      .end('{"data":[],"next_cursor":null,"has_more":false}');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

async function burst(baseUrl: string) {
  const spec = new SpecIndex(await loadSpec('contracts/videoconnect.v1.openapi.yaml'));
  const result = await runContractGate(
    {
      target: { baseUrl, credentials: { clientId: 'a', clientSecret: 'b' }, embedded: false },
      signal: new AbortController().signal,
      emit: () => {},
      runDir: '.',
    },
    resolveContractOptions({ groups: ['rate-limit'], rateLimitBudget: 400 }),
    'contract',
  );
  return result.checks.find((c) => c.name === 'rate-limit.burst-reaches-429');
}

describe('rate-limit.burst-reaches-429', () => {
  it('fails a target that reports its quota used up and keeps accepting', async () => {
    const check = await burst(await limitless(40, (n) => Math.max(0, 40 - n)));
    expect(check?.status).toBe('failed');
    expect(check?.status === 'failed' && check.message).toContain('reported 0 requests remaining, then accepted more');
  });

  it('skips, naming the reason, when the burst never used up one window', async () => {
    // remaining never reaches 0: as if every window reset before the slow client got through it.
    const check = await burst(await limitless(40, () => 20));
    expect(check?.status).toBe('skipped');
    expect(check?.status === 'skipped' && check.reason).toContain('never used up one window');
  });
});
