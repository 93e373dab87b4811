import type { Evidence } from '../../model/evidence.js';
import { briefExchange, describeExchange, envelopeProblems, evidenceOf, fail, pass } from '../check.js';
import { cite, defineOperationCheck } from '../check-definition.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange, OutgoingRequest } from '../http/exchange.js';
import { cleanUpCreated, concretePath, isTokenOperation, pathParams, seedIndependentBody, tokenRequestBody } from '../checks/request-fixtures.js';
import { BURST_CONCURRENCY, rateLimitFamilyOf } from '../checks/rate-limit-checks.js';
import { parseRateLimitHeaders } from '../checks/rate-limit-headers.js';
import { declaresErrorEnvelope, declaresRequestHeader } from '../../spec/spec-facts.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import type { CoverageFixtures } from './coverage-fixtures.js';
import { declaredStatuses, type CoverageRecorder, type ResponseVerdict } from './coverage-recorder.js';

export const DECLARED_RESPONSE_CHECKS = {
  declaredResponses: defineOperationCheck({
    id: 'coverage.declared-responses.{operationId}',
    group: 'coverage',
    enforces:
      'every status the operation declares is provoked once through the public API (404 unknown id, 401 no credentials, 405 undeclared method, 409 closed room, 422 reused key, 2xx valid request) and answers as declared; 5xx are listed as not provokable',
    cites: [cite.openapi('{operation}/responses')],
  }),
};

/**
 * Every declared response provoked: for each status an operation declares that
 * no earlier check happened to see, one request through the public API that
 * must get it (an unknown id for 404, no credentials for 401, a method the path
 * does not declare for 405, a closed room for a "closed" 409, a reused
 * Idempotency-Key for 422, a valid request for the 2xx). Its response is judged
 * by the conformance log like every other (schema, envelope); what nothing
 * outside the server can cause is listed as such. One check per operation
 * (`coverage.declared-responses.<operationId>`).
 */
export async function runDeclaredResponseChecks(ctx: GateContext, recorder: CoverageRecorder, fixtures: CoverageFixtures): Promise<void> {
  const provoker = new Provoker(ctx, recorder, fixtures);
  for (const op of DECLARED_RESPONSE_CHECKS.declaredResponses.operationsIn(ctx.facts)) {
    if (ctx.signal.aborted) return;
    await ctx.check(DECLARED_RESPONSE_CHECKS.declaredResponses.of(op), async () => {
      for (const status of declaredStatuses(op.operation.responses)) {
        if (ctx.signal.aborted) break;
        if (!recorder.observed(op.operationId, status)) await provoker.provoke(op, status);
      }
      const cells = recorder.responseCells(op);
      const failed = cells.filter((c) => c.cell.state === 'failed');
      if (failed.length > 0) {
        return fail(
          `${failed.length} declared response${failed.length === 1 ? '' : 's'} of ${op.operationId} not as documented: ${failed.map((c) => `${c.cell.kind}: ${c.cell.note ?? ''}`).join(' | ')}`,
          failed.flatMap((c) => c.evidence).slice(0, 3),
        );
      }
      return pass(cells.filter((c) => c.cell.state === 'provoked').length);
    });
  }
}

/**
 * Right after the rate-limit burst the client's quota is spent: one request per
 * operation that declares 429 and has not been seen answering it. The request
 * names unknown ids and sends an empty body, so if the quota has already reset
 * nothing is created or deleted. When the window has rolled over (the answer
 * says quota is left), the quota is spent again once and the request repeated;
 * a cell that still does not answer 429 is "not provoked", never failed.
 */
