import { createServer, type Server } from 'node:http';
import Fastify, { type FastifyServerFactory } from 'fastify';
import { AccessTokens } from './auth/access-tokens.js';
import { ApiGate } from './auth/api-gate.js';
import { createAuthHook, isAuthenticatedRoute, type OnRequestHook } from './auth/auth-hooks.js';
import { ClientRegistry } from './auth/client-credentials.js';
import { registerTokenRoute } from './auth/token-route.js';
import type { ReferenceContext, ReferencePart } from './context.js';
import { DEFAULT_SERVE_HOST, LOCAL_CREDENTIALS } from './defaults.js';
import { FaultSet } from './faults.js';
import { ApiProblem } from './http/api-problem.js';
import { clientErrorHandler } from './http/client-error.js';
import { errorHandler, sendProblem } from './http/error-envelope.js';
import { registerJsonBodyParser } from './http/json-body-parser.js';
import { operationLookup } from './http/operations.js';
import { RouteTable } from './http/route-table.js';
import { ServerStats } from './http/server-stats.js';
import { createValidatorCompiler } from './http/validators.js';
import { IdempotencyStore } from './idempotency/idempotency-store.js';
import { registerJoin } from './join/index.js';
import { DEFAULT_RATE_LIMIT, RateLimiter } from './rate-limit/rate-limiter.js';
import { createGetRoomHotPath, type HotPath } from './rooms/get-room-hot-path.js';
import { createJoinTokenService } from './rooms/join-tokens.js';
import { roomNotFound } from './rooms/owned-room.js';
import { JOIN_TOKENS_ROUTE, registerRoomRoutes } from './rooms/room-routes.js';
import { RoomStore } from './rooms/room-store.js';
import type { ReferenceServer, ReferenceServerOptions } from './server-types.js';
import { registerWebhooks } from './webhooks/index.js';

/** Request bodies above this answer 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

/**
 * The embedded VideoConnect v1 reference server: the published contract
 * (contracts/videoconnect.v1.openapi.yaml), implemented on fastify, with fault
 * switches that each break one promise of it.
 */
