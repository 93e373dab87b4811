import type { JWTPayload } from 'jose';
import { sleep } from '../../abortable-sleep.js';
import { readPointer } from '../../profile/pointer.js';
import type { RoomRequest } from '../../profile/request-builder.js';
import { renderTemplate } from '../../profile/template.js';
import type { TemplateValue } from '../../profile/types.js';
import { declaresErrorEnvelope, documents, errorCodes, requiresHeader, successStatuses } from '../../spec/spec-facts.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import { ensured, envelopeProblems, evidenceOf, expectStatus, fail, pass, skip, describeExchange, type CheckOutcome } from '../check.js';
import { cite, defineCheck } from '../check-definition.js';
import { authKind, needs, operationIn, type GateFacts, type Precondition } from '../check-preconditions.js';
import { responseProblems } from '../conformance.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange, OutgoingRequest } from '../http/exchange.js';
import type { AgingToken } from '../http/gate-identity.js';
import {
  expiredClaims,
  grantNames,
  jwtClaims,
  signedByAnotherKey,
  signWithSecret,
  timed,
  unsignedToken,
  withoutGrants,
  wrongCredentialHeaders,
  wrongSecret,
} from './auth-forgery.js';

/**
 * Authentication, by the kind of credential the target profile says the API
 * takes (`auth.kind`):
 *
 * - client-credentials: the token operation's answer (at the profile's
 *   pointers), a wrong client secret refused, no token and a garbage token
 *   refused; and, only where the access tokens are JWTs, `alg: none`, a
 *   foreign signature and an expired token refused;
 * - bearer, header (a static API key): no key refused, a wrong key refused;
 * - basic: no credentials refused, a wrong secret refused;
 * - jwt (signed by the client with the shared secret): no token, a garbage
 *   token, a token signed with another secret, an expired one, an unsigned
 *   one refused, and, where the profile's claims carry grants (LiveKit's
 *   `video`), a token without them.
 *
 * "Refused" is what the document declares for the probed operation: 401, or
 * 403 or 400 where it declares those (Daily answers a request without any
 * Authorization header 400 `authorization-header-error`), with the body the
 * declared response describes (LiveKit's key middleware answers 401 in plain
 * text, as its document says); the VideoConnect envelope and error codes are
 * demanded only where the profile's convention is the envelope.
 */

export type { AgingToken } from '../http/gate-identity.js';

/** The statuses that can refuse credentials, in the order messages name them. */
const REFUSALS = [401, 403, 400] as const;

/** The operation the refusals are probed on: the list (cheap, takes no id), else the get. */
export function probeOperation(facts: GateFacts): IndexedOperation | undefined {
  return operationIn(facts, 'listRooms') ?? operationIn(facts, 'getRoom');
}

/** The probed operation declares how it refuses credentials (401 or 403). */
const refusable: Precondition = (facts) => {
  const op = probeOperation(facts);
  if (op === undefined) return 'the target profile maps no list or get operation to send credentials to';
  return documents(op, 401) || documents(op, 403) ? undefined : `${op.operationId} declares no 401 or 403 response, so nothing says how it refuses credentials`;
};

/** A wrong credential can be sent: the token operation's wrong secret, or a wrong static key, Basic pair. */
const wrongCredentialRefusable: Precondition = (facts) => {
  const { auth } = facts.profile;
  if (auth.kind === 'jwt') return "the target profile's auth kind is jwt: a wrong secret only signs a token differently (auth.wrong-signature-401 sends one)";
  if (auth.kind !== 'client-credentials') return refusable(facts);
  const token = operationIn(facts, 'issueToken');
  if (token === undefined) return needs('issueToken')(facts);
  return REFUSALS.some((status) => documents(token, status)) ? undefined : `${token.operationId} declares no 401, 403 or 400 response for wrong credentials`;
};

/** The profile's self-signed tokens carry a grant (a claim beyond iss, sub, aud, iat, nbf, exp, jti). */
const grantsInClaims: Precondition = (facts) => {
  const { auth } = facts.profile;
  if (auth.kind !== 'jwt') return `the target profile's auth kind is ${auth.kind}, not jwt`;
  return grantNames(auth.claims as JWTPayload).length > 0
    ? undefined
    : "the target profile's JWT claims carry no grant (auth.claims has only registered claims)";
};

const TOKEN_KINDS = authKind('client-credentials', 'jwt');
const REFUSED = cite.openapi('{listRooms}/responses/401');
const SCHEMES = cite.openapi('#/components/securitySchemes');