export async function provokeRateLimited(ctx: GateContext, recorder: CoverageRecorder, fixtures: CoverageFixtures): Promise<void> {
  // A loaded host can take longer than the rest of the window between two of these requests; the window then
  // resets and the quota is back. Spending it again (bounded by what the target says is left) keeps the cells
  // judged rather than "not provoked" because of the host's speed.
  let respends = 0;
  for (const op of ctx.spec.operations) {
    if (ctx.signal.aborted) return;
    if (!declaredStatuses(op.operation.responses).includes(429) || recorder.observed(op.operationId, 429)) continue;
    let exchange = await sendUnknownTarget(ctx, op, fixtures);
    const family = rateLimitFamilyOf(ctx.facts);
    const left = family === undefined ? undefined : parseRateLimitHeaders(family, exchange.headers).reading?.remaining;
    if (exchange.status !== 429 && left !== undefined && left <= ctx.options.rateLimitBudget && respends < 3) {
      respends += 1;
      if (await spendQuota(ctx, left + BURST_CONCURRENCY * 2)) exchange = await sendUnknownTarget(ctx, op, fixtures);
    }
    if (exchange.status !== 429) {
      recorder.recordResponse(op.operationId, 429, {
        state: 'not-provoked',
        note: `tried right after the rate-limit burst, but the quota was no longer spent (answered ${exchange.status ?? exchange.failure?.message ?? 'nothing'})`,
      });
    }
  }
}

/** One request to the operation naming unknown ids with an empty body: answered 429 while the quota is spent, else harmless. */
async function sendUnknownTarget(ctx: GateContext, op: IndexedOperation, fixtures: CoverageFixtures): Promise<Exchange> {
  const token = isTokenOperation(op, ctx.facts);
  const exchange = await ctx.http.send({
    method: op.method.toUpperCase(),
    path: concretePath(op, unknownIds(op, fixtures)) as string,
    auth: !token,
    signal: ctx.signal,
    ...(ctx.spec.requestSchema(op) === undefined ? {} : { body: token ? wrongCredentials(ctx) : {} }),
  });
  await cleanUpCreated(ctx, op, exchange).catch(() => undefined);
  return exchange;
}

/** Lists rooms, as the burst does, until the target answers 429 (true) or `budget` requests were sent (false). */
async function spendQuota(ctx: GateContext, budget: number): Promise<boolean> {
  for (let sent = 0; sent < budget && !ctx.signal.aborted; sent += BURST_CONCURRENCY) {
    const round = Array.from({ length: Math.min(BURST_CONCURRENCY, budget - sent) }, () => ctx.send(ctx.api.list({ limit: 1 })));
    if ((await Promise.all(round)).some((answer) => answer.status === 429)) return true;
  }
  return false;
}

const UNDECLARED_METHODS = ['PATCH', 'PUT', 'DELETE', 'POST', 'GET'] as const;

class Provoker {
  private readonly envelope: boolean;

  constructor(
    private readonly ctx: GateContext,
    private readonly recorder: CoverageRecorder,
    private readonly fixtures: CoverageFixtures,
  ) {
    this.envelope = declaresErrorEnvelope(ctx.spec);
  }

  async provoke(op: IndexedOperation, status: number): Promise<void> {
    const record = (verdict: ResponseVerdict) => this.recorder.recordResponse(op.operationId, status, verdict);
    if (status >= 500) return record({ state: 'cannot-provoke', note: 'a 5xx cannot be caused through the public API of a server that works' });
    if (status >= 200 && status < 300) return this.valid(op, status);
    switch (status) {
      case 401:
        return this.unauthenticated(op);
      case 404:
        return this.unknownResource(op);
      case 405:
        return this.undeclaredMethod(op);
      case 409:
        return this.conflict(op);
      case 422:
        return this.reusedKey(op);
      case 429:
        return record({
          state: 'not-provoked',
          note: this.ctx.options.groups.includes('rate-limit')
            ? 'reached only by the rate-limit burst; tried right after it'
            : 'reached only by the rate-limit burst (the rate-limit group), which did not run',
        });
      case 400:
        return record({ state: 'not-provoked', note: 'no invalid input of the coverage phase was answered 400 (see coverage.invalid-inputs)' });
      case 413:
      case 415:
        return record({
          state: 'not-provoked',
          note: this.ctx.spec.requestSchema(op) === undefined ? 'the operation takes no body' : `the coverage phase's ${status === 413 ? 'oversized' : 'text/plain'} body was not answered ${status}`,
        });
      default:
        return record({ state: 'not-provoked', note: `roomgate knows no request that provokes a ${status} from outside` });
    }
  }

