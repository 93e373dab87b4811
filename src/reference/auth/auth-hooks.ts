import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ReferenceContext } from '../context.js';
import { ApiProblem } from '../http/api-problem.js';
import { RateLimiter } from '../rate-limit/rate-limiter.js';
import type { AccessTokens, TokenVerdict } from './access-tokens.js';

export const TOKEN_ROUTE = '/v1/auth/token';

const MESSAGES: Record<Exclude<TokenVerdict, { ok: true }>['reason'], string> = {
  missing: 'Send an access token: Authorization: Bearer <token> (get one from POST /v1/auth/token).',
  malformed: 'The access token is not a well-formed JWT; get a new one from POST /v1/auth/token.',
  expired: 'The access token has expired; get a new one from POST /v1/auth/token.',
  invalid: 'The access token is not valid (wrong signature or algorithm); get a new one from POST /v1/auth/token.',
};

function unauthorized(reason: Exclude<TokenVerdict, { ok: true }>['reason']): ApiProblem {
  const description = reason === 'missing' ? 'no access token' : `the access token is ${reason}`;
  return new ApiProblem(401, 'invalid_token', MESSAGES[reason], {
    'www-authenticate': `Bearer realm="videoconnect", error="invalid_token", error_description="${description}"`,
  });
}

/** Every /v1 route except the token endpoint needs a bearer token. Unknown routes answer 404 without one. */
export function isAuthenticatedRoute(routeUrl: string | undefined): boolean {
  return routeUrl !== undefined && routeUrl.startsWith('/v1/') && routeUrl !== TOKEN_ROUTE;
}

const BEARER_PREFIX = /^bearer /i;

/** An onRequest hook in fastify's callback form (cheaper than an async hook on the hot path). */
export type OnRequestHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/**
 * The onRequest hook of authenticated routes: bearer token → clientId
 * (cached, synchronous on the hot path), then the client's rate limit and its
 * headers, then the `server-errors` fault. The server attaches it to every
 * route `isAuthenticatedRoute` accepts, whichever part registers the route,
 * so it covers /v1/webhooks too. It is attached per route (not as a global
 * hook) so that no request pays for working out its route again.
 */
export function createAuthHook(ctx: ReferenceContext, tokens: AccessTokens, limiter: RateLimiter): OnRequestHook {
  const withHeaders = !ctx.faults.has('no-ratelimit-headers');
  const serverErrors = ctx.faults.has('server-errors');

  const admit = (request: FastifyRequest, reply: FastifyReply, clientId: string, done: HookHandlerDoneFunction): void => {
    request.clientId = clientId;
    const decision = limiter.take(clientId);
    if (withHeaders) {
      reply.header('ratelimit-policy', limiter.policyHeader);
      reply.header('ratelimit', RateLimiter.header(decision));
    }
    if (!decision.allowed) {
      const { quota, windowSeconds } = limiter.policy;
      done(
        new ApiProblem(429, 'rate_limited', `Rate limit of ${quota} requests per ${windowSeconds} s exceeded; retry after ${decision.resetSeconds} s.`, {
          'retry-after': String(decision.resetSeconds),
        }),
      );
      return;
    }
    // 5 % of authenticated requests fail before doing any work (so a retry is safe).
    if (serverErrors && Math.random() < 0.05) {
      done(new ApiProblem(500, 'internal_error', 'Injected failure (server-errors fault); it is safe to retry.'));
      return;
    }
    done();
  };

  // The last Authorization value seen and the token cut from it. Load runs repeat one header; reusing
  // the same token string (whose hash V8 has already computed) makes the cache lookup cheap, where a
  // freshly sliced 250-character token had to be hashed again on every request. Only the parsing is
  // skipped: the cache still checks the token's `exp` each time.
  let lastHeader = '';
  let lastToken = '';

  return (request, reply, done) => {
    const header = request.headers.authorization;
    let token: string;
    if (header === lastHeader && header !== '') {
      token = lastToken;
    } else {
      // A regex test instead of slice + toLowerCase: no garbage on every request.
      if (header === undefined || header.length < 8 || !BEARER_PREFIX.test(header)) {
        done(unauthorized('missing'));
        return;
      }
      token = header.slice(7).trim();
      lastHeader = header;
      lastToken = token;
    }
    const cached = tokens.fromCache(token);
    if (cached !== undefined) {
      if (cached.ok) admit(request, reply, cached.clientId, done);
      else done(unauthorized(cached.reason));
      return;
    }
    tokens.verify(token).then(
      (verdict) => (verdict.ok ? admit(request, reply, verdict.clientId, done) : done(unauthorized(verdict.reason))),
      (error: unknown) => done(error as Error),
    );
  };
}