export const AUTH_CHECKS = {
  tokenResponse: defineCheck({
    id: 'auth.token-response',
    group: 'auth',
    enforces: 'valid client credentials get a 2xx with an access token (and a positive lifetime) where the profile says, token_type Bearer when given',
    cites: [cite.openapi('{issueToken}/responses'), cite.standard('RFC 6749 §5.1')],
    requires: [needs('issueToken')],
  }),
  badClient: defineCheck({
    id: 'auth.bad-client-401',
    group: 'auth',
    enforces:
      'wrong client credentials are refused as the document declares (401, or 400/403 where declared): a wrong secret at the token operation, a wrong API key, a wrong Basic secret',
    cites: [cite.openapi('{issueToken}/responses/401'), SCHEMES],
    requires: [wrongCredentialRefusable],
  }),
  missingToken: defineCheck({
    id: 'auth.missing-token-401',
    group: 'auth',
    enforces: 'a request without credentials is refused as the document declares (401, or 400/403 where declared; with WWW-Authenticate when required)',
    cites: [REFUSED, SCHEMES, cite.standard('RFC 6750 §3')],
    requires: [refusable],
  }),
  garbageToken: defineCheck({
    id: 'auth.garbage-token-401',
    group: 'auth',
    enforces: 'a bearer token that is not a token the target issued (not even a JWT) is refused as declared',
    cites: [REFUSED],
    requires: [TOKEN_KINDS, refusable],
  }),
  algNone: defineCheck({
    id: 'auth.alg-none-401',
    group: 'auth',
    enforces: 'an unsigned (alg: none) token with valid claims is refused as declared',
    cites: [REFUSED, cite.standard('RFC 8725 §3.1')],
    requires: [TOKEN_KINDS, refusable],
  }),
  wrongSignature: defineCheck({
    id: 'auth.wrong-signature-401',
    group: 'auth',
    enforces: 'a token with valid claims signed by another key is refused as declared',
    cites: [REFUSED, cite.standard('RFC 7519 §7.2')],
    requires: [TOKEN_KINDS, refusable],
  }),
  missingGrant: defineCheck({
    id: 'auth.missing-grant-401',
    group: 'auth',
    enforces: "a correctly signed token whose claims carry none of the grants the profile's claims give is refused as declared",
    cites: [REFUSED, SCHEMES],
    requires: [grantsInClaims, refusable],
  }),
  expiredToken: defineCheck({
    id: 'auth.expired-token-401',
    group: 'auth',
    enforces: 'an expired, correctly signed token is refused as declared',
    cites: [REFUSED, cite.standard('RFC 7519 §4.1.4')],
    requires: [TOKEN_KINDS, refusable],
  }),
};

/** The request the refusals are probed with: a one-item list page, else a get of a room that does not exist. */
function probeRequest(ctx: GateContext): RoomRequest {
  return ctx.profile.rooms.list !== undefined ? ctx.api.list({ limit: 1 }) : ctx.api.get('roomgate-auth-probe');
}

/** The probe as the target receives it with these credentials instead of the gate's own. */
function sendProbe(ctx: GateContext, auth: OutgoingRequest['auth']): Promise<Exchange> {
  return ctx.send(probeRequest(ctx), { auth });
}

