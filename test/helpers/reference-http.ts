import { createReferenceServer } from '../../src/reference/server.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import type { ReferenceServer, ReferenceServerOptions } from '../../src/reference/server-types.js';

/** Plain HTTP against a real reference server: what a client sees, nothing mocked. */

export interface HttpResult {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience over arbitrary JSON
  text: string;
}

export function startReferenceServer(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  return createReferenceServer({ port: 0, host: '127.0.0.1', ...options });
}

export interface RequestOptions {
  token?: string;
  /** A JSON value, sent with content-type application/json. */
  json?: unknown;
  /** A raw body, sent with the given headers only. */
  raw?: string;
  headers?: Record<string, string>;
}

export async function http(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

export async function accessToken(baseUrl: string, clientId = LOCAL_CREDENTIALS.clientId, clientSecret = LOCAL_CREDENTIALS.clientSecret): Promise<string> {
  const result = await http(baseUrl, 'POST', '/v1/auth/token', { json: { client_id: clientId, client_secret: clientSecret } });
  if (result.status !== 200) throw new Error(`token request failed: ${result.status} ${result.text}`);
  return (result.body as { access_token: string }).access_token;
}

/** Two API clients, for the behaviour that is scoped per client (rooms, idempotency keys, rate limits). */
export const TWO_CLIENTS = [
  { clientId: 'alice', clientSecret: 'a' },
  { clientId: 'bob', clientSecret: 'b' },
] as const;

export interface TwoClientServer {
  server: ReferenceServer;
  /** Tokens of alice and bob. */
  alice: string;
  bob: string;
}

/** A reference server that accepts TWO_CLIENTS, with a token for each. */
export async function startTwoClientServer(options: ReferenceServerOptions = {}): Promise<TwoClientServer> {
  const server = await startReferenceServer({ ...options, clients: TWO_CLIENTS });
  const [alice, bob] = TWO_CLIENTS;
  return {
    server,
    alice: await accessToken(server.url, alice.clientId, alice.clientSecret),
    bob: await accessToken(server.url, bob.clientId, bob.clientSecret),
  };
}

/**
 * Runs `body` against a fresh reference server with a token of the documented
 * local client, and closes the server whatever happens.
 */
export async function withReferenceServer<T>(options: ReferenceServerOptions, body: (server: ReferenceServer, token: string) => Promise<T>): Promise<T> {
  const server = await startReferenceServer(options);
  try {
    return await body(server, await accessToken(server.url));
  } finally {
    await server.close();
  }
}
