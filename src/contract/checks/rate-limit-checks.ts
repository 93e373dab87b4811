import type { Evidence } from '../../model/evidence.js';
import type { RoomRequest } from '../../profile/request-builder.js';
import { declaresErrorEnvelope, documents, errorCodes } from '../../spec/spec-facts.js';
import type { IndexedOperation, SpecIndex } from '../../spec/spec-index.js';
import { ensured, envelopeProblems, evidenceOf, fail, pass, skip } from '../check.js';
import { cite, defineCheck } from '../check-definition.js';
import { operationIn, type GateFacts, type Precondition } from '../check-preconditions.js';
import { responseProblems } from '../conformance.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';
import { describeFamily, parseRateLimitHeaders, RATE_LIMIT_HEADER_NAMES, type RateLimitFamily, type RateLimitReading } from './rate-limit-headers.js';

export type { RateLimitReading } from './rate-limit-headers.js';

/** Requests in flight during the burst: fast enough to beat a window, gentle on a shared machine. */
export const BURST_CONCURRENCY = 16;

/** The family of rate-limit headers the profile says the API sends, or undefined for none. */
export function rateLimitFamilyOf(facts: GateFacts): RateLimitFamily | undefined {
  const family = facts.profile.conventions.rateLimitHeaders;
  return family === 'none' ? undefined : family;
}

/** Whether some response of the document declares the header (case-insensitive). */
function declaresResponseHeader(spec: SpecIndex, header: string): boolean {
  const wanted = header.toLowerCase();
  return spec.operations.some((op) =>
    Object.values(op.operation.responses ?? {}).some((r) => Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === wanted)),
  );
}

/**
 * The API promises rate-limit headers: the profile names their family
 * (`conventions.rateLimitHeaders`), and the document declares them (its
 * remaining-count header on some response), so the promise is written down.
 */
export const rateLimitHeadersPromised: Precondition = (facts) => {
  const family = rateLimitFamilyOf(facts);
  if (family === undefined) return 'the target profile says the API sends no rate-limit headers (conventions.rateLimitHeaders: none)';
  const remaining = family === 'ietf' ? 'RateLimit' : 'X-RateLimit-Remaining';
  if (!declaresResponseHeader(facts.spec, remaining)) {
    return family === 'ietf' ? 'the OpenAPI document declares no RateLimit headers' : `the OpenAPI document declares no ${remaining} header`;
  }
  return undefined;
};

/** The burst reads pages of the list: the profile maps one, and the document says how it refuses a spent quota. */
const burstable: Precondition = (facts) => {
  const list = operationIn(facts, 'listRooms');
  if (list === undefined) return 'the target profile maps no list operation for the burst to read (rooms.list)';
  return documents(list, 429) ? undefined : `the OpenAPI document does not declare a 429 response for ${list.operationId}`;
};

/**
 * Watches every authenticated 2xx response of the gate for the rate-limit
 * headers of the profile's family, so "every authenticated response carries
 * them" is judged on all of them, not on one sample.
 */
export class RateLimitHeaderLog {
  observations = 0;
  violations = 0;
  evidence: Evidence[] = [];
  firstProblem: string | undefined;
  last: RateLimitReading | undefined;
  private readonly family: RateLimitFamily | undefined;
  private readonly token: IndexedOperation | undefined;
  private readonly credentialHeader: string;

  constructor(private readonly facts: GateFacts) {
    this.family = rateLimitFamilyOf(facts);
    this.token = operationIn(facts, 'issueToken');
    const { auth } = facts.profile;
    this.credentialHeader = auth.kind === 'header' ? auth.header.toLowerCase() : 'authorization';
  }

  readonly observe = (exchange: Exchange): void => {
    if (this.family === undefined) return;
    if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) return;
    // Authenticated requests only, and not the token operation: a quota is per credential.
    if (exchange.request.headers[this.credentialHeader] === undefined) return;
    const url = new URL(exchange.request.url);
    if (this.token !== undefined && this.facts.spec.find(exchange.request.method, url.pathname) === this.token) return;
    this.observations += 1;
    const { reading, problems } = parseRateLimitHeaders(this.family, exchange.headers);
    if (reading !== undefined) this.last = reading;
    if (problems.length === 0) return;
    this.violations += 1;
    this.firstProblem ??= `${exchange.request.method} ${url.pathname}: ${problems.join('; ')}`;
    if (this.evidence.length < 3)
      this.evidence.push(evidenceOf(exchange, `${describeFamily(this.family)} on every authenticated response`, problems.join('; ')));
  };
}

