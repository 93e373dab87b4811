/**
 * Evidence must let a person reproduce a failure without leaking secrets:
 * bearer tokens become `$TOKEN` (export it first), other credentials `***`
 * (`secret` names the credential headers of the profile's auth, e.g. `x-api-key`).
 */
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

export function redactHeaders(headers: Record<string, string>, secret: ReadonlySet<string> = new Set()): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' && /^bearer\s+/i.test(value)) out[lower] = 'Bearer $TOKEN';
    else out[lower] = SECRET_HEADERS.has(lower) || secret.has(lower) ? '***' : value;
  }
  return out;
}

/** A POSIX-shell `curl` line for the request, with the token as `$TOKEN`. */
export function curlFor(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  secret: ReadonlySet<string> = new Set(),
): string {
  const parts = ['curl', '-i', '-X', method, shellQuote(url)];
  for (const [name, value] of Object.entries(redactHeaders(headers, secret))) {
    // "$TOKEN" must stay expandable, so that header is double-quoted.
    if (value === 'Bearer $TOKEN') parts.push('-H', `"${name}: Bearer $TOKEN"`);
    else parts.push('-H', shellQuote(`${name}: ${value}`));
  }
  if (body !== undefined) parts.push('--data-binary', shellQuote(body));
  return parts.join(' ');
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
