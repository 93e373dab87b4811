import { describe, expect, it } from 'vitest';
import { parseRateLimit, RateLimiter } from '../../src/reference/rate-limit/rate-limiter.js';
import { http, startTwoClientServer, withReferenceServer } from '../helpers/reference-http.js';

const POLICY = /^"default";q=(\d+);w=(\d+)$/;
const LIMIT = /^"default";r=(\d+);t=(\d+)$/;

describe('reference server: rate limits', () => {
  it('sends RateLimit-Policy and RateLimit on every authenticated response, counting down', async () => {
    await withReferenceServer({ rateLimit: { quota: 50, windowSeconds: 60 } }, async (server, token) => {
      const a = await http(server.url, 'GET', '/v1/rooms', { token });
      const b = await http(server.url, 'POST', '/v1/rooms', { token, json: {} });
      expect(b.status).toBe(400);
      for (const result of [a, b]) {
        expect(result.headers.get('ratelimit-policy')).toBe('"default";q=50;w=60');
        expect(result.headers.get('ratelimit')).toMatch(LIMIT);
      }
      const remaining = (r: typeof a) => Number(LIMIT.exec(r.headers.get('ratelimit') ?? '')?.[1]);
      expect(remaining(a)).toBe(49);
      expect(remaining(b)).toBe(48);
      // The token endpoint and unauthenticated refusals are not rate-limited resources.
      const unauthenticated = await http(server.url, 'GET', '/v1/rooms');
      expect(unauthenticated.headers.get('ratelimit')).toBeNull();
    });
  });

  it('answers 429 rate_limited with Retry-After and the envelope once the quota is used, per client', async () => {
    const { server, alice, bob } = await startTwoClientServer({ rateLimit: { quota: 5, windowSeconds: 30 } });
    try {
      const statuses: number[] = [];
      let limited;
      for (let i = 0; i < 7; i += 1) {
        const result = await http(server.url, 'GET', '/v1/rooms', { token: alice });
        statuses.push(result.status);
        if (result.status === 429) limited = result;
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(limited?.body).toEqual({ error: 'rate_limited', message: expect.any(String), status: 429 });
      const retryAfter = Number(limited?.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(30);
      expect(limited?.headers.get('ratelimit')).toBe(`"default";r=0;t=${retryAfter}`);
      expect((await http(server.url, 'GET', '/v1/rooms', { token: bob })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('ratelimit-remaining-static: reports the whole quota as remaining, on the 429 too, but still limits', async () => {
    await withReferenceServer({ rateLimit: { quota: 2, windowSeconds: 30 }, faults: ['ratelimit-remaining-static'] }, async (server, token) => {
      const answers = [];
      for (let i = 0; i < 3; i += 1) answers.push(await http(server.url, 'GET', '/v1/rooms', { token }));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
      for (const answer of answers) expect(LIMIT.exec(answer.headers.get('ratelimit') ?? '')?.[1]).toBe('2');
    });
  });

  it('no-ratelimit-headers: omits both headers but still limits', async () => {
    await withReferenceServer({ rateLimit: { quota: 2, windowSeconds: 30 }, faults: ['no-ratelimit-headers'] }, async (server, token) => {
      const first = await http(server.url, 'GET', '/v1/rooms', { token });
      expect(first.status).toBe(200);
      expect(first.headers.get('ratelimit')).toBeNull();
      expect(first.headers.get('ratelimit-policy')).toBeNull();
      await http(server.url, 'GET', '/v1/rooms', { token });
      const third = await http(server.url, 'GET', '/v1/rooms', { token });
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).not.toBeNull();
    });
  });

  it('the default policy is generous enough for local load runs', async () => {
    await withReferenceServer({}, async (server, token) => {
      const policy = POLICY.exec((await http(server.url, 'GET', '/v1/rooms', { token })).headers.get('ratelimit-policy') ?? '');
      expect(Number(policy?.[1]) / Number(policy?.[2])).toBeGreaterThanOrEqual(10_000);
    });
  });
});

describe('RateLimiter', () => {
  it('resets at the end of the window', () => {
    let now = 0;
    const limiter = new RateLimiter({ quota: 2, windowSeconds: 10 }, () => now);
    expect(limiter.take('c').allowed).toBe(true);
    expect(limiter.take('c').allowed).toBe(true);
    now = 4_000;
    expect(limiter.take('c')).toEqual({ allowed: false, remaining: 0, resetSeconds: 6 });
    now = 10_000;
    expect(limiter.take('c')).toEqual({ allowed: true, remaining: 1, resetSeconds: 10 });
  });

  it('parses --rate-limit values', () => {
    expect(parseRateLimit('100/10s')).toEqual({ quota: 100, windowSeconds: 10 });
    expect(parseRateLimit('600/1m')).toEqual({ quota: 600, windowSeconds: 60 });
    expect(parseRateLimit('5/2h')).toEqual({ quota: 5, windowSeconds: 7200 });
    expect(parseRateLimit('100/10')).toEqual({ quota: 100, windowSeconds: 10 });
    for (const bad of ['0/10s', '10/0s', 'ten/10s', '10', '10/10x', '-1/5s']) expect(parseRateLimit(bad), bad).toBeUndefined();
  });
});
