/**
 * How the reference server retries webhook deliveries: exponential backoff
 * with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
 * the n-th retry waits a uniformly random time in [0, min(cap, base · factor^(n-1))].
 * Full jitter spreads the retries of many failed deliveries instead of having
 * them hit a recovering receiver in lock-step.
 */
export interface WebhookDeliveryPolicy {
  /** Upper bound of the first retry's delay, in ms. */
  baseDelayMs: number;
  factor: number;
  /** Upper bound of any retry's delay, in ms. */
  maxDelayMs: number;
  /** Attempts per delivery, the first included; after the last failure the delivery is given up. */
  maxAttempts: number;
  /** One attempt (connect, headers and body) must finish within this, in ms. */
  attemptTimeoutMs: number;
  /** Attempts in flight at once across all subscriptions. */
  concurrency: number;
  /** Deliveries waiting for a free slot; beyond this new deliveries are dropped (and counted), so memory stays bounded. */
  maxQueued: number;
  /**
   * Deliver to any host. Off by default: the reference server is a local test
   * target, and the contract gate subscribes generated URLs, so deliveries go
   * only to loopback hosts (localhost, 127.0.0.0/8, ::1); others are counted
   * as `blocked` and never attempted.
   */
  allowRemoteHosts: boolean;
}

export const DEFAULT_WEBHOOK_DELIVERY: Readonly<WebhookDeliveryPolicy> = Object.freeze({
  baseDelayMs: 250,
  factor: 2,
  maxDelayMs: 10_000,
  maxAttempts: 8,
  attemptTimeoutMs: 5_000,
  concurrency: 16,
  maxQueued: 10_000,
  allowRemoteHosts: false,
});

/** The delay before retry number `retry` (1 = the retry after the first failed attempt). */
export function retryDelayMs(
  policy: Pick<WebhookDeliveryPolicy, 'baseDelayMs' | 'factor' | 'maxDelayMs'>,
  retry: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

export function resolveDeliveryPolicy(overrides: Partial<WebhookDeliveryPolicy> | undefined): WebhookDeliveryPolicy {
  return { ...DEFAULT_WEBHOOK_DELIVERY, ...overrides };
}
