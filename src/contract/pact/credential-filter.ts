import type { Credentials } from '../../target/target.js';

/** The parts of the verifier proxy's (express) request the filter touches. */
export interface FilterableRequest {
  method: string;
  path?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed by the proxy's body-parser.json before filters run (a Buffer for other types). */
  body?: unknown;
}

/**
 * Makes a replayed pact request carry the target's own credentials instead of
 * what the consumer recorded: a pact is written against a mock, so its token
 * request holds placeholder (or the consumer's test) credentials, and its
 * bearer tokens are examples. Without this every target whose credentials
 * differ from the consumer's fails verification on the token interaction.
 *
 * - a token request (`POST …/auth/token` with a JSON `client_id`) gets the
 *   configured `client_id`/`client_secret`, and `content-length` is
 *   recomputed (the proxy re-serializes the parsed body);
 * - any request with an `Authorization` header gets a fresh bearer token of
 *   the configured client.
 *
 * The pact file therefore never needs, and never holds, a real secret.
 */
export async function withTargetCredentials(
  req: FilterableRequest,
  credentials: Credentials,
  freshToken: (signal?: AbortSignal) => Promise<string>,
): Promise<void> {
  const path = (req.path ?? req.url ?? '').split('?')[0] ?? '';
  if (req.method.toUpperCase() === 'POST' && /\/auth\/token\/?$/.test(path) && isTokenBody(req.body)) {
    req.body = { ...req.body, client_id: credentials.clientId, client_secret: credentials.clientSecret };
    req.headers['content-length'] = String(Buffer.byteLength(JSON.stringify(req.body)));
    return;
  }
  if (req.headers['authorization'] !== undefined) req.headers['authorization'] = `Bearer ${await freshToken()}`;
}

function isTokenBody(body: unknown): body is Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && !Array.isArray(body) && 'client_id' in body;
}
