import { maskCredentialShapes, maskHeaderValue, SECRET_KEYS } from './credential-patterns.js';
import { spellingsOf } from './secret-spellings.js';

/**
 * Secrets never reach a report, a log line or events.ndjson. Every output of
 * a run (the console, every report file, events, evidence, artifacts) passes
 * through one Redactor, which removes:
 *
 * - every secret it knows by value: the configured ones (flags, environment,
 *   scenario files) and every one learned during the run through `add` (each
 *   token roomgate obtained or minted, announced as it is issued), in every
 *   spelling a target may echo it back in (secret-spellings.ts: JSON-escaped,
 *   URL-encoded, base64, HTML);
 * - credentials recognised by their shape (credential-patterns.ts): JWTs,
 *   Authorization values, cookies, credential-named fields;
 * - in structured values, whatever sits under a credential-named key.
 */
export const REDACTED = '[redacted]';

export interface Redactor {
  /** Replace every known secret inside a string. */
  text(value: string): string;
  /** A deep copy of `value` with every known secret replaced and secret headers masked. */
  value<T>(value: T): T;
  /** A secret learned during the run (a target's credentials once it is opened, a token once issued); redacted from then on. */
  add(secret: string | undefined): void;
}

/** Secrets shorter than this are not redacted by value: a secret "a" would match everywhere (its shape may still give it away). */
const MIN_SECRET = 4;

export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const known = new Set<string>();
  const spellings = new Set<string>();
  // One alternation over every spelling, longest first (a secret containing another is replaced whole); rebuilt lazily after `add`.
  let matcher: RegExp | undefined;
  let stale = false;
  const add = (secret: string | undefined) => {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET || known.has(secret)) return;
    known.add(secret);
    for (const spelling of spellingsOf(secret)) spellings.add(spelling);
    stale = true;
  };
  for (const secret of secrets) add(secret);
  const currentMatcher = (): RegExp | undefined => {
    if (stale) {
      const alternatives = [...spellings].sort((a, b) => b.length - a.length).map(escapeRegExp);
      matcher = alternatives.length === 0 ? undefined : new RegExp(alternatives.join('|'), 'g');
      stale = false;
    }
    return matcher;
  };
  const text = (value: string): string => {
    const byValue = currentMatcher();
    const out = byValue === undefined ? value : value.replace(byValue, REDACTED);
    return maskCredentialShapes(maskTruncatedTails(out, spellings), REDACTED);
  };
  const walk = (value: unknown, key: string | undefined): unknown => {
    if (typeof value === 'string') {
      if (key !== undefined && SECRET_KEYS.has(key.toLowerCase())) return value === '' ? value : maskHeaderValue(value, REDACTED);
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
  return { text, value: <T>(value: T) => walk(value, undefined) as T, add };
}

/** Evidence is cut short before it is written (`…`): a secret cut in the middle is only its beginning. */
const TRUNCATION = '…';
/** The shortest beginning of a secret treated as the secret, before a truncation mark. */
const MIN_TRUNCATED = 6;

/** Replace the beginning of a known spelling that runs into a truncation mark (`s3cr…`). */
function maskTruncatedTails(text: string, spellings: ReadonlySet<string>): string {
  if (!text.includes(TRUNCATION) || spellings.size === 0) return text;
  let out = '';
  let from = 0;
  for (let at = text.indexOf(TRUNCATION); at !== -1; at = text.indexOf(TRUNCATION, at + 1)) {
    let longest = 0;
    for (const spelling of spellings) {
      for (let length = Math.min(spelling.length - 1, at - from); length > longest && length >= MIN_TRUNCATED; length--) {
        if (text.startsWith(spelling.slice(0, length), at - length)) {
          longest = length;
          break;
        }
      }
    }
    if (longest > 0) {
      out += `${text.slice(from, at - longest)}${REDACTED}`;
      from = at;
    }
  }
  return out + text.slice(from);
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