export async function runAuthChecks(ctx: GateContext): Promise<void> {
  let realToken: string | undefined;
  const probe = probeOperation(ctx.facts);
  const refusal = (op: IndexedOperation | undefined, bearer: boolean) => refusalOf(ctx, ensured(op, 'the probed operation'), bearer);
  const kind = ctx.profile.auth.kind;
  const bearerChallenge = kind === 'client-credentials' || kind === 'jwt' || kind === 'bearer';

  await ctx.check(AUTH_CHECKS.tokenResponse, async () => {
    const auth = ctx.profile.auth;
    if (auth.kind !== 'client-credentials') throw new Error('the token check ran for a profile without a token operation');
    const op = ensured(operationIn(ctx.facts, 'issueToken'), 'the token operation');
    const exchange = await ensured(ctx.issueToken(), 'the token operation');
    const success = successStatuses(op);
    expectStatus(exchange, success.length > 0 ? success : [200, 201], `${op.operationId} with valid credentials`);
    const problems: string[] = [];
    const token = readPointer(exchange.json, auth.token.accessToken);
    if (typeof token !== 'string' || token === '') problems.push(`no access token at ${auth.token.accessToken || '/'} (auth.token.accessToken)`);
    if (auth.token.expiresIn !== undefined) {
      const lifetime = readPointer(exchange.json, auth.token.expiresIn);
      if (typeof lifetime !== 'number' || !Number.isFinite(lifetime) || lifetime <= 0) {
        problems.push(`the lifetime at ${auth.token.expiresIn} (auth.token.expiresIn) is ${JSON.stringify(lifetime)}, not a positive number`);
      }
    }
    // RFC 6749 §5.1: token_type is required and case-insensitive; judged where the answer gives one.
    const tokenType = (exchange.json as Record<string, unknown>)['token_type'];
    if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer'))
      problems.push(`token_type is ${JSON.stringify(tokenType)}, not Bearer`);
    if (problems.length > 0) return fail(problems.join('; '), [evidenceOf(exchange, `an access token at ${auth.token.accessToken || '/'}`)]);
    realToken = token as string;
    return pass(1);
  });

  await ctx.check(AUTH_CHECKS.badClient, async () => {
    const auth = ctx.profile.auth;
    const { clientId } = ctx.target.credentials;
    if (auth.kind === 'client-credentials') {
      const op = ensured(operationIn(ctx.facts, 'issueToken'), 'the token operation');
      const exchange = await ensured(ctx.issueToken({ clientId, clientSecret: wrongSecret() }), 'the token operation');
      return expectRefused(ctx, exchange, `${op.operationId} with a wrong client secret`, refusalOf(ctx, op, false));
    }
    const what = auth.kind === 'basic' ? `a wrong secret for ${clientId}` : auth.kind === 'header' ? `a wrong API key in ${auth.header}` : 'a wrong API key';
    return expectRefused(ctx, await sendProbe(ctx, { headers: wrongCredentialHeaders(auth, clientId) }), what, refusal(probe, bearerChallenge));
  });

  await ctx.check(AUTH_CHECKS.missingToken, async () =>
    expectRefused(ctx, await sendProbe(ctx, false), 'a request without credentials', refusal(probe, bearerChallenge)),
  );

  await ctx.check(AUTH_CHECKS.garbageToken, async () =>
    expectRefused(ctx, await sendProbe(ctx, 'not-a-jwt'), 'a token that is not a JWT', refusal(probe, true)),
  );

  /** Claims a valid token of this target carries: a real access token's, or the profile's own for self-signed tokens. */
  const validClaims = async (): Promise<JWTPayload | string> => {
    if (kind === 'jwt') return profileClaims(ctx, Date.now());
    if (realToken === undefined) return 'no real token to forge from (auth.token-response failed)';
    return jwtClaims(realToken) ?? NOT_A_JWT;
  };

  await ctx.check(AUTH_CHECKS.algNone, async () => {
    const claims = await validClaims();
    if (typeof claims === 'string') return skip(claims);
    return expectRefused(ctx, await sendProbe(ctx, unsignedToken(claims)), 'an alg:none token with the claims of a valid one', refusal(probe, true));
  });

  await ctx.check(AUTH_CHECKS.wrongSignature, async () => {
    const claims = await validClaims();
    if (typeof claims === 'string') return skip(claims);
    const forged = await signedByAnotherKey(claims);
    return expectRefused(ctx, await sendProbe(ctx, forged), 'a token with valid claims signed by another key', refusal(probe, true));
  });

  await ctx.check(AUTH_CHECKS.missingGrant, async () => {
    const token = await signWithSecret(withoutGrants(profileClaims(ctx, Date.now())), ctx.target.credentials.clientSecret);
    const grants = grantNames(profileClaims(ctx, Date.now())).join(', ');
    return expectRefused(ctx, await sendProbe(ctx, token), `a correctly signed token without its grants (${grants})`, refusal(probe, true));
  });
}

/**
 * An expired token with a valid signature. For self-signed tokens (jwt) the
 * gate mints one with the shared secret, expired a minute ago. A target's own
 * tokens (client credentials) cannot be forged, so the gate uses a real one:
 * `expiredToken` from the options, or the first token it obtained, once it
 * has expired — waiting for that only when the target's tokens live at most
 * `expiredTokenMaxWaitSeconds` (the embedded server issues 3 s tokens for the
 * gate). Otherwise skipped, with how to enable it.
 */