  /** A valid request; a DELETE gets a resource of its own, created to be deleted. */
  private async valid(op: IndexedOperation, status: number): Promise<void> {
    const values: Record<string, string | undefined> = { ...this.fixtures.values };
    if (op.method === 'delete') {
      for (const param of pathParams(op)) values[param] = await this.fixtures.disposable(param);
    }
    const path = concretePath(op, values);
    if (path === undefined) return this.notAddressable(op, status);
    const exchange = await this.send(op, { path });
    const declared = declaredStatuses(op.operation.responses);
    if (exchange.status !== undefined && exchange.status !== status && exchange.status >= 200 && exchange.status < 300 && declared.includes(exchange.status)) {
      this.recorder.recordResponse(op.operationId, status, { state: 'not-provoked', note: `a valid request answered ${exchange.status}, also declared` });
      return;
    }
    this.expect(op, status, exchange, 'a valid request');
  }

  private async unauthenticated(op: IndexedOperation): Promise<void> {
    if (isTokenOperation(op, this.ctx.facts)) {
      const exchange = await this.send(op, { path: op.template, body: wrongCredentials(this.ctx) });
      return this.expect(op, 401, exchange, 'a wrong client secret');
    }
    if (Array.isArray(op.operation.security) && op.operation.security.length === 0) {
      return this.recorder.recordResponse(op.operationId, 401, { state: 'not-provoked', note: 'the operation needs no credentials' });
    }
    const path = concretePath(op, this.fixtures.values);
    if (path === undefined) return this.notAddressable(op, 401);
    const exchange = await this.send(op, { path, auth: false });
    this.expect(op, 401, exchange, 'a request without credentials');
  }

  private async unknownResource(op: IndexedOperation): Promise<void> {
    if (pathParams(op).length === 0) {
      return this.recorder.recordResponse(op.operationId, 404, { state: 'not-provoked', note: 'the operation names no resource by id, so nothing it names can be unknown' });
    }
    const exchange = await this.send(op, { path: concretePath(op, unknownIds(op, this.fixtures)) as string });
    this.expect(op, 404, exchange, 'an unknown id');
  }

  /** The path's 405 is every operation's of that path: the one answer is judged as this operation's declared 405. */
  private async undeclaredMethod(op: IndexedOperation): Promise<void> {
    const path = concretePath(op, { ...unknownIds(op, this.fixtures), ...definedOnly(this.fixtures.values) }) as string;
    const declared = this.ctx.spec.methodsFor(path);
    const method = UNDECLARED_METHODS.find((m) => !declared.includes(m));
    if (method === undefined) return this.recorder.recordResponse(op.operationId, 405, { state: 'not-provoked', note: 'the path declares every method the gate would try' });
    const exchange = await this.ctx.http.send({ method, path, signal: this.ctx.signal });
    if (exchange.status === 429) return this.recordSpentQuota(op, 405);
    const problems =
      exchange.status === 405 ? [...this.recorder.conformance.judge(op, exchange), ...(this.envelope ? envelopeProblems(exchange) : [])] : [`answered ${describeExchange(exchange)}, not 405`];
    this.recorder.recordResponse(
      op.operationId,
      405,
      problems.length === 0
        ? { state: 'provoked', note: `${method} ${op.template} answered 405`, observations: 1 }
        : { state: 'failed', note: `${method} ${op.template}: ${problems.join('; ')}`, observations: exchange.status === undefined ? 0 : 1, evidence: evidenceOf(exchange, `405 as ${op.operationId} declares it`) },
    );
  }

