import type { Dispatcher } from 'undici';
import { TokenCache } from './token-cache.js';
import { exchange, ProfileApiError } from '../http-exchange.js';
import { readPointer } from '../pointer.js';
import { buildRequest } from '../request-builder.js';
import type { TokenEndpoint } from '../types.js';
import type { RoomRequest } from '../request-builder.js';
import { IssuedValues, type Authenticator, type Credentials, type ObtainedToken, type TokenTransport } from './authenticator.js';
import { basicCredentials } from './basic.js';

/**
 * OAuth-style client credentials: the pair goes to the profile's token
 * operation (a JSON body, or an RFC 6749 §4.4 form body; in the body or as
 * HTTP Basic, §2.3.1), the access token and its lifetime are read at the
 * profile's pointers, and the token is cached and refreshed before expiry
 * (token-cache.ts, shared with the VideoConnect client).
 */
export interface ClientCredentialsOptions {
  baseUrl: string;
  timeoutMs: number;
  dispatcher?: Dispatcher | undefined;
  now?: (() => number) | undefined;
  send?: TokenTransport | undefined;
  refreshBeforeMs?: number | undefined;
  onToken?: ((token: ObtainedToken) => void) | undefined;
}

/**
 * The token request for a credential pair, built like any role's (the
 * resolved operation, the chosen encoding), and the derived values to redact
 * (the Basic encoding of the pair). Credentials are data here, not
 * templates: a `{{` in a secret must reach the server as it is.
 */
export function tokenRequest(endpoint: TokenEndpoint, credentials: Credentials): { request: RoomRequest; secrets: string[] } {
  const id = credentials.id ?? '';
  const body: Record<string, string> = { ...endpoint.fields };
  const extraHeaders: Record<string, string> = {};
  const secrets = [credentials.secret];
  if (endpoint.clientAuth === 'basic') {
    const encoded = basicCredentials(encodeURIComponent(id), encodeURIComponent(credentials.secret));
    secrets.push(encoded);
    extraHeaders['authorization'] = `Basic ${encoded}`;
  } else {
    body[endpoint.idField] = id;
    body[endpoint.secretField] = credentials.secret;
  }
  const request = buildRequest({ ...endpoint, body: undefined, query: {}, params: {}, headers: {} }, {}, {}, extraHeaders);
  request.body = endpoint.encoding === 'form' ? new URLSearchParams(body).toString() : JSON.stringify(body);
  request.contentType = endpoint.encoding === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
  request.headers['content-type'] = request.contentType;
  return { request, secrets };
}

export function clientCredentialsAuthenticator(endpoint: TokenEndpoint, credentials: Credentials, options: ClientCredentialsOptions): Authenticator {
  const issued = new IssuedValues();
  issued.add(credentials.secret);
  const now = options.now ?? Date.now;
  const send: TokenTransport =
    options.send ??
    ((request, signal) => exchange(request, { baseUrl: options.baseUrl, timeoutMs: options.timeoutMs, signal, dispatcher: options.dispatcher }));
  const tokens = new TokenCache(
    async (signal) => {
      const { request, secrets } = tokenRequest(endpoint, credentials);
      issued.add(...secrets);
      const obtainedAtMs = now();
      const answer = await send(request, signal);
      if (answer.status < 200 || answer.status >= 300)
        throw new ProfileApiError(request.operationId, answer.status, answer.text, '(token request refused: check the client id and secret)');
      const token = readPointer(answer.json, endpoint.accessToken);
      if (typeof token !== 'string' || token === '') {
        throw new ProfileApiError(
          request.operationId,
          answer.status,
          answer.text,
          `(no access token at ${endpoint.accessToken || '/'}: fix auth.token.accessToken)`,
        );
      }
      issued.add(token);
      const expiresIn = endpoint.expiresIn === undefined ? undefined : Number(readPointer(answer.json, endpoint.expiresIn));
      const expiresInSeconds = expiresIn !== undefined && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : endpoint.lifetimeMs / 1000;
      options.onToken?.({ value: token, obtainedAtMs, expiresInSeconds });
      return { accessToken: token, expiresInSeconds };
    },
    {
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.refreshBeforeMs === undefined ? {} : { refreshBeforeMs: options.refreshBeforeMs }),
    },
  );
  return {
    kind: 'client-credentials',
    headers: async (signal) => ({ authorization: `Bearer ${await tokens.get(signal)}` }),
    issued: () => issued.list(),
    invalidate: () => tokens.invalidate(),
  };
}
