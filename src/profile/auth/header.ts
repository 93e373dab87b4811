import type { Authenticator } from './authenticator.js';

/** `<header>: <prefix><secret>`: an API key in a header of the API's choosing (`X-Api-Key`). */
export function headerAuthenticator(header: string, prefix: string, secret: string): Authenticator {
  const name = header.toLowerCase();
  return {
    kind: 'header',
    headers: async () => ({ [name]: `${prefix}${secret}` }),
    issued: () => [secret],
    invalidate: () => undefined,
  };
}
