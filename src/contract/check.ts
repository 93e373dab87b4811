import type { Evidence } from '../model/evidence.js';
import type { CheckResult } from '../model/result.js';
import { recordResponse, type Exchange } from './http/exchange.js';

/** What a check function decides; `runCheck` adds name, group and timing. */
export type CheckOutcome =
  { status: 'passed'; observations?: number } | { status: 'failed'; message: string; evidence: Evidence[] } | { status: 'skipped'; reason: string };

export const pass = (observations?: number): CheckOutcome => (observations === undefined ? { status: 'passed' } : { status: 'passed', observations });
export const fail = (message: string, evidence: Evidence[]): CheckOutcome => ({ status: 'failed', message, evidence });
export const skip = (reason: string): CheckOutcome => ({ status: 'skipped', reason });

/** Evidence from one exchange: request, response, expectation and the curl line. */
export function evidenceOf(exchange: Exchange, expected: string, actual?: string): Evidence {
  const response = recordResponse(exchange);
  return {
    request: exchange.request,
    ...(response === undefined ? {} : { response }),
    expected,
    actual: actual ?? describeExchange(exchange),
    curl: exchange.curl,
  };
}

/** One line saying what came back, for messages and evidence. */
export function describeExchange(exchange: Exchange): string {
  if (exchange.failure !== undefined && exchange.status === undefined) return exchange.failure.message;
  const type = exchange.headers['content-type'] ?? 'no content-type';
  const snippet = exchange.bodyText.length > 160 ? `${exchange.bodyText.slice(0, 160)}…` : exchange.bodyText;
  const problems = [exchange.failure?.message, exchange.invalidUtf8 ? 'body is not valid UTF-8' : undefined].filter((p): p is string => p !== undefined);
  return `${exchange.status} ${type} ${snippet}${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`;
}

/** What came back in at most `max` characters, for a coverage cell's note. */
export function briefExchange(exchange: Exchange, max = 120): string {
  const answer = exchange.status === undefined ? (exchange.failure?.message ?? 'no response') : describeExchange(exchange);
  return answer.length > max ? `${answer.slice(0, max)}…` : answer;
}

/**
 * Thrown inside a check when the target's answer makes the check impossible to
 * continue (e.g. creating the room to test on did not answer 201). That is the
 * target breaking its contract, so the check fails with the evidence; any
 * other exception is a harness problem and the check is `errored`.
 */
export class UnexpectedResponse extends Error {
  constructor(
    message: string,
    readonly exchange: Exchange,
    readonly expected: string,
  ) {
    super(message);
    this.name = 'UnexpectedResponse';
  }
}

/**
 * A value the check's preconditions guarantee (the runner skipped the check
 * otherwise), narrowed for the body. Missing, it is a harness bug: the check
 * is `errored`, never failed.
 */
export function ensured<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing although the check's preconditions held (a roomgate bug)`);
  return value;
}

/** Run one named check: time it, turn its outcome or exception into a CheckResult. */
export async function runCheck(group: string, name: string, body: () => Promise<CheckOutcome>): Promise<CheckResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const outcome = await body();
    switch (outcome.status) {
      case 'passed':
        return { name, group, durationMs: elapsed(), status: 'passed', ...(outcome.observations === undefined ? {} : { observations: outcome.observations }) };
      case 'failed':
        return { name, group, durationMs: elapsed(), status: 'failed', message: outcome.message, evidence: outcome.evidence };
      case 'skipped':
        return { name, group, durationMs: elapsed(), status: 'skipped', reason: outcome.reason };
    }
  } catch (error) {
    if (error instanceof UnexpectedResponse) {
      return {
        name,
        group,
        durationMs: elapsed(),
        status: 'failed',
        message: error.message,
        evidence: [evidenceOf(error.exchange, error.expected)],
      };
    }
    return { name, group, durationMs: elapsed(), status: 'errored', message: (error as Error)?.message ?? String(error) };
  }
}

/** Envelope rule: `{error: string, message: string, status: <the HTTP code>}`. Returns the problems, empty when fine. */
export function envelopeProblems(exchange: Exchange): string[] {
  if (exchange.status === undefined) return [];
  if (!exchange.isJson) return [`the ${exchange.status} body is not JSON`];
  const body = exchange.json;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [`the ${exchange.status} body is not a JSON object`];
  const record = body as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof record['error'] !== 'string' || record['error'] === '') problems.push('`error` is not a non-empty string');
  if (typeof record['message'] !== 'string') problems.push('`message` is not a string');
  if (record['status'] !== exchange.status) problems.push(`\`status\` is ${JSON.stringify(record['status'])}, not ${exchange.status}`);
  return problems;
}

/** Expect a status (or one of several); throw UnexpectedResponse otherwise. */
export function expectStatus(exchange: Exchange, expected: number | number[], what: string): void {
  const allowed = Array.isArray(expected) ? expected : [expected];
  if (exchange.status === undefined || !allowed.includes(exchange.status)) {
    throw new UnexpectedResponse(
      `${what}: expected ${allowed.join(' or ')}, got ${describeExchange(exchange)}`,
      exchange,
      `${what} answers ${allowed.join(' or ')}`,
    );
  }
  // A 2xx with a body carries a JSON object (checks read it next, so judge it here); an empty one (a 204, a bodiless close) is read as nothing.
  if (exchange.status >= 200 && exchange.status < 300 && exchange.bodyText.trim() !== '' && (typeof exchange.json !== 'object' || exchange.json === null)) {
    throw new UnexpectedResponse(
      `${what}: the ${exchange.status} body is not a JSON object: ${describeExchange(exchange)}`,
      exchange,
      `${what} answers a JSON object`,
    );
  }
}
