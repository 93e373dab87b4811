import { randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

/**
 * Access tokens of the reference server: HS256 JWTs signed with a random
 * per-server key (so a restart invalidates every token, like a key rotation).
 *
 * Verifying an HMAC JWT costs far more than the rest of a GET room, so a
 * verified token is cached (token string → {clientId, exp}) in a bounded map;
 * a cached entry is still checked against its `exp` on every use.
 */

export const ACCESS_TOKEN_ISSUER = 'roomgate-reference';

export type TokenVerdict = { ok: true; clientId: string } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'invalid' };

interface CachedToken {
  expMs: number;
  /** The verdict for a live token, built once: the hot path returns it without allocating. */
  verdict: TokenVerdict & { ok: true };
}

const EXPIRED: TokenVerdict = Object.freeze({ ok: false, reason: 'expired' });

export interface AccessTokenOptions {
  ttlSeconds: number;
  /** Accept expired (but correctly signed) tokens: the `auth-bypass` fault. */
  acceptExpired: boolean;
  /** Bound of the verified-token cache. */
  cacheSize?: number;
  now?: () => number;
}

export class AccessTokens {
  private readonly key = randomBytes(32);
  private readonly cache = new Map<string, CachedToken>();
  private readonly cacheSize: number;
  private readonly now: () => number;

  constructor(private readonly options: AccessTokenOptions) {
    this.cacheSize = options.cacheSize ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  async issue(clientId: string): Promise<string> {
    const nowSeconds = Math.floor(this.now() / 1000);
    return (
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(clientId)
        .setIssuer(ACCESS_TOKEN_ISSUER)
        .setIssuedAt(nowSeconds)
        .setExpirationTime(nowSeconds + this.options.ttlSeconds)
        // A jti keeps two tokens issued in the same second distinct.
        .setJti(randomBytes(9).toString('base64url'))
        .sign(this.key)
    );
  }

  /** The synchronous fast path: a verdict for a cached token, or undefined when it must be verified. */
  fromCache(token: string): TokenVerdict | undefined {
    const cached = this.cache.get(token);
    if (cached === undefined) return undefined;
    if (cached.expMs <= this.now() && !this.options.acceptExpired) return EXPIRED;
    return cached.verdict;
  }

  async verify(token: string): Promise<TokenVerdict> {
    const cached = this.fromCache(token);
    if (cached !== undefined) return cached;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ACCESS_TOKEN_ISSUER,
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(this.now()),
      });
      return this.remember(token, payload.sub, payload.exp);
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        // jose checks the signature before the claims, so an expired token here is genuine.
        if (this.options.acceptExpired) return this.remember(token, error.payload.sub, error.payload.exp);
        return { ok: false, reason: 'expired' };
      }
      if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return { ok: false, reason: 'malformed' };
      return { ok: false, reason: 'invalid' };
    }
  }

  private remember(token: string, sub: string | undefined, exp: number | undefined): TokenVerdict {
    if (typeof sub !== 'string' || typeof exp !== 'number') return { ok: false, reason: 'invalid' };
    if (this.cache.size >= this.cacheSize) {
      // Evict the oldest entry (Map keeps insertion order): bounded memory under token churn.
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    const verdict = Object.freeze({ ok: true as const, clientId: sub });
    this.cache.set(token, { expMs: exp * 1000, verdict });
    return verdict;
  }
}
