import type { ReferenceContext } from '../context.js';
import { ApiProblem } from '../http/api-problem.js';
import { RateLimiter } from '../rate-limit/rate-limiter.js';
import type { TokenVerdict } from './access-tokens.js';

/**
 * What every authenticated request passes before its handler runs, after its
 * token is known to be good: the client's rate limit (and its headers) and the
 * `server-errors` fault. One implementation serves both the fastify hook and
 * the GET room hot path, so the two cannot answer differently.
 */

export type TokenProblemReason = Exclude<TokenVerdict, { ok: true }>['reason'];

const MESSAGES: Record<TokenProblemReason, string> = {
  missing: 'Send an access token: Authorization: Bearer <token> (get one from POST /v1/auth/token).',
  malformed: 'The access token is not a well-formed JWT; get a new one from POST /v1/auth/token.',
  expired: 'The access token has expired; get a new one from POST /v1/auth/token.',
  invalid: 'The access token is not valid (wrong signature or algorithm); get a new one from POST /v1/auth/token.',
};

export function unauthorized(reason: TokenProblemReason): ApiProblem {
  const description = reason === 'missing' ? 'no access token' : `the access token is ${reason}`;
  return new ApiProblem(401, 'invalid_token', MESSAGES[reason], {
    'www-authenticate': `Bearer realm="videoconnect", error="invalid_token", error_description="${description}"`,
  });
}

export interface Admission {
  /** Set when the request must be refused (429, or the injected 500) instead of handled. */
  problem: ApiProblem | undefined;
  /** The `RateLimit` header value; undefined when the `no-ratelimit-headers` fault drops the headers. */
  rateLimit: string | undefined;
}

const BEARER_PREFIX = /^bearer /i;

export class ApiGate {
  /** The `RateLimit-Policy` header value, the same on every response. */
  readonly policyHeader: string;
  private readonly withHeaders: boolean;
  private readonly serverErrors: boolean;
  private readonly staticRemaining: boolean;
  // The last Authorization value seen and the token cut from it. Load runs repeat one header; reusing
  // the same token string (whose hash V8 has already computed) makes the token-cache lookup cheap,
  // where a freshly sliced 250-character token had to be hashed again on every request. Only the
  // parsing is skipped: the cache still checks the token's `exp` each time.
  private lastHeader = '';
  private lastToken = '';

  constructor(
    ctx: ReferenceContext,
    private readonly limiter: RateLimiter,
  ) {
    this.policyHeader = limiter.policyHeader;
    this.withHeaders = !ctx.faults.has('no-ratelimit-headers');
    this.serverErrors = ctx.faults.has('server-errors');
    this.staticRemaining = ctx.faults.has('ratelimit-remaining-static');
  }

  /** The bearer token of an Authorization header; undefined when there is none. */
  tokenOf(header: string | undefined): string | undefined {
    if (header === this.lastHeader && header !== '') return this.lastToken;
    // A regex test instead of slice + toLowerCase: no garbage on every request.
    if (header === undefined || header.length < 8 || !BEARER_PREFIX.test(header)) return undefined;
    const token = header.slice(7).trim();
    this.lastHeader = header;
    this.lastToken = token;
    return token;
  }

  /** Counts the request against the client's quota; the problem to answer instead, if any. */
  admit(clientId: string): Admission {
    const decision = this.limiter.take(clientId);
    // The ratelimit-remaining-static fault: the header claims the whole quota is left, whatever was used.
    const reported = this.staticRemaining ? { ...decision, remaining: this.limiter.policy.quota } : decision;
    const rateLimit = this.withHeaders ? RateLimiter.header(reported) : undefined;
    if (!decision.allowed) {
      const { quota, windowSeconds } = this.limiter.policy;
      const problem = new ApiProblem(
        429,
        'rate_limited',
        `Rate limit of ${quota} requests per ${windowSeconds} s exceeded; retry after ${decision.resetSeconds} s.`,
        {
          'retry-after': String(decision.resetSeconds),
        },
      );
      return { problem, rateLimit };
    }
    // 5 % of authenticated requests fail before doing any work (so a retry is safe).
    if (this.serverErrors && Math.random() < 0.05) {
      return { problem: new ApiProblem(500, 'internal_error', 'Injected failure (server-errors fault); it is safe to retry.'), rateLimit };
    }
    return { problem: undefined, rateLimit };
  }
}