const DRAFT = cite.standard('draft-ietf-httpapi-ratelimit-headers');
const LIST_HEADERS = cite.openapi('{listRooms}/responses/200/headers');

export const RATE_LIMIT_CHECKS = {
  headersStructured: defineCheck({
    id: 'rate-limit.headers-structured-fields',
    group: 'rate-limit',
    enforces:
      "every authenticated 2xx carries the rate-limit headers of the profile's family, well formed: RateLimit-Policy and RateLimit as Structured Fields (ietf), or X-RateLimit-Limit, -Remaining and -Reset as integers (x-ratelimit)",
    cites: [LIST_HEADERS, DRAFT],
    requires: [rateLimitHeadersPromised],
  }),
  remainingNeverIncreases: defineCheck({
    id: 'rate-limit.remaining-never-increases',
    group: 'rate-limit',
    enforces: 'the remaining count never rises before its reset time',
    cites: [LIST_HEADERS, DRAFT],
    requires: [rateLimitHeadersPromised, burstable],
  }),
  burstReaches429: defineCheck({
    id: 'rate-limit.burst-reaches-429',
    group: 'rate-limit',
    enforces: 'a burst past the quota gets 429 as declared (Retry-After where the document declares it, the declared error body)',
    cites: [cite.openapi('{listRooms}/responses/429'), DRAFT],
    requires: [rateLimitHeadersPromised, burstable],
  }),
  remainingReachesZero: defineCheck({
    id: 'rate-limit.remaining-reaches-zero',
    group: 'rate-limit',
    enforces:
      "the remaining count counts the quota down: before the burst's 429 an accepted response reported (nearly) 0 remaining, and the 429 does not report quota left",
    cites: [LIST_HEADERS, DRAFT],
    requires: [rateLimitHeadersPromised, burstable],
  }),
};

