import { TokenCache } from '../profile/auth/token-cache.js';
import type { Credentials } from '../target/target.js';
import { describeExchange, UnexpectedResponse } from './check.js';
import type { Exchange } from './http/exchange.js';
import type { AgingToken } from './checks/auth-checks.js';

/**
 * Bearer tokens for the gate's requests, issued through the gate's own bounded
 * exchange (so a hostile token endpoint is judged, not trusted) and cached
 * with the target client's TokenCache.
 *
 * The refresh margin is a fixed 2 s rather than TokenCache's 10 %: JWT `exp`
 * has whole-second resolution, so a token announced as 5 s may live only 4;
 * with the embedded server's 3 s gate tokens a 10 % margin would send expired
 * tokens and raise false alarms.
 *
 * A failed issuance is remembered: when the token endpoint is broken every
 * check fails fast with the same evidence instead of each waiting out its own
 * timeout.
 */
export class TokenSource {
  private readonly cache: TokenCache;
  private failure: UnexpectedResponse | undefined;
  /** The first token issued, kept for the expired-token check. */
  first: AgingToken | undefined;

  constructor(
    private readonly issueExchange: (credentials: Credentials) => Promise<Exchange>,
    private readonly credentials: Credentials,
  ) {
    this.cache = new TokenCache(() => this.issue(), { refreshBeforeMs: 2000 });
  }

  get(signal?: AbortSignal): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return this.cache.get(signal);
  }

  private async issue(): Promise<{ accessToken: string; expiresInSeconds: number }> {
    const issuedAtMs = Date.now();
    const exchange = await this.issueExchange(this.credentials);
    const body = exchange.json as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (exchange.status !== 200 || typeof body?.access_token !== 'string' || typeof body.expires_in !== 'number') {
      this.failure = new UnexpectedResponse(
        `could not obtain an access token: POST /v1/auth/token answered ${describeExchange(exchange)}`,
        exchange,
        '200 {access_token, token_type, expires_in}',
      );
      throw this.failure;
    }
    const token = { accessToken: body.access_token, expiresInSeconds: body.expires_in };
    this.first ??= { token: token.accessToken, issuedAtMs, expiresInSeconds: token.expiresInSeconds };
    return token;
  }
}
