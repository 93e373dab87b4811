import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders } from '../../src/contract/checks/rate-limit-headers.js';

describe('rate-limit headers by family', () => {
  it('reads the IETF RateLimit-Policy and RateLimit structured fields', () => {
    const { reading, problems } = parseRateLimitHeaders('ietf', { 'ratelimit-policy': '"default";q=100;w=60', ratelimit: '"default";r=5;t=30' });
    expect(problems).toEqual([]);
    expect(reading).toEqual({ quota: 100, windowSeconds: 60, remaining: 5, resetSeconds: 30 });
  });

  it('names what is missing or malformed in the IETF family', () => {
    expect(parseRateLimitHeaders('ietf', { ratelimit: '"default";r=5;t=30' }).problems).toEqual(['RateLimit-Policy is missing']);
    expect(parseRateLimitHeaders('ietf', { 'ratelimit-policy': '"default";q=100', ratelimit: 'r=;;' }).problems[0]).toMatch(/not a Structured Field List/);
  });

  it('reads X-RateLimit-Limit, -Remaining and -Reset as integers, Reset in seconds', () => {
    const { reading, problems } = parseRateLimitHeaders('x-ratelimit', { 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '12', 'x-ratelimit-reset': '7' });
    expect(problems).toEqual([]);
    expect(reading).toEqual({ quota: 300, windowSeconds: undefined, remaining: 12, resetSeconds: 7 });
  });

  it('reads an epoch X-RateLimit-Reset as the seconds left until then', () => {
    const now = 1_800_000_000;
    const { reading } = parseRateLimitHeaders(
      'x-ratelimit',
      { 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now + 42) },
      now,
    );
    expect(reading?.resetSeconds).toBe(42);
  });

  it('refuses X-RateLimit values that are not non-negative integers, and names the missing ones', () => {
    const { reading, problems } = parseRateLimitHeaders('x-ratelimit', { 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': 'many' });
    expect(reading).toBeUndefined();
    expect(problems).toEqual(['X-RateLimit-Remaining "many" is not a non-negative integer', 'X-RateLimit-Reset is missing']);
  });
});
