import { announceIssuedSecret } from '../../issued-secrets.js';
import type { TargetProfile } from '../types.js';
import type { Authenticator, AuthenticatorOptions, Credentials } from './authenticator.js';
import { basicAuthenticator } from './basic.js';
import { bearerAuthenticator } from './bearer.js';
import { clientCredentialsAuthenticator } from './client-credentials.js';
import { headerAuthenticator } from './header.js';
import { jwtAuthenticator } from './jwt.js';

/** The authenticator the profile's `auth.kind` asks for, with credentials from resolveCredentials. */
export function createAuthenticator(profile: TargetProfile, credentials: Credentials, options: AuthenticatorOptions): Authenticator {
  const authenticator = authenticatorFor(profile, credentials, options);
  // Static kinds hold all they will ever send from the start; the token kinds announce each token as it comes.
  for (const value of authenticator.issued()) announceIssuedSecret(value);
  return authenticator;
}

function authenticatorFor(profile: TargetProfile, credentials: Credentials, options: AuthenticatorOptions): Authenticator {
  const auth = profile.auth;
  switch (auth.kind) {
    case 'client-credentials':
      return clientCredentialsAuthenticator(auth.token, credentials, {
        baseUrl: options.baseUrl,
        timeoutMs: options.timeoutMs ?? 10_000,
        dispatcher: options.dispatcher,
        now: options.now,
        send: options.send,
        refreshBeforeMs: options.refreshBeforeMs,
        onToken: options.onToken,
      });
    case 'bearer':
      return bearerAuthenticator(credentials.secret);
    case 'basic':
      // resolveCredentials refuses a basic profile without an id.
      return basicAuthenticator(credentials.id ?? '', credentials.secret);
    case 'header':
      return headerAuthenticator(auth.header, auth.prefix, credentials.secret);
    case 'jwt':
      return jwtAuthenticator(credentials, {
        lifetimeMs: auth.lifetimeMs,
        claims: auth.claims,
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.refreshBeforeMs === undefined ? {} : { refreshBeforeMs: options.refreshBeforeMs }),
        ...(options.onToken === undefined ? {} : { onToken: options.onToken }),
      });
  }
}
