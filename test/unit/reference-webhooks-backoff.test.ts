import { describe, expect, it } from 'vitest';
import { DEFAULT_WEBHOOK_DELIVERY, retryDelayMs } from '../../src/reference/webhooks/delivery-policy.js';
import { isLoopbackUrl } from '../../src/reference/webhooks/loopback-url.js';

describe('webhook retry backoff (exponential, full jitter)', () => {
  const policy = { baseDelayMs: 250, factor: 2, maxDelayMs: 10_000 };

  it('draws each delay uniformly between 0 and the exponential ceiling', () => {
    expect(retryDelayMs(policy, 1, () => 0)).toBe(0);
    expect(retryDelayMs(policy, 1, () => 0.999_999)).toBe(249);
    expect(retryDelayMs(policy, 2, () => 0.5)).toBe(250);
    expect(retryDelayMs(policy, 3, () => 0.5)).toBe(500);
    expect(retryDelayMs(policy, 4, () => 0.999_999)).toBe(1999);
  });

  it('never exceeds the cap, however many retries', () => {
    expect(retryDelayMs(policy, 7, () => 0.999_999)).toBe(9999);
    expect(retryDelayMs(policy, 40, () => 0.999_999)).toBe(9999);
  });

  it('spreads the delays of simultaneous failures instead of retrying them in lock-step', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(policy, 5)));
    expect(delays.size).toBeGreaterThan(30);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(0);
    for (const delay of delays) expect(delay).toBeLessThan(4000);
  });

  it('defaults to 8 attempts of at most 5 s each', () => {
    expect(DEFAULT_WEBHOOK_DELIVERY.maxAttempts).toBe(8);
    expect(DEFAULT_WEBHOOK_DELIVERY.attemptTimeoutMs).toBe(5000);
    expect(DEFAULT_WEBHOOK_DELIVERY.allowRemoteHosts).toBe(false);
  });
});

describe('loopback URL test for webhook deliveries', () => {
  it('accepts localhost, 127.0.0.0/8 and ::1', () => {
    for (const url of ['http://localhost:8080/x', 'https://127.0.0.1/', 'http://127.1.2.3:9/', 'http://[::1]:4000/hook', 'http://api.localhost/']) {
      expect(isLoopbackUrl(url), url).toBe(true);
    }
  });

  it('rejects every other host, names that might resolve to loopback included', () => {
    for (const url of ['http://example.com/', 'http://10.0.0.1/', 'http://[::2]/', 'http://127.0.0.1.nip.io/', 'http://0.0.0.0/', 'not a url']) {
      expect(isLoopbackUrl(url), url).toBe(false);
    }
  });
});
