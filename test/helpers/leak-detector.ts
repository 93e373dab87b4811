import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Finds secrets in whatever a run wrote, in any encoding a target may have
 * echoed them back in, without sharing a line with the redactor it checks:
 * instead of listing encodings of each secret, it decodes the text (HTML
 * entities, JSON escapes, percent- and form-encoding, up to two layers
 * deep, and every base64-looking run at every alignment, both alphabets)
 * and looks for the plain secret in each decoding.
 */
export interface Leak {
  /** Where: a file relative to the run folder, or `stdout`/`stderr`. */
  where: string;
  /** Which secret (its label, never its value). */
  secret: string;
  /** How it was found: `plain`, `json+percent`, `base64` … */
  how: string;
}

type Decoder = (text: string) => string;

const decodeHtml: Decoder = (text) =>
  text.replace(
    /&(quot|amp|lt|gt|#39|#x27|#x2F|#47);/g,
    (_m, entity: string) => ({ quot: '"', amp: '&', lt: '<', gt: '>', '#39': "'", '#x27': "'", '#x2F': '/', '#47': '/' })[entity] ?? '',
  );
const decodeJson: Decoder = (text) =>
  text.replace(/\\(u[0-9a-fA-F]{4}|["\\/bfnrt])/g, (_m, escape: string) => {
    if (escape.startsWith('u')) return String.fromCharCode(parseInt(escape.slice(1), 16));
    return ({ '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[escape] ?? escape;
  });
const decodePercent: Decoder = (text) =>
  text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
const decodeForm: Decoder = (text) => decodePercent(text.replace(/\+/g, ' '));

const DECODERS: Record<string, Decoder> = { html: decodeHtml, json: decodeJson, percent: decodePercent, form: decodeForm };

/** The text decoded every way, one and two layers deep, each with how it was decoded. */
function decodings(text: string): Map<string, string> {
  const out = new Map<string, string>([['plain', text]]);
  for (const [first, one] of Object.entries(DECODERS)) {
    const once = one(text);
    if (once !== text) out.set(first, once);
    for (const [second, two] of Object.entries(DECODERS)) {
      const twice = two(once);
      if (twice !== once) out.set(`${first}+${second}`, twice);
    }
  }
  return out;
}

/** Every base64-looking run decoded at each of the four character alignments, standard and URL-safe alphabets, as one latin1 string. */
function base64Decodings(text: string): string {
  const out: string[] = [];
  for (const match of text.matchAll(/[A-Za-z0-9+/_-]{12,}={0,2}/g)) {
    const run = match[0].replace(/=+$/, '');
    for (let shift = 0; shift < 4; shift++) {
      const aligned = run.slice(shift);
      const usable = aligned.slice(0, aligned.length - (aligned.length % 4 === 1 ? 1 : 0));
      out.push(Buffer.from(usable.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1'));
    }
  }
  return out.join('\n');
}

const BASE64_CARRIERS = new Set(['plain', 'json', 'percent', 'json+json', 'json+percent', 'percent+json']);

/** Leaks of `secrets` (label → value) in one text. */
export function findLeaks(where: string, text: string, secrets: ReadonlyMap<string, string>): Leak[] {
  // Every decoding of the text, and of the base64 inside each (as bytes, and as a JSON string's content: a secret
  // that sat JSON-escaped in a raw body that was then base64-encoded), searched as plain strings.
  const haystacks: { how: string; text: string; latin1: boolean }[] = [];
  const seen = new Set<string>();
  for (const [how, decoded] of decodings(text)) {
    if (seen.has(decoded)) continue;
    seen.add(decoded);
    haystacks.push({ how, text: decoded, latin1: false });
    // base64 survives HTML and form decoding unchanged; it can only sit behind JSON (`\/`) or percent escapes.
    if (!BASE64_CARRIERS.has(how)) continue;
    const bytes = base64Decodings(decoded);
    haystacks.push({ how: `${how}+base64`, text: bytes, latin1: true });
    haystacks.push({ how: `${how}+base64+json`, text: decodeJson(Buffer.from(bytes, 'latin1').toString('utf8')), latin1: false });
  }
  const leaks: Leak[] = [];
  for (const [label, secret] of secrets) {
    const asLatin1 = Buffer.from(secret, 'utf8').toString('latin1');
    const hit = haystacks.find((haystack) => haystack.text.includes(haystack.latin1 ? asLatin1 : secret));
    if (hit !== undefined) leaks.push({ where, secret: label, how: hit.how });
  }
  return leaks;
}

/** Every file under `dir`, recursively, as text (binary files too: a secret in one is a leak as well). */
export function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push({ path: relative(dir, path), text: readFileSync(path).toString('utf8') });
    }
  };
  walk(dir);
  return out;
}

/**
 * What a run against a hostile target must never write: the client secret
 * and every token the target issued, and each token's signature alone (the
 * signature is what makes a JWT usable).
 */
export function runSecrets(clientSecret: string, tokens: readonly string[]): Map<string, string> {
  const secrets = new Map<string, string>([['client secret', clientSecret]]);
  tokens.forEach((token, i) => {
    secrets.set(`token #${i + 1}`, token);
    const signature = token.split('.')[2];
    if (signature !== undefined && signature.length >= 16) secrets.set(`token #${i + 1} signature`, signature);
  });
  return secrets;
}

/** Leaks in a run's console output and in every file of its run folder. */
export function leaksOfRun(run: { stdout: string; stderr: string }, out: string, secrets: ReadonlyMap<string, string>): Leak[] {
  return [
    ...findLeaks('stdout', run.stdout, secrets),
    ...findLeaks('stderr', run.stderr, secrets),
    ...filesUnder(out).flatMap((file) => findLeaks(file.path, file.text, secrets)),
  ];
}
