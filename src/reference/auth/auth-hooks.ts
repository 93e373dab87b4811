import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ApiProblem } from '../http/api-problem.js';
import type { AccessTokens, TokenVerdict } from './access-tokens.js';
import { type ApiGate, type TokenProblemReason, unauthorized } from './api-gate.js';

export const TOKEN_ROUTE = '/v1/auth/token';

/** Every /v1 route except the token endpoint needs a bearer token. Unknown routes answer 404 without one. */
export function isAuthenticatedRoute(routeUrl: string | undefined): boolean {
  return routeUrl !== undefined && routeUrl.startsWith('/v1/') && routeUrl !== TOKEN_ROUTE;
}

/** An onRequest hook in fastify's callback form (cheaper than an async hook on the hot path). */
export type OnRequestHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/** What a request without a usable token is refused with: the 401 `invalid_token`, unless a fault says otherwise. */
export type RefuseToken = (request: FastifyRequest, reason: TokenProblemReason) => ApiProblem;

const refuseUnauthorized: RefuseToken = (_request, reason) => unauthorized(reason);

/** The client an authenticated route serves, as the auth hook below set it. */
export function clientOf(request: Pick<FastifyRequest, 'clientId'>): string {
  // Every route isAuthenticatedRoute accepts gets the hook; reaching here without a client id is a wiring bug.
  if (request.clientId === undefined) throw new Error('authenticated route reached without a client id');
  return request.clientId;
}

/**
 * The onRequest hook of authenticated routes: bearer token → clientId
 * (cached, synchronous on the hot path), then the gate (rate limit and its
 * headers, the `server-errors` fault). The server attaches it to every route
 * `isAuthenticatedRoute` accepts, whichever part registers the route, so it
 * covers /v1/webhooks too. It is attached per route (not as a global hook) so
 * that no request pays for working out its route again.
 */
export function createAuthHook(tokens: AccessTokens, gate: ApiGate, refuse: RefuseToken = refuseUnauthorized): OnRequestHook {
  const admit = (request: FastifyRequest, reply: FastifyReply, verdict: TokenVerdict, done: HookHandlerDoneFunction): void => {
    if (!verdict.ok) {
      done(refuse(request, verdict.reason));
      return;
    }
    request.clientId = verdict.clientId;
    const admission = gate.admit(verdict.clientId);
    if (admission.rateLimit !== undefined) {
      reply.header('ratelimit-policy', gate.policyHeader);
      reply.header('ratelimit', admission.rateLimit);
    }
    done(admission.problem);
  };

  return (request, reply, done) => {
    const token = gate.tokenOf(request.headers.authorization);
    if (token === undefined) {
      done(refuse(request, 'missing'));
      return;
    }
    const cached = tokens.fromCache(token);
    if (cached !== undefined) {
      admit(request, reply, cached, done);
      return;
    }
    tokens.verify(token).then(
      (verdict) => admit(request, reply, verdict, done),
      (error: unknown) => done(error as Error),
    );
  };
}