export async function runExpiredTokenCheck(ctx: GateContext, aging: AgingToken | undefined): Promise<void> {
  await ctx.check(AUTH_CHECKS.expiredToken, async () => {
    let token: string;
    if (ctx.profile.auth.kind === 'jwt')
      token = await signWithSecret(expiredClaims(profileClaims(ctx, Date.now(), false), Date.now() / 1000), ctx.target.credentials.clientSecret);
    else if (ctx.options.expiredToken !== undefined) token = ctx.options.expiredToken;
    else if (aging === undefined) return skip('no token could be obtained at the start of the gate');
    else if (
      jwtClaims(aging.token) === undefined &&
      ctx.options.expiredToken === undefined &&
      aging.expiresInSeconds > ctx.options.expiredTokenMaxWaitSeconds
    ) {
      return skip(
        `${NOT_A_JWT}, and they live ${aging.expiresInSeconds} s, longer than the gate waits (${ctx.options.expiredTokenMaxWaitSeconds} s); pass --expired-token with an expired token to run this check`,
      );
    } else if (aging.expiresInSeconds > ctx.options.expiredTokenMaxWaitSeconds) {
      return skip(
        `the target's tokens live ${aging.expiresInSeconds} s, longer than the gate waits (${ctx.options.expiredTokenMaxWaitSeconds} s); pass --expired-token with a correctly signed, expired token to run this check`,
      );
    } else {
      // JWT exp has whole-second resolution: wait a full second past the nominal lifetime.
      const expiresAt = aging.issuedAtMs + (aging.expiresInSeconds + 1) * 1000;
      const wait = expiresAt - Date.now();
      if (wait > 0) {
        await sleep(wait, ctx.signal);
        ctx.signal.throwIfAborted(); // sleep ends early on abort: never send a token that has not expired yet
      }
      token = aging.token;
    }
    return expectRefused(
      ctx,
      await sendProbe(ctx, token),
      'an expired (correctly signed) token',
      refusalOf(ctx, ensured(probeOperation(ctx.facts), 'the probed operation'), true),
    );
  });
}

/** The claims the profile's jwt auth signs (its template rendered, `{{clientId}}` the key id), with a fresh lifetime unless `timedNow` is false. */
function profileClaims(ctx: GateContext, nowMs: number, timedNow = true): JWTPayload {
  const auth = ctx.profile.auth;
  if (auth.kind !== 'jwt') return {};
  const rendered = renderTemplate(auth.claims as TemplateValue, { clientId: ctx.target.credentials.clientId }, { now: () => nowMs });
  const claims = (typeof rendered === 'object' && rendered !== null && !Array.isArray(rendered) ? rendered : {}) as JWTPayload;
  return timedNow ? timed(claims, Math.floor(nowMs / 1000), Math.max(1, Math.floor(auth.lifetimeMs / 1000))) : claims;
}

/** What the document says a refusal by this operation looks like. */
interface Refusal {
  op: IndexedOperation;
  /** The refusal statuses it declares, 401 first. */
  statuses: number[];
  /** The profile's convention is VideoConnect's envelope (with the error codes the document pins). */
  envelope: boolean;
  /** A Bearer credential: a required WWW-Authenticate must be a Bearer challenge (RFC 6750 §3). */
  bearer: boolean;
}

function refusalOf(ctx: GateContext, op: IndexedOperation, bearer: boolean): Refusal {
  return {
    op,
    statuses: REFUSALS.filter((status) => documents(op, status)),
    envelope: ctx.profile.conventions.errors === 'envelope' && declaresErrorEnvelope(ctx.spec),
    bearer,
  };
}

function expectRefused(ctx: GateContext, exchange: Exchange, what: string, refusal: Refusal): CheckOutcome {
  const { op, statuses } = refusal;
  const status = exchange.status;
  const problems: string[] = [];
  if (status === undefined || !statuses.includes(status)) {
    const accepted = status !== undefined && status >= 200 && status < 300;
    problems.push(
      `${accepted ? 'it was accepted' : 'it was not refused'}: ${op.operationId} answered ${status === undefined ? describeExchange(exchange) : status}, not ${statuses.join(' or ')}`,
    );
  } else {
    problems.push(...responseProblems(ctx.spec, op, exchange).map((p) => `the ${status}: ${p}`));
    if (refusal.envelope) {
      const envelope = envelopeProblems(exchange);
      problems.push(...envelope);
      const codes = errorCodes(ctx.spec, op, status);
      const error = (exchange.json as { error?: unknown } | undefined)?.error;
      if (envelope.length === 0 && codes !== undefined && !codes.includes(error as string))
        problems.push(`error is ${JSON.stringify(error)}, not ${codes.join(' or ')} (the document's ${status})`);
    }
    if (
      refusal.bearer &&
      status === 401 &&
      requiresHeader(ctx.spec, op, 401, 'WWW-Authenticate') &&
      !/^bearer\b/i.test(exchange.headers['www-authenticate'] ?? '')
    ) {
      problems.push('no WWW-Authenticate: Bearer challenge');
    }
  }
  if (problems.length === 0) return pass(1);
  const expected = `${statuses.join(' or ')} as ${op.operationId} declares it${refusal.envelope ? ', in the error envelope' : ''}`;
  return fail(`${what} was not refused as documented: ${[...new Set(problems)].join('; ')}`, [evidenceOf(exchange, expected)]);
}

const NOT_A_JWT = "the target's access tokens are not JWTs (the document does not say they are), so there are no claims to forge a token from";
