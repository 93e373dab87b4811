import { parseList, type InnerList, type Item } from 'structured-headers';

/**
 * The rate-limit headers a target sends, in the family its profile names
 * (`conventions.rateLimitHeaders`), read into one shape, so the rate-limit
 * checks make the same promises whichever family carries them:
 *
 * - `ietf`: `RateLimit-Policy: "default";q=100;w=60` and
 *   `RateLimit: "default";r=5;t=30` (draft-ietf-httpapi-ratelimit-headers),
 *   Structured Field Lists parsed with the `structured-headers` library;
 * - `x-ratelimit`: `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
 *   `X-RateLimit-Reset` (the de-facto family GitHub, Daily-style APIs and
 *   many gateways send; the draft's appendix describes it), each an integer.
 *   Reset is seconds until the window ends, or, when it is larger than any
 *   window could be (an epoch timestamp, GitHub's reading), the instant it
 *   ends.
 */
export type RateLimitFamily = 'ietf' | 'x-ratelimit';

export interface RateLimitReading {
  /** Requests per window (RateLimit-Policy q, or X-RateLimit-Limit). */
  quota: number;
  /** The window's length when the family states it (RateLimit-Policy w); X-RateLimit-* does not. */
  windowSeconds: number | undefined;
  /** Requests left in the current window (RateLimit r, or X-RateLimit-Remaining). */
  remaining: number;
  /** Seconds until the window resets (RateLimit t, or X-RateLimit-Reset). */
  resetSeconds: number;
}

export interface RateLimitParse {
  reading?: RateLimitReading;
  /** What is missing or malformed; empty when the reading is whole. */
  problems: string[];
}

/** The header names of a family, as a document declares them and messages name them. */
export const RATE_LIMIT_HEADER_NAMES: Readonly<Record<RateLimitFamily, readonly string[]>> = {
  ietf: ['RateLimit-Policy', 'RateLimit'],
  'x-ratelimit': ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
};

/** How a family is described in a check's expectations. */
export function describeFamily(family: RateLimitFamily): string {
  return family === 'ietf' ? 'RateLimit-Policy and RateLimit as Structured Fields' : 'X-RateLimit-Limit, -Remaining and -Reset as integers';
}

/** Read the family's headers (lower-case names, as the exchange records them). */
export function parseRateLimitHeaders(family: RateLimitFamily, headers: Record<string, string>, nowSeconds: number = Date.now() / 1000): RateLimitParse {
  return family === 'ietf' ? parseIetf(headers) : parseXRateLimit(headers, nowSeconds);
}

/**
 * Above this, X-RateLimit-Reset cannot be "seconds until the reset" (no window
 * lasts 30 years): it is the epoch second the window ends.
 */
const EPOCH_RESET_THRESHOLD = 1_000_000_000;

function parseXRateLimit(headers: Record<string, string>, nowSeconds: number): RateLimitParse {
  const problems: string[] = [];
  const integer = (name: string): number | undefined => {
    const text = headers[name.toLowerCase()];
    if (text === undefined) {
      problems.push(`${name} is missing`);
      return undefined;
    }
    if (!/^\d+$/.test(text.trim())) {
      problems.push(`${name} "${text}" is not a non-negative integer`);
      return undefined;
    }
    return Number(text.trim());
  };
  const [limitName, remainingName, resetName] = RATE_LIMIT_HEADER_NAMES['x-ratelimit'] as [string, string, string];
  const quota = integer(limitName);
  const remaining = integer(remainingName);
  const reset = integer(resetName);
  if (quota === undefined || remaining === undefined || reset === undefined) return { problems };
  const resetSeconds = reset > EPOCH_RESET_THRESHOLD ? Math.max(0, Math.ceil(reset - nowSeconds)) : reset;
  return { reading: { quota, windowSeconds: undefined, remaining, resetSeconds }, problems };
}

function parseIetf(headers: Record<string, string>): RateLimitParse {
  const policyHeader = headers['ratelimit-policy'];
  const limitHeader = headers['ratelimit'];
  const problems: string[] = [];
  if (policyHeader === undefined) problems.push('RateLimit-Policy is missing');
  if (limitHeader === undefined) problems.push('RateLimit is missing');
  if (policyHeader === undefined || limitHeader === undefined) return { problems };
  const policy = firstItemParams(policyHeader, 'RateLimit-Policy', problems);
  const limit = firstItemParams(limitHeader, 'RateLimit', problems);
  if (policy === undefined || limit === undefined) return { problems };
  const q = policy.get('q');
  const w = policy.get('w') ?? 0; // w is optional in the draft
  const r = limit.get('r');
  const t = limit.get('t') ?? 0;
  for (const [name, value] of [
    ['q', q],
    ['w', w],
    ['r', r],
    ['t', t],
  ] as const) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) problems.push(`parameter ${name} is ${String(value)}, not a non-negative integer`);
  }
  if (problems.length > 0) return { problems };
  return { reading: { quota: q as number, windowSeconds: w as number, remaining: r as number, resetSeconds: t as number }, problems };
}

function firstItemParams(header: string, name: string, problems: string[]): Map<string, unknown> | undefined {
  let list: (Item | InnerList)[];
  try {
    list = parseList(header);
  } catch (error) {
    problems.push(`${name} "${header}" is not a Structured Field List: ${(error as Error).message}`);
    return undefined;
  }
  const first = list[0];
  if (first === undefined) {
    problems.push(`${name} is empty`);
    return undefined;
  }
  return first[1] as Map<string, unknown>;
}