/** The rate-limit checks. They run last: the burst spends the client's quota. */
export async function runRateLimitChecks(ctx: GateContext, headerLog: RateLimitHeaderLog): Promise<void> {
  const family = rateLimitFamilyOf(ctx.facts);
  const list = operationIn(ctx.facts, 'listRooms');
  const read = (exchange: Exchange) => (family === undefined ? undefined : parseRateLimitHeaders(family, exchange.headers).reading);
  const smallPage = (): RoomRequest => ctx.api.list({ limit: 1 });
  const headers = family === undefined ? '' : RATE_LIMIT_HEADER_NAMES[family].join(', ');

  await ctx.check(RATE_LIMIT_CHECKS.headersStructured, async () => {
    if (headerLog.observations === 0) return skip('no authenticated 2xx response was observed');
    return headerLog.violations === 0
      ? pass(headerLog.observations)
      : fail(`${headerLog.violations} of ${headerLog.observations} authenticated responses: ${headerLog.firstProblem ?? ''}`, headerLog.evidence);
  });

  await ctx.check(RATE_LIMIT_CHECKS.remainingNeverIncreases, async () => {
    const readings: { at: number; reading: RateLimitReading; exchange: Exchange }[] = [];
    for (let i = 0; i < 10; i += 1) {
      const exchange = await ctx.send(smallPage());
      const reading = read(exchange);
      if (reading === undefined) return skip(`the target sends no parseable ${headers} (see rate-limit.headers-structured-fields)`);
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
    const listOp = ensured(list, 'the list operation');
    const budget = ctx.options.rateLimitBudget;
    const known = headerLog.last;
    const per = (reading: RateLimitReading) => (reading.windowSeconds === undefined ? 'per window' : `per ${reading.windowSeconds} s`);
    if (known !== undefined && known.quota > budget) {
      return skip(
        `the quota is ${known.quota} requests ${per(known)}, more than the burst budget of ${budget}; raise --rate-limit-budget above ${known.quota} to run it`,
      );
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
        const exchange = await ctx.send(smallPage());
        if (exchange.status === 429) {
          limited ??= exchange;
          continue;
        }
        const reading = read(exchange);
        const accepted = exchange.status !== undefined && exchange.status < 300;
        if (reading !== undefined && accepted && (lowest === undefined || reading.remaining < lowest.remaining))
          lowest = { remaining: reading.remaining, exchange };
        if (accepted && exhaustedUntil !== undefined && exhaustedBy !== undefined && sentAt < exhaustedUntil)
          overrun ??= { exhausted: exhaustedBy, accepted: exchange };
        if (reading !== undefined && reading.remaining === 0 && accepted) {
          // 1 s slack: reset times are whole seconds.
          exhaustedUntil = Math.max(exhaustedUntil ?? 0, Date.now() + (reading.resetSeconds - 1) * 1000);
          exhaustedBy ??= exchange;
        }
      }
    };
    await Promise.all(Array.from({ length: BURST_CONCURRENCY }, worker));
    if (limited === undefined) {
      if (overrun !== undefined) {
        return fail(`the target reported 0 requests remaining, then accepted more within the same window, and never answered 429 (${sent} requests)`, [
          evidenceOf(overrun.exhausted, 'remaining 0: the quota is used up'),
          evidenceOf(overrun.accepted, '429 with Retry-After until the window resets'),
        ]);
      }
      if (known === undefined) return fail(`${sent} requests never got a 429 (the target sends no ${headers} to say its quota)`, []);
      // A slow client (a loaded CI host) may never use a whole quota within one window: that proves nothing either way.
      return skip(
        `${sent} requests (quota ${known.quota} ${per(known)}) never used up one window's quota — the target never reported 0 remaining — so the burst could not reach the limit; this machine may be too slow, rerun when it is less loaded`,
      );
    }
    burst = { limited, ...(lowest === undefined ? {} : { lowest }), ...(known === undefined ? {} : { quota: known.quota }) };
    const problems = limitedProblems(ctx, listOp, limited);
    return problems.length === 0
      ? pass(sent)
      : fail(`the 429 after ${sent} requests: ${problems.join('; ')}`, [evidenceOf(limited, `429 as ${listOp.operationId} declares it`)]);
  });

  await ctx.check(RATE_LIMIT_CHECKS.remainingReachesZero, async () => {
    if (burst === undefined) return skip('the burst did not reach a 429 (see rate-limit.burst-reaches-429)');
    const { limited, lowest, quota } = burst;
    if (lowest === undefined) return skip(`no accepted response of the burst carried parseable ${headers} (see rate-limit.headers-structured-fields)`);
    // A 429 means the quota is used up, so the accepted answers just before it must have counted down to (nearly) 0.
    // Slack: the requests in flight when the counter hit 0, and 5 % of the quota for a limiter spread over instances.
    const slack = BURST_CONCURRENCY * 2 + Math.ceil((quota ?? 0) * 0.05);
    const own = read(limited);
    if (lowest.remaining > slack) {
      return fail(
        `the target answered 429, but no accepted response of the burst reported fewer than ${lowest.remaining} requests remaining: the remaining count does not count the quota down`,
        [
          evidenceOf(lowest.exchange, `remaining falling to ≤ ${slack} before the quota runs out`, `the lowest remaining of the burst: ${lowest.remaining}`),
          evidenceOf(limited, '429 once remaining reached 0'),
        ],
      );
    }
    if (own !== undefined && own.remaining > slack) {
      return fail(`the 429 itself reports ${own.remaining} requests remaining`, [evidenceOf(limited, 'a 429 reporting 0 remaining (or no remaining count)')]);
    }
    return pass(1);
  });
}

/**
 * What is wrong with the burst's 429: the declared response (body, required
 * headers), Retry-After as seconds or an HTTP date where the document declares
 * it (VideoConnect's envelope convention always does), and, for the envelope
 * convention, the envelope and the document's error code.
 */
function limitedProblems(ctx: GateContext, listOp: IndexedOperation, limited: Exchange): string[] {
  const envelope = ctx.profile.conventions.errors === 'envelope' && declaresErrorEnvelope(ctx.spec);
  const problems = envelope ? envelopeProblems(limited) : responseProblems(ctx.spec, listOp, limited);
  const declared = Object.keys(ctx.spec.responseFor(listOp, 429)?.headers ?? {}).some((h) => h.toLowerCase() === 'retry-after');
  const retryAfter = limited.headers['retry-after'];
  if (envelope || declared) {
    if (retryAfter === undefined) problems.push('no Retry-After');
    else if (!/^\d+$/.test(retryAfter) && Number.isNaN(Date.parse(retryAfter)))
      problems.push(`Retry-After "${retryAfter}" is neither seconds nor an HTTP date`);
  }
  const codes = envelope ? errorCodes(ctx.spec, listOp, 429) : undefined;
  const error = (limited.json as { error?: unknown } | undefined)?.error;
  if (problems.length === 0 && codes !== undefined && !codes.includes(error as string))
    problems.push(`error is ${JSON.stringify(error)}, not ${codes.join(' or ')} (the document's 429)`);
  return [...new Set(problems)];
}
