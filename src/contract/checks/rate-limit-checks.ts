import { parseList, type InnerList, type Item } from 'structured-headers';
import { envelopeProblems, evidenceOf, fail, pass, skip } from '../check.js';
import { cite, defineCheck, INFO } from '../check-definition.js';
import { documented, rateLimitHeaders } from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';
import type { Evidence } from '../../model/evidence.js';
import { errorCodes, operationFor, paginationOf } from '../../spec/spec-facts.js';

/** Requests in flight during the burst: fast enough to beat a window, gentle on a shared machine. */
export const BURST_CONCURRENCY = 16;

export interface RateLimitReading {
  /** Quota and window from RateLimit-Policy. */
  quota: number;
  windowSeconds: number;
  /** Remaining and seconds-to-reset from RateLimit. */
  remaining: number;
  resetSeconds: number;
}

/**
 * Parse `RateLimit-Policy: "default";q=100;w=60` and `RateLimit: "default";r=5;t=30`
 * (draft-ietf-httpapi-ratelimit-headers) as Structured Field Lists with the
 * `structured-headers` library; returns the problems when they do not parse.
 */
export function parseRateLimit(headers: Record<string, string>): { reading?: RateLimitReading; problems: string[] } {
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
  for (const [name, value] of [['q', q], ['w', w], ['r', r], ['t', t]] as const) {
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

/**
 * Watches every authenticated 2xx response of the gate for the rate-limit
 * headers, so "every authenticated response carries them" is judged on all
 * of them, not on one sample.
 */
export class RateLimitHeaderLog {
  observations = 0;
  violations = 0;
  evidence: Evidence[] = [];
  firstProblem: string | undefined;
  last: RateLimitReading | undefined;

  readonly observe = (exchange: Exchange): void => {
    if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) return;
    if (exchange.request.headers['authorization'] === undefined || exchange.request.url.includes('/auth/')) return;
    this.observations += 1;
    const { reading, problems } = parseRateLimit(exchange.headers);
    if (reading !== undefined) this.last = reading;
    if (problems.length === 0) return;
    this.violations += 1;
    this.firstProblem ??= `${exchange.request.method} ${new URL(exchange.request.url).pathname}: ${problems.join('; ')}`;
    if (this.evidence.length < 3) this.evidence.push(evidenceOf(exchange, 'RateLimit-Policy and RateLimit as Structured Fields on every authenticated response', problems.join('; ')));
  };
}

const DRAFT = cite.standard('draft-ietf-httpapi-ratelimit-headers');

export const RATE_LIMIT_CHECKS = {
  headersStructured: defineCheck({
    id: 'rate-limit.headers-structured-fields',
    group: 'rate-limit',
    enforces: 'every authenticated 2xx carries RateLimit-Policy and RateLimit as Structured Fields',
    cites: [cite.openapi('#/components/headers/RateLimit-Policy'), cite.openapi('#/components/headers/RateLimit'), DRAFT],
    requires: [rateLimitHeaders],
  }),
  remainingNeverIncreases: defineCheck({
    id: 'rate-limit.remaining-never-increases',
    group: 'rate-limit',
    enforces: 'RateLimit remaining never rises before its reset time',
    cites: [cite.openapi('#/components/headers/RateLimit'), DRAFT],
    requires: [rateLimitHeaders],
  }),
  burstReaches429: defineCheck({
    id: 'rate-limit.burst-reaches-429',
    group: 'rate-limit',
    enforces: 'a burst past the quota gets 429 with Retry-After and the documented error code',
    cites: [cite.openapi('{listRooms}/responses/429'), cite.openapi(INFO, 'over the quota the answer is 429')],
    requires: [rateLimitHeaders, documented('listRooms', 429)],
  }),
  remainingReachesZero: defineCheck({
    id: 'rate-limit.remaining-reaches-zero',
    group: 'rate-limit',
    enforces:
      'RateLimit remaining counts the quota down: before the burst\'s 429 an accepted response reported (nearly) 0 remaining, and the 429 does not report quota left',
    cites: [cite.openapi('#/components/headers/RateLimit', 'r=<remaining>'), DRAFT],
    requires: [rateLimitHeaders, documented('listRooms', 429)],
  }),
};

/** The rate-limit checks. They run last: the burst spends the client's quota. */
export async function runRateLimitChecks(ctx: GateContext, headerLog: RateLimitHeaderLog): Promise<void> {
  const list = operationFor(ctx.spec, 'listRooms');
  const pages = paginationOf(ctx.spec, list);
  const smallPage = `/v1/rooms${pages === undefined ? '' : `?${pages.limitParam}=1`}`;
  const limitedCodes = errorCodes(ctx.spec, list, 429);

  await ctx.check(RATE_LIMIT_CHECKS.headersStructured, async () => {
    if (headerLog.observations === 0) return skip('no authenticated 2xx response was observed');
    return headerLog.violations === 0
      ? pass(headerLog.observations)
      : fail(`${headerLog.violations} of ${headerLog.observations} authenticated responses: ${headerLog.firstProblem ?? ''}`, headerLog.evidence);
  });

  await ctx.check(RATE_LIMIT_CHECKS.remainingNeverIncreases, async () => {
    const readings: { at: number; reading: RateLimitReading; exchange: Exchange }[] = [];
    for (let i = 0; i < 10; i += 1) {
      const exchange = await ctx.http.send({ method: 'GET', path: smallPage });
      const { reading } = parseRateLimit(exchange.headers);
      if (reading === undefined) return skip('the target sends no parseable RateLimit header (see rate-limit.headers-structured-fields)');
      readings.push({ at: Date.now(), reading, exchange });
    }
    for (let i = 1; i < readings.length; i += 1) {
      const before = readings[i - 1]!;
      const after = readings[i]!;
      // A rise is only honest once the previous reading's reset time has come (1 s slack for rounding).
      const resetDue = after.at - before.at >= (before.reading.resetSeconds - 1) * 1000;
      if (after.reading.remaining > before.reading.remaining && !resetDue) {
        return fail(
          `remaining rose from ${before.reading.remaining} to ${after.reading.remaining} within the window (reset was ${before.reading.resetSeconds} s away)`,
          [evidenceOf(before.exchange, 'the earlier reading'), evidenceOf(after.exchange, `remaining ≤ ${before.reading.remaining}`)],
        );
      }
    }
    return pass(readings.length);
  });

  // What the burst saw, for rate-limit.remaining-reaches-zero after it.
  let burst: { limited: Exchange; lowest?: { remaining: number; exchange: Exchange }; quota?: number } | undefined;

  await ctx.check(RATE_LIMIT_CHECKS.burstReaches429, async () => {
    const budget = ctx.options.rateLimitBudget;
    const known = headerLog.last;
    if (known !== undefined && known.quota > budget) {
      return skip(`the quota is ${known.quota} requests per ${known.windowSeconds} s, more than the burst budget of ${budget}; raise --rate-limit-budget above ${known.quota} to run it`);
    }
    // The window may reset once mid-burst: allow what is left of this window plus one whole quota.
    const limit = known === undefined ? budget : Math.min(budget, known.remaining + known.quota + BURST_CONCURRENCY * 2);
    let sent = 0;
    let limited: Exchange | undefined;
    // The target's own word that its quota was used up: a 2xx reporting 0 remaining, with the time its window resets.
    let exhaustedUntil: number | undefined;
    let overrun: { exhausted: Exchange; accepted: Exchange } | undefined;
    let exhaustedBy: Exchange | undefined;
    let lowest: { remaining: number; exchange: Exchange } | undefined;
    const worker = async () => {
      while (limited === undefined && sent < limit && !ctx.signal.aborted) {
        sent += 1;
        const sentAt = Date.now();
        const exchange = await ctx.http.send({ method: 'GET', path: smallPage });
        if (exchange.status === 429) {
          limited ??= exchange;
          continue;
        }
        const { reading } = parseRateLimit(exchange.headers);
        if (reading !== undefined && exchange.status !== undefined && exchange.status < 300 && (lowest === undefined || reading.remaining < lowest.remaining)) {
          lowest = { remaining: reading.remaining, exchange };
        }
        if (exchange.status !== undefined && exchange.status < 300 && exhaustedUntil !== undefined && exhaustedBy !== undefined && sentAt < exhaustedUntil) {
          overrun ??= { exhausted: exhaustedBy, accepted: exchange };
        }
        if (reading !== undefined && reading.remaining === 0 && exchange.status !== undefined && exchange.status < 300) {
          // 1 s slack: `t` is rounded to whole seconds.
          exhaustedUntil = Math.max(exhaustedUntil ?? 0, Date.now() + (reading.resetSeconds - 1) * 1000);
          exhaustedBy ??= exchange;
        }
      }
    };
    await Promise.all(Array.from({ length: BURST_CONCURRENCY }, worker));
    if (limited === undefined) {
      if (overrun !== undefined) {
        return fail(`the target reported 0 requests remaining, then accepted more within the same window, and never answered 429 (${sent} requests)`, [
          evidenceOf(overrun.exhausted, 'RateLimit remaining 0: the quota is used up'),
          evidenceOf(overrun.accepted, '429 with Retry-After until the window resets'),
        ]);
      }
      if (known === undefined) return fail(`${sent} requests never got a 429 (the target sends no RateLimit headers to say its quota)`, []);
      // A slow client (a loaded CI host) may never use a whole quota within one window: that proves nothing either way.
      return skip(
        `${sent} requests (quota ${known.quota} per ${known.windowSeconds} s) never used up one window's quota — the target never reported 0 remaining — so the burst could not reach the limit; this machine may be too slow, rerun when it is less loaded`,
      );
    }
    burst = { limited, ...(lowest === undefined ? {} : { lowest }), ...(known === undefined ? {} : { quota: known.quota }) };
    const problems = [...envelopeProblems(limited)];
    const retryAfter = limited.headers['retry-after'];
    if (retryAfter === undefined) problems.push('no Retry-After');
    else if (!/^\d+$/.test(retryAfter) && Number.isNaN(Date.parse(retryAfter))) problems.push(`Retry-After "${retryAfter}" is neither seconds nor an HTTP date`);
    const error = (limited.json as { error?: unknown } | undefined)?.error;
    if (problems.length === 0 && limitedCodes !== undefined && !limitedCodes.includes(error as string)) {
      problems.push(`error is ${JSON.stringify(error)}, not ${limitedCodes.join(' or ')} (the document's 429)`);
    }
    return problems.length === 0
      ? pass(sent)
      : fail(`the 429 after ${sent} requests: ${problems.join('; ')}`, [evidenceOf(limited, '429 rate_limited with Retry-After in the error envelope')]);
  });

  await ctx.check(RATE_LIMIT_CHECKS.remainingReachesZero, async () => {
    if (burst === undefined) return skip('the burst did not reach a 429 (see rate-limit.burst-reaches-429)');
    const { limited, lowest, quota } = burst;
    if (lowest === undefined) return skip('no accepted response of the burst carried a parseable RateLimit header (see rate-limit.headers-structured-fields)');
    // A 429 means the quota is used up, so the accepted answers just before it must have counted down to (nearly) 0.
    // Slack: the requests in flight when the counter hit 0, and 5 % of the quota for a limiter spread over instances.
    const slack = BURST_CONCURRENCY * 2 + Math.ceil((quota ?? 0) * 0.05);
    const own = parseRateLimit(limited.headers).reading;
    if (lowest.remaining > slack) {
      return fail(`the target answered 429, but no accepted response of the burst reported fewer than ${lowest.remaining} requests remaining: RateLimit does not count the quota down`, [
        evidenceOf(lowest.exchange, `remaining falling to ≤ ${slack} before the quota runs out`, `the lowest remaining of the burst: ${lowest.remaining}`),
        evidenceOf(limited, '429 once remaining reached 0'),
      ]);
    }
    if (own !== undefined && own.remaining > slack) {
      return fail(`the 429 itself reports ${own.remaining} requests remaining`, [evidenceOf(limited, 'a 429 reporting 0 remaining (or no RateLimit header)')]);
    }
    return pass(1);
  });
}
