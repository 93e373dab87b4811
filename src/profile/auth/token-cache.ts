import { announceIssuedSecret } from '../../issued-secrets.js';

/**
 * Caches an access token and refreshes it before it expires, as the API's own
 * guide asks ("cache the token and refresh it before expiry rather than
 * fetching a new one on every request"). Concurrent callers share one fetch.
 */
export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

export interface TokenCacheOptions {
  /**
   * Refresh this long before expiry. Default: 10 % of the lifetime plus 1 s
   * (JWT `exp` has whole-second resolution, so a token announced as 3 s may
   * live only 2), at most half the lifetime and at most 60 s.
   */
  refreshBeforeMs?: number;
  now?: () => number;
}

export class TokenCache {
  private current: { token: string; refreshAt: number } | undefined;
  private inFlight: Promise<string> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly issue: (signal?: AbortSignal) => Promise<IssuedToken>,
    private readonly options: TokenCacheOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** A valid token: the cached one, or a fresh one when the cached one is near expiry. */
  async get(signal?: AbortSignal): Promise<string> {
    if (this.current !== undefined && this.now() < this.current.refreshAt) return this.current.token;
    this.inFlight ??= this.refresh(signal).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Forget the token, e.g. after the server answered 401 to it. */
  invalidate(): void {
    this.current = undefined;
  }

  private async refresh(signal?: AbortSignal): Promise<string> {
    const issuedAt = this.now();
    const { accessToken, expiresInSeconds } = await this.issue(signal);
    // Before anyone can put it on the wire: a target that echoes requests back must not publish it.
    announceIssuedSecret(accessToken);
    const lifetimeMs = expiresInSeconds * 1000;
    const margin = this.options.refreshBeforeMs ?? Math.min(60_000, lifetimeMs / 2, lifetimeMs * 0.1 + 1000);
    this.current = { token: accessToken, refreshAt: issuedAt + Math.max(0, lifetimeMs - margin) };
    return accessToken;
  }
}