export async function createReferenceServer(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  const host = options.host ?? DEFAULT_SERVE_HOST;
  const faults = new FaultSet(options.faults ?? []);
  const store = new RoomStore({ unprefixedIds: faults.has('id-prefix') });
  let publicUrl = '';
  const ctx: ReferenceContext = {
    store,
    faults,
    options: Object.freeze({ ...options }),
    publicUrl: () => publicUrl,
    joinTokens: createJoinTokenService(),
  };
  const tokens = new AccessTokens({ ttlSeconds: options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS, acceptExpired: faults.has('auth-bypass') });
  const clients = new ClientRegistry(options.clients ?? [LOCAL_CREDENTIALS]);
  const gate = new ApiGate(ctx, new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT));
  const stats = new ServerStats();
  const routes = new RouteTable();
  const hotPath = options.hotPath === false ? undefined : createGetRoomHotPath({ ctx, tokens, gate, stats });

  const app = Fastify({
    logger: false,
    ...(hotPath === undefined ? {} : { serverFactory: serverWithHotPath(hotPath) }),
    bodyLimit: BODY_LIMIT_BYTES,
    // close() must not wait for idle keep-alive connections of load generators.
    forceCloseConnections: true,
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true },
    // Errors raised before routing (a malformed percent-encoding in the URL) get the envelope too.
    clientErrorHandler: clientErrorHandler(faults),
    frameworkErrors: (error, _request, reply) => {
      void sendProblem(reply, new ApiProblem(400, 'invalid_request', `The request URL is malformed (${error.message}).`), faults);
    },
  });
  app.setValidatorCompiler(createValidatorCompiler());
  app.setErrorHandler(errorHandler(faults));
  // Only JSON bodies: a text/plain body is a 415, not a string handed to the routes.
  app.removeContentTypeParser(['text/plain']);
  registerJsonBodyParser(app);

  // Per-request bookkeeping is attached to each route as it registers, with its
  // operation name and whether it needs a token worked out once here: reading
  // request.routeOptions (a getter that builds a fresh object) and formatting a
  // lookup key on every request cost more than the rest of our GET room code.
  // Auth and rate limiting cover every authenticated route, whichever part
  // registers it (so the webhook and join parts' /v1 routes get them too).
  const authenticate = createAuthHook(tokens, gate);
  // The join-token-no-auth fault: that one route answers a missing or bad token as if the room belonged to nobody.
  const authenticateJoinToken = faults.has('join-token-no-auth')
    ? createAuthHook(tokens, gate, (request) => roomNotFound((request.params as { room_id: string }).room_id))
    : authenticate;
  app.addHook('onRoute', (route) => {
    routes.add(route.method, route.url);
    const operationFor = operationLookup(route.method, route.url);
    const routeAuth = route.url === JOIN_TOKENS_ROUTE ? authenticateJoinToken : authenticate;
    const hook: OnRequestHook = isAuthenticatedRoute(route.url)
      ? (request, reply, done) => {
          stats.countRequest(operationFor(request.method));
          routeAuth(request, reply, done);
        }
      : (request, _reply, done) => {
          stats.countRequest(operationFor(request.method));
          done();
        };
    // First among the route's own onRequest hooks: the order the former global hooks ran in.
    const own = route.onRequest;
    route.onRequest = own === undefined ? [hook] : [hook, ...(Array.isArray(own) ? own : [own])];
  });
  // Requests that match no route never see a route hook; count them here (is404 is a plain field read).
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.is404) stats.countRequest('other');
    done();
  });
  app.addHook('onResponse', (_request, reply, done) => {
    stats.countResponse(reply.statusCode);
    done();
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? request.url;
    const allowed = routes.allowedMethods(path);
    if (allowed.length > 0) {
      return sendProblem(
        reply,
        new ApiProblem(405, 'method_not_allowed', `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}.`, {
          allow: allowed.join(', '),
        }),
        faults,
      );
    }
    return sendProblem(
      reply,
      new ApiProblem(404, 'not_found', `No route ${request.method} ${path}. The API lives under /v1 (see contracts/videoconnect.v1.openapi.yaml).`),
      faults,
    );
  });

  registerTokenRoute(app, clients, tokens);
  registerRoomRoutes(app, ctx, new IdempotencyStore());
  const parts: ReferencePart[] = [registerWebhooks(app, ctx), registerJoin(app, ctx)];

  try {
    await app.listen({ port: options.port ?? 0, host });
  } catch (error) {
    // Nothing may outlive a failed start (webhook timers, the fastify instance).
    await Promise.allSettled(parts.map((part) => part.close()));
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
  publicUrl = `http://${urlHost(host)}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: publicUrl,
    port,
    store,
    stats: () => stats.snapshot(store.size),
    close: () => {
      closing ??= (async () => {
        // Parts first (signaling sockets, webhook retries), then the HTTP server.
        await Promise.allSettled(parts.map((part) => part.close()));
        await app.close();
      })();
      return closing;
    },
  };
}

/**
 * The HTTP server fastify would create (with the timeouts it would set), whose
 * requests go to the hot path first and to fastify when it declines them.
 */
function serverWithHotPath(hotPath: HotPath): FastifyServerFactory {
  return (fastifyHandler, fastifyOptions) => {
    const server: Server = createServer((request, response) => {
      if (!hotPath(request, response)) fastifyHandler(request, response);
    });
    const { keepAliveTimeout, requestTimeout, connectionTimeout } = fastifyOptions;
    if (typeof keepAliveTimeout === 'number') server.keepAliveTimeout = keepAliveTimeout;
    if (typeof requestTimeout === 'number') server.requestTimeout = requestTimeout;
    if (typeof connectionTimeout === 'number') server.setTimeout(connectionTimeout);
    return server;
  };
}

/** The host to put in URLs: a wildcard bind is reached through loopback; IPv6 literals need brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
