import { randomBytes } from 'node:crypto';
import { decodeJwt, SignJWT, UnsecuredJWT } from 'jose';
import { sleep } from '../../abortable-sleep.js';
import { ensured, envelopeProblems, evidenceOf, expectStatus, fail, pass, skip, type CheckOutcome } from '../check.js';
import { cite, defineCheck } from '../check-definition.js';
import { documented, needs } from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';
import { declaresErrorEnvelope, errorCodes, operationFor, requiresHeader } from '../../spec/spec-facts.js';

/** A token obtained at the start of the gate and the moment it was issued, for the expired-token check. */
export interface AgingToken {
  token: string;
  issuedAtMs: number;
  expiresInSeconds: number;
}

const REFUSED = cite.openapi('{listRooms}/responses/401');
const refusable = [needs('issueToken', 'listRooms'), documented('listRooms', 401)];

export const AUTH_CHECKS = {
  tokenResponse: defineCheck({
    id: 'auth.token-response',
    group: 'auth',
    enforces: 'valid client credentials get 200 {access_token, token_type Bearer, expires_in > 0}',
    cites: [cite.openapi('{issueToken}/responses/200'), cite.standard('RFC 6749 §5.1')],
    requires: [needs('issueToken')],
  }),
  badClient: defineCheck({
    id: 'auth.bad-client-401',
    group: 'auth',
    enforces: 'a wrong client secret is 401 with the error code the document gives',
    cites: [cite.openapi('{issueToken}/responses/401')],
    requires: [needs('issueToken'), documented('issueToken', 401)],
  }),
  missingToken: defineCheck({
    id: 'auth.missing-token-401',
    group: 'auth',
    enforces: 'no Authorization header is 401 (with WWW-Authenticate when the document requires it)',
    cites: [REFUSED, cite.standard('RFC 6750 §3')],
    requires: [needs('listRooms'), documented('listRooms', 401)],
  }),
  garbageToken: defineCheck({
    id: 'auth.garbage-token-401',
    group: 'auth',
    enforces: 'a bearer token that is not a JWT is 401',
    cites: [REFUSED],
    requires: [needs('listRooms'), documented('listRooms', 401)],
  }),
  algNone: defineCheck({
    id: 'auth.alg-none-401',
    group: 'auth',
    enforces: 'an unsigned (alg: none) token with valid claims is 401',
    cites: [REFUSED, cite.standard('RFC 8725 §3.1')],
    requires: refusable,
  }),
  wrongSignature: defineCheck({
    id: 'auth.wrong-signature-401',
    group: 'auth',
    enforces: 'a token with valid claims signed by another key is 401',
    cites: [REFUSED],
    requires: refusable,
  }),
  expiredToken: defineCheck({
    id: 'auth.expired-token-401',
    group: 'auth',
    enforces: 'an expired, correctly signed token is 401',
    cites: [REFUSED, cite.openapi('{issueToken}/responses/200/content/application~1json/schema/properties/expires_in')],
    requires: refusable,
  }),
};

/**
 * Authentication: the token endpoint's answer, and that every kind of bad
 * token is refused with 401 in the envelope (plus WWW-Authenticate). Forged
 * tokens are made with jose from the claims of a real token, so they differ
 * from a valid one only in the property under test.
 */