  /** A 409 the document says a closed resource answers is provoked on one; an in-flight duplicate's depends on timing. */
  private async conflict(op: IndexedOperation): Promise<void> {
    const description = this.ctx.spec.responseFor(op, 409)?.description ?? '';
    const record = (verdict: ResponseVerdict) => this.recorder.recordResponse(op.operationId, 409, verdict);
    if (/clos|deleted/i.test(description) && pathParams(op).length > 0) {
      const values: Record<string, string | undefined> = { ...this.fixtures.values };
      for (const param of pathParams(op)) values[param] = await this.fixtures.deleted(param);
      const path = concretePath(op, values);
      if (path === undefined) return record({ state: 'not-provoked', note: 'no closed resource to address (creating or deleting one failed)' });
      return this.expect(op, 409, await this.send(op, { path }), 'a request on a closed resource');
    }
    if (/in.flight|in progress|concurren/i.test(description)) {
      return record({ state: 'cannot-provoke', note: 'the 409 of a duplicate request still in flight depends on timing no client controls' });
    }
    return record({ state: 'not-provoked', note: `roomgate knows no request that provokes this 409${description === '' ? '' : ` (${description.slice(0, 80)})`}` });
  }

  /** The same Idempotency-Key with another body (draft-ietf-httpapi-idempotency-key-header: 422). */
  private async reusedKey(op: IndexedOperation): Promise<void> {
    const path = concretePath(op, this.fixtures.values);
    if (!declaresRequestHeader(op, 'Idempotency-Key') || path === undefined) {
      return this.recorder.recordResponse(op.operationId, 422, { state: 'not-provoked', note: 'roomgate knows no request that provokes a 422 here (the operation takes no Idempotency-Key)' });
    }
    const key = `"${this.ctx.uniqueName('coverage-key')}"`;
    const first = await this.send(op, { path, headers: { 'idempotency-key': key } });
    if (first.status === undefined || first.status < 200 || first.status >= 300) {
      return this.recorder.recordResponse(op.operationId, 422, { state: 'not-provoked', note: `the first request with the key answered ${first.status ?? 'nothing'}, so the key was never used` });
    }
    this.expect(op, 422, await this.send(op, { path, headers: { 'idempotency-key': key } }), 'an Idempotency-Key reused with another body');
  }

  /** Send the operation with a valid, seed-independent body (a fresh unique name each time, so two bodies differ). */
  private async send(op: IndexedOperation, request: Partial<OutgoingRequest> & { path: string }): Promise<Exchange> {
    const token = isTokenOperation(op, this.ctx.facts);
    const body = request.body ?? (token ? tokenRequestBody(this.ctx.facts, this.ctx.target.credentials) : seedIndependentBody(op, this.ctx));
    const exchange = await this.ctx.http.send({
      method: op.method.toUpperCase(),
      auth: !token,
      ...request,
      ...(body === undefined ? {} : { body }),
      signal: this.ctx.signal,
    });
    await cleanUpCreated(this.ctx, op, exchange);
    return exchange;
  }

  /** The answer must be `status`; the conformance log has already judged its body against the document. */
  private expect(op: IndexedOperation, status: number, exchange: Exchange, what: string): void {
    if (exchange.status === 429 && status !== 429) return this.recordSpentQuota(op, status);
    if (exchange.status === status) {
      this.recorder.recordResponse(op.operationId, status, { state: 'provoked', note: `${what} answered ${status}` });
      return;
    }
    const evidence: Evidence = evidenceOf(exchange, `${status}: ${what}`);
    this.recorder.recordResponse(op.operationId, status, { state: 'failed', note: `${what} answered ${briefExchange(exchange)}, not ${status}`, evidence });
  }

  private recordSpentQuota(op: IndexedOperation, status: number): void {
    this.recorder.recordResponse(op.operationId, status, { state: 'not-provoked', note: "answered 429: the client's quota was spent before this cell was tried" });
  }

  private notAddressable(op: IndexedOperation, status: number): void {
    const note = `no ${pathParams(op).join(', ')} to address (creating one through the API failed, or the document has no operation that creates it)`;
    this.recorder.recordResponse(op.operationId, status, { state: 'not-provoked', note });
  }
}

function unknownIds(op: IndexedOperation, fixtures: CoverageFixtures): Record<string, string> {
  return Object.fromEntries(pathParams(op).map((param) => [param, fixtures.unknownId(param)]));
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function wrongCredentials(ctx: GateContext): Record<string, string> {
  return tokenRequestBody(ctx.facts, { clientId: ctx.target.credentials.clientId, clientSecret: `${ctx.target.credentials.clientSecret}-roomgate-wrong` });
}
