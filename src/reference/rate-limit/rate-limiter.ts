import type { RateLimitPolicy } from '../server-types.js';

/**
 * Per-client fixed-window rate limiting. A fixed window (rather than a sliding
 * one) makes `RateLimit: r=…;t=…` exact and the behaviour easy to predict in
 * tests: the quota resets at the window's end.
 */

export type RateLimitDecision = {
  allowed: boolean;
  /** Requests left in the current window (after this one). */
  remaining: number;
  /** Whole seconds until the window resets (>= 1 while limited, so Retry-After is never 0). */
  resetSeconds: number;
};

interface Window {
  startMs: number;
  count: number;
}

export const DEFAULT_RATE_LIMIT: Readonly<RateLimitPolicy> = Object.freeze({ quota: 1_000_000, windowSeconds: 60 });

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  /** The `RateLimit-Policy` value, the same on every response. */
  readonly policyHeader: string;

  constructor(
    readonly policy: RateLimitPolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.windowMs = policy.windowSeconds * 1000;
    this.policyHeader = `"default";q=${policy.quota};w=${policy.windowSeconds}`;
  }

  take(clientId: string): RateLimitDecision {
    const now = this.now();
    let window = this.windows.get(clientId);
    if (window === undefined || now - window.startMs >= this.windowMs) {
      // Windows are aligned to multiples of the window length so every client resets predictably.
      window = { startMs: now - (now % this.windowMs), count: 0 };
      this.windows.set(clientId, window);
    }
    const resetSeconds = Math.max(1, Math.ceil((window.startMs + this.windowMs - now) / 1000));
    if (window.count >= this.policy.quota) return { allowed: false, remaining: 0, resetSeconds };
    window.count += 1;
    return { allowed: true, remaining: this.policy.quota - window.count, resetSeconds };
  }

  static header(decision: RateLimitDecision): string {
    return `"default";r=${decision.remaining};t=${decision.resetSeconds}`;
  }
}

/** Parse `Q/Ws` (e.g. `100/10s`, `5/1m`) into a policy; undefined when malformed. */
export function parseRateLimit(text: string): RateLimitPolicy | undefined {
  const match = /^(\d+)\/(\d+)(s|m|h)?$/.exec(text.trim());
  if (match === null) return undefined;
  const quota = Number(match[1]);
  const unit = match[3] === 'h' ? 3600 : match[3] === 'm' ? 60 : 1;
  const windowSeconds = Number(match[2]) * unit;
  if (!Number.isSafeInteger(quota) || quota < 1 || windowSeconds < 1) return undefined;
  return { quota, windowSeconds };
}
