/**
 * Credentials recognised by their shape, for the ones roomgate never knew by
 * value: a token a target minted for a replay roomgate did not make itself
 * (the Pact verifier's own token request), a cookie the target set, another
 * client's Authorization header echoed back in a debug page. The redactor
 * applies these after it replaced every secret it knows by value.
 *
 * Each pattern asks for a credential-looking value (digits, mixed case or
 * token punctuation, at least 8 characters), so prose such as "Bearer tokens
 * are refused" or "authorization: the second client" is left alone.
 */

/** Header and field names whose value is a credential, wherever they appear. */
export const SECRET_KEYS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'api_key',
  'apikey',
  'client_secret',
  'access_token',
  'refresh_token',
  'id_token',
  'password',
  'secret',
]);

/** A JWT (header and payload are base64url JSON objects: `{"` encodes as `eyJ`), also cut short by a truncation. */
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*)?/g;
/**
 * An Authorization value: a scheme and its credential. Schemes as servers
 * spell them (not case-insensitive: "token" is an ordinary word). `[` and `$`
 * are excluded so `[redacted]` and curl's `$TOKEN` stay.
 */
const SCHEME_CREDENTIAL = /\b(Bearer|bearer|BEARER|Basic|basic|BASIC|Digest|Token|ApiKey|Api-Key)(\s+|%20|\+)([A-Za-z0-9\-._~+/=%]{8,})/g;
/**
 * `name: value`, `name=value`, `"name":"value"` (also JSON-escaped once or
 * twice: `\"name\":\"value\"`) for a credential-named field or header.
 */
const NAMED_VALUE = new RegExp(
  String.raw`((?:^|[^A-Za-z0-9_-])(?:client_secret|access_token|refresh_token|id_token|password|secret|api[-_]?key|x-api-key)(?:\\*["'])?\s*(?:[:=]|%3A|%3D)\s*(?:\\*["'])?)([^\s"'\\&,;<>\[\]]{8,})`,
  'gi',
);
/** Cookie headers: every pair is a credential as far as a report is concerned. */
const COOKIE = /((?:^|[^A-Za-z0-9_-])(?:set-)?cookie(?:\\*["'])?\s*[:=]\s*(?:\\*["'])?)([^\r\n"'\\]*=[^\r\n"'\\]*)/gi;

/** True when `value` looks like a credential rather than a word of prose. */
export function looksLikeCredential(value: string): boolean {
  if (value.length < 8) return false;
  return /\d/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value)) || /[-._~+/=%]/.test(value);
}

/** Replace every credential-shaped value in `text` with `mask`. */
export function maskCredentialShapes(text: string, mask: string): string {
  return text
    .replace(JWT, mask)
    .replace(SCHEME_CREDENTIAL, (whole, scheme: string, space: string, value: string) => (looksLikeCredential(value) ? `${scheme}${space}${mask}` : whole))
    .replace(NAMED_VALUE, (whole, name: string, value: string) => (looksLikeCredential(value) ? `${name}${mask}` : whole))
    .replace(COOKIE, (_whole, name: string) => `${name}${mask}`);
}

/** Keep the scheme of an Authorization value (useful evidence), hide the credential. */
export function maskHeaderValue(value: string, mask: string): string {
  const scheme = /^(Bearer|Basic|Token|Digest)\s+/i.exec(value);
  return scheme === null ? mask : `${scheme[1]} ${mask}`;
}
