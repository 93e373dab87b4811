import type { Authenticator } from './authenticator.js';

/** `Authorization: Bearer <secret>`: a static API key used as the bearer token (Daily). */
export function bearerAuthenticator(secret: string): Authenticator {
  const headers = { authorization: `Bearer ${secret}` };
  return {
    kind: 'bearer',
    headers: async () => ({ ...headers }),
    issued: () => [secret],
    invalidate: () => undefined,
  };
}
