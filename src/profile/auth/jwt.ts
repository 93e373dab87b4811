import { SignJWT, type JWTPayload } from 'jose';
import { TokenCache } from './token-cache.js';
import { renderTemplate } from '../template.js';
import type { TemplateValue } from '../types.js';
import { IssuedValues, type Authenticator, type Credentials, type ObtainedToken } from './authenticator.js';

/**
 * `Authorization: Bearer <JWT>` signed by roomgate itself with the shared
 * secret (HS256, via jose), as LiveKit-style server APIs require: the claims
 * come from the profile's template (`{{clientId}}` is the API key), iat, nbf
 * and exp are added, and a fresh token is minted before the old one expires
 * (the token cache's margin) or after the target refused one.
 */
export interface JwtAuthOptions {
  lifetimeMs: number;
  claims: Readonly<Record<string, TemplateValue>>;
  now?: () => number;
  refreshBeforeMs?: number;
  onToken?: (token: ObtainedToken) => void;
}

export function jwtAuthenticator(credentials: Credentials, options: JwtAuthOptions): Authenticator {
  const now = options.now ?? Date.now;
  const key = new TextEncoder().encode(credentials.secret);
  const issued = new IssuedValues();
  issued.add(credentials.secret);
  const mint = async () => {
    const rendered = renderTemplate(options.claims as TemplateValue, credentials.id === undefined ? {} : { clientId: credentials.id }, { now });
    const claims = (typeof rendered === 'object' && rendered !== null && !Array.isArray(rendered) ? rendered : {}) as JWTPayload;
    const iat = Math.floor(now() / 1000);
    // Whole seconds (RFC 7519 NumericDate); a lifetime under a second still lives one.
    const lifetimeSeconds = Math.max(1, Math.floor(options.lifetimeMs / 1000));
    const token = await new SignJWT({ ...claims, iat, nbf: iat, exp: iat + lifetimeSeconds }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
    issued.add(token);
    options.onToken?.({ value: token, obtainedAtMs: iat * 1000, expiresInSeconds: lifetimeSeconds });
    return { accessToken: token, expiresInSeconds: lifetimeSeconds };
  };
  const tokens = new TokenCache(mint, { now, ...(options.refreshBeforeMs === undefined ? {} : { refreshBeforeMs: options.refreshBeforeMs }) });
  return {
    kind: 'jwt',
    headers: async (signal) => ({ authorization: `Bearer ${await tokens.get(signal)}` }),
    issued: () => issued.list(),
    invalidate: () => tokens.invalidate(),
  };
}
