/**
 * The spellings a secret takes once a target echoes it back: a debug page
 * dumps the raw request body (where the secret sits JSON-escaped), an error
 * envelope quotes that body as a JSON string (escaped twice), a gateway logs
 * the form body (percent-encoded, `+` for a space) or the Authorization header
 * base64-encoded, an HTML error page escapes it for markup. A redactor that
 * knows only the plain value misses every one of them, so each known secret
 * is expanded here into all of its spellings.
 *
 * Hand-written: no library enumerates encodings of a needle; each encoder is
 * one line of the platform's own (JSON.stringify, encodeURIComponent,
 * URLSearchParams, Buffer's base64).
 */

/** Spellings shorter than this are not searched for: they would match ordinary text. */
const MIN_SPELLING = 4;
/** A base64 fragment must be at least this long: shorter ones are common substrings of any base64 text. */
const MIN_BASE64_CORE = 8;

type Encoder = (value: string) => string;

const json: Encoder = (value) => JSON.stringify(value).slice(1, -1);
/** Python's json.dumps and many loggers escape every non-ASCII character as \uXXXX. */
const jsonAscii: Encoder = (value) => json(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const jsonAsciiUpper: Encoder = (value) => json(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
/** PHP's json_encode escapes the slash too. */
const jsonSlash: Encoder = (value) => json(value).replace(/\//g, '\\/');
const percent: Encoder = (value) => encodeURIComponent(value);
const percentLower: Encoder = (value) => encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
/** application/x-www-form-urlencoded (a space is `+`, `!'()~` are escaped too). */
const form: Encoder = (value) => new URLSearchParams([['', value]]).toString().slice(1);
const html: Encoder = (value) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const htmlHex: Encoder = (value) => html(value).replace(/&#39;/g, '&#x27;');

const ENCODERS: readonly Encoder[] = [json, jsonAscii, jsonAsciiUpper, jsonSlash, percent, percentLower, form, html, htmlHex];

/**
 * Every spelling of `secret` a redactor should replace: the secret itself,
 * one or two layers of the text encodings above (a JSON string inside a JSON
 * body, a percent-encoded JSON body), and base64 of the plain and JSON-escaped
 * forms at each of the three byte alignments (a secret in the middle of a
 * base64-encoded body or header encodes differently depending on its offset).
 * Longest first, duplicates removed.
 */
export function spellingsOf(secret: string): string[] {
  const spellings = new Set<string>([secret]);
  for (const first of ENCODERS) {
    const once = first(secret);
    spellings.add(once);
    for (const second of ENCODERS) spellings.add(second(once));
  }
  for (const raw of new Set([secret, json(secret), json(json(secret))])) {
    for (const fragment of base64Fragments(raw)) spellings.add(fragment);
  }
  return [...spellings].filter((s) => s.length >= MIN_SPELLING).sort((a, b) => b.length - a.length);
}

/**
 * The part of base64(prefix + value + suffix) that depends on `value` alone,
 * for a prefix of 0, 1 and 2 bytes (every alignment: base64 works in 3-byte
 * groups), in the standard and the URL-safe alphabet, without padding.
 * Whatever surrounds the value in the encoded text, one of these appears in it.
 */
export function base64Fragments(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out = new Set<string>();
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    // Only whole 3-byte groups are fixed by the value; a trailing partial group depends on what follows.
    const whole = padded.subarray(0, padded.length - (padded.length % 3));
    // The first group's leading characters carry prefix bits: 0, 2 or 3 of them for an offset of 0, 1, 2.
    const skip = [0, 2, 3][offset]!;
    const core = whole.toString('base64').slice(skip);
    if (core.length < MIN_BASE64_CORE) continue;
    out.add(core);
    out.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    // Without a prefix the whole encoding (with its padding) is what a header or field holds.
    if (offset === 0) out.add(bytes.toString('base64'));
  }
  return [...out];
}
