import type { Authenticator } from './authenticator.js';

/** `Authorization: Basic base64(<id>:<secret>)` (RFC 7617; Twilio's account SID and auth token). */
export function basicAuthenticator(id: string, secret: string): Authenticator {
  const encoded = basicCredentials(id, secret);
  return {
    kind: 'basic',
    headers: async () => ({ authorization: `Basic ${encoded}` }),
    // The encoding is as secret as the secret: it decodes to it.
    issued: () => [secret, encoded],
    invalidate: () => undefined,
  };
}

/** RFC 7617 §2: base64 of the UTF-8 `id:secret`. */
export function basicCredentials(id: string, secret: string): string {
  return Buffer.from(`${id}:${secret}`, 'utf8').toString('base64');
}
