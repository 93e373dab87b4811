import { randomBytes } from 'node:crypto';
import { decodeJwt, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { basicCredentials } from '../../profile/auth/basic.js';
import type { AuthConfig } from '../../profile/types.js';

/**
 * The bad credentials the auth checks send, each differing from a good one in
 * exactly the property under test, made with jose rather than by hand (a
 * hand-built JWT would test our encoder, not the target's verifier).
 */

/** The claims of a JWT, or undefined for an opaque token: forging applies only to JWTs. */
export function jwtClaims(token: string): JWTPayload | undefined {
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}

/** The same claims, unsigned (`alg: none`, RFC 8725 §3.1). */
export function unsignedToken(claims: JWTPayload): string {
  return new UnsecuredJWT(claims).encode();
}

/** The same claims, HS256-signed with a random key the target cannot know. */
export function signedByAnotherKey(claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(randomBytes(32));
}

/** Claims the client signs itself with the target's shared secret (HS256), as a profile's `jwt` auth does. */
export function signWithSecret(claims: JWTPayload, secret: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

/** The claims with a lifetime: `iat`, `nbf` and `exp` in whole seconds (RFC 7519 NumericDate) from `issuedAtSeconds`. */
export function timed(claims: JWTPayload, issuedAtSeconds: number, lifetimeSeconds: number): JWTPayload {
  return { ...claims, iat: issuedAtSeconds, nbf: issuedAtSeconds, exp: issuedAtSeconds + lifetimeSeconds };
}

/**
 * A token that expired a while ago, correctly signed with the secret: issued
 * two minutes before `nowSeconds`, expired a minute before it, well outside
 * any clock-skew leeway a verifier allows (jose's default is 0, LiveKit's a
 * few seconds).
 */
export function expiredClaims(claims: JWTPayload, nowSeconds: number): JWTPayload {
  return timed(claims, Math.floor(nowSeconds) - 120, 60);
}

/** RFC 7519 §4.1's registered claims: who signed, for whom, when. Everything else a token carries is a grant. */
const REGISTERED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']);

/** The claims that grant something (LiveKit's `video`), by name; empty when the token carries only registered claims. */
export function grantNames(claims: JWTPayload): string[] {
  return Object.keys(claims).filter((name) => !REGISTERED_CLAIMS.has(name));
}

/** The claims without any grant: a token that says who it is and nothing it may do. */
export function withoutGrants(claims: JWTPayload): JWTPayload {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => REGISTERED_CLAIMS.has(name)));
}

/** A value no target issued: random, so a target that accepts it accepts anything. */
export function wrongSecret(): string {
  return `roomgate-wrong-${randomBytes(9).toString('base64url')}`;
}

/**
 * Credential headers of the profile's kind that carry a wrong secret: a wrong
 * API key (bearer, or in the profile's header), a wrong Basic secret for the
 * real id, or for token kinds a bearer token the target never issued.
 */
export function wrongCredentialHeaders(auth: AuthConfig, clientId: string): Record<string, string> {
  const wrong = wrongSecret();
  switch (auth.kind) {
    case 'basic':
      return { authorization: `Basic ${basicCredentials(clientId, wrong)}` };
    case 'header':
      return { [auth.header.toLowerCase()]: `${auth.prefix}${wrong}` };
    case 'bearer':
    case 'client-credentials':
    case 'jwt':
      return { authorization: `Bearer ${wrong}` };
  }
}