export async function runAuthChecks(ctx: GateContext): Promise<void> {
  let realToken: string | undefined;
  const badClient = refusal(ctx, 'issueToken', false);
  const badToken = refusal(ctx, 'listRooms', true);

  await ctx.check(AUTH_CHECKS.tokenResponse, async () => {
    const exchange = await ensured(ctx.issueToken(), 'the token operation');
    expectStatus(exchange, 200, 'POST /v1/auth/token with valid credentials');
    const body = exchange.json as { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
    const problems: string[] = [];
    if (typeof body.access_token !== 'string' || body.access_token === '') problems.push('access_token is not a non-empty string');
    if (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer') problems.push('token_type is not Bearer');
    if (typeof body.expires_in !== 'number' || !Number.isInteger(body.expires_in) || body.expires_in <= 0) {
      problems.push('expires_in is not a positive integer');
    }
    if (problems.length > 0) return fail(problems.join('; '), [evidenceOf(exchange, '{access_token, token_type: "Bearer", expires_in > 0}')]);
    realToken = body.access_token as string;
    return pass(1);
  });

  await ctx.check(AUTH_CHECKS.badClient, async () => {
    const exchange = await ensured(ctx.issueToken({ clientId: ctx.target.credentials.clientId, clientSecret: `wrong-${randomBytes(6).toString('hex')}` }), 'the token operation');
    return expect401(exchange, 'a wrong client secret', badClient);
  });

  await ctx.check(AUTH_CHECKS.missingToken, async () => {
    const exchange = await ctx.http.send({ method: 'GET', path: '/v1/rooms', auth: false });
    return expect401(exchange, 'no Authorization header', badToken);
  });

  await ctx.check(AUTH_CHECKS.garbageToken, async () => {
    const exchange = await ctx.http.send({ method: 'GET', path: '/v1/rooms', auth: 'not-a-jwt' });
    return expect401(exchange, 'a token that is not a JWT', badToken);
  });

  await ctx.check(AUTH_CHECKS.algNone, async () => {
    if (realToken === undefined) return skip('no real token to forge from (auth.token-response failed)');
    const claims = jwtClaims(realToken);
    if (claims === undefined) return skip(NOT_A_JWT);
    const forged = new UnsecuredJWT(claims).encode();
    const exchange = await ctx.http.send({ method: 'GET', path: '/v1/rooms', auth: forged });
    return expect401(exchange, 'an alg:none token with the claims of a valid one', badToken);
  });

  await ctx.check(AUTH_CHECKS.wrongSignature, async () => {
    if (realToken === undefined) return skip('no real token to forge from (auth.token-response failed)');
    const claims = jwtClaims(realToken);
    if (claims === undefined) return skip(NOT_A_JWT);
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(randomBytes(32));
    const exchange = await ctx.http.send({ method: 'GET', path: '/v1/rooms', auth: forged });
    return expect401(exchange, 'a token with valid claims signed by another key', badToken);
  });
}

/**
 * An expired token with a valid signature cannot be forged without the
 * target's key, so the gate uses a real one: either `expiredToken` from the
 * options, or the token it obtained at the start, once it has expired —
 * waiting for that only when the target's tokens live at most
 * `expiredTokenMaxWaitSeconds` (the embedded server issues 3 s tokens for the
 * gate). Otherwise skipped, with how to enable it.
 */
export async function runExpiredTokenCheck(ctx: GateContext, aging: AgingToken | undefined): Promise<void> {
  await ctx.check(AUTH_CHECKS.expiredToken, async () => {
    let token: string;
    if (ctx.options.expiredToken !== undefined) token = ctx.options.expiredToken;
    else if (aging === undefined) return skip('no token could be obtained at the start of the gate');
    else if (aging.expiresInSeconds > ctx.options.expiredTokenMaxWaitSeconds) {
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
    const exchange = await ctx.http.send({ method: 'GET', path: '/v1/rooms', auth: token });
    return expect401(exchange, 'an expired (correctly signed) token', refusal(ctx, 'listRooms', true));
  });
}

/** What the document says a refusal of this operation looks like: its 401 error codes and whether WWW-Authenticate is required. */
interface Refusal {
  codes: string[] | undefined;
  envelope: boolean;
  challenge: boolean;
}

function refusal(ctx: GateContext, role: 'issueToken' | 'listRooms', bearer: boolean): Refusal {
  const op = operationFor(ctx.spec, role);
  return {
    codes: errorCodes(ctx.spec, op, 401),
    envelope: declaresErrorEnvelope(ctx.spec),
    challenge: bearer && requiresHeader(ctx.spec, op, 401, 'WWW-Authenticate'),
  };
}

function expect401(exchange: Exchange, what: string, expected: Refusal): CheckOutcome {
  const problems: string[] = [];
  if (exchange.status !== 401) problems.push(`status ${exchange.status ?? 'none'}, not 401`);
  else {
    if (expected.envelope) problems.push(...envelopeProblems(exchange));
    const error = (exchange.json as { error?: unknown } | undefined)?.error;
    if (problems.length === 0 && expected.codes !== undefined && !expected.codes.includes(error as string)) {
      problems.push(`error is ${JSON.stringify(error)}, not ${expected.codes.join(' or ')} (the document's 401)`);
    }
    if (expected.challenge && !/^bearer\b/i.test(exchange.headers['www-authenticate'] ?? '')) problems.push('no WWW-Authenticate: Bearer challenge');
  }
  const codes = expected.codes === undefined ? '' : ` ${expected.codes.join('|')}`;
  return problems.length === 0
    ? pass(1)
    : fail(`${what} was not refused properly: ${problems.join('; ')}`, [
        evidenceOf(exchange, `401${codes}${expected.envelope ? ' in the error envelope' : ''}${expected.challenge ? ' with WWW-Authenticate: Bearer' : ''}`),
      ]);
}

const NOT_A_JWT = 'the target\'s access tokens are not JWTs (the document does not say they are), so there are no claims to forge a token from';

/** The claims of a JWT, or undefined for an opaque token: forging applies only to JWTs. */
function jwtClaims(token: string): ReturnType<typeof decodeJwt> | undefined {
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}
