/**
 * Secrets never reach a report, a log line or events.ndjson. Every writer in
 * this folder passes what it writes through a Redactor built from the run's
 * credentials (and any other secret the run knows), so a target that echoes
 * the client secret back, or a step that records an Authorization header,
 * still cannot leak it.
 */
export const REDACTED = '[redacted]';

/** Header names whose values are always secret, whatever they contain. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

export interface Redactor {
  /** Replace every known secret inside a string. */
  text(value: string): string;
  /** A deep copy of `value` with every known secret replaced and secret headers masked. */
  value<T>(value: T): T;
  /** A secret learned during the run (the credentials of a target once it is opened); redacted from then on. */
  add(secret: string | undefined): void;
}

export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  let known: string[] = [];
  const add = (...more: readonly (string | undefined)[]) => {
    // Short strings would redact half the report (a secret "a" matches everywhere). Longest first, so a secret containing another is replaced whole.
    known = [...new Set([...known, ...more.filter((s): s is string => typeof s === 'string' && s.length >= 4)])].sort((a, b) => b.length - a.length);
  };
  add(...secrets);
  const text = (value: string): string => {
    let out = value;
    for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
  const walk = (value: unknown, key: string | undefined): unknown => {
    if (typeof value === 'string') {
      if (key !== undefined && SECRET_HEADERS.has(key.toLowerCase())) return maskHeader(value);
      return text(value);
    }
    if (Array.isArray(value)) return value.map((item) => walk(item, undefined));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[text(k)] = walk(v, k);
      return out;
    }
    return value;
  };
  return { text, value: <T>(value: T) => walk(value, undefined) as T, add: (secret) => add(secret) };
}

/** Keep the scheme of an Authorization header (useful evidence), hide the credential. */
function maskHeader(value: string): string {
  const scheme = /^(Bearer|Basic)\s+/i.exec(value);
  return scheme === null ? REDACTED : `${scheme[1]} ${REDACTED}`;
}
