import type { Evidence } from '../../model/evidence.js';
import { briefExchange, describeExchange, evidenceOf, fail, pass } from '../check.js';
import { cite, defineOperationCheck } from '../check-definition.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange, OutgoingRequest } from '../http/exchange.js';
import { CaseResources } from '../checks/case-resources.js';
import { errorShapeProblems } from '../checks/error-shape.js';
import { baselineFor, requestOf, roleOf, unaddressable, type Baseline, type BaselineChange } from '../checks/operation-baseline.js';
import { cleanUpCreated, concretePath, isTokenOperation, pathParams, tokenRequestBody, unknownIdLike } from '../checks/request-fixtures.js';
import { wrongCredentialHeaders, wrongSecret } from '../checks/auth-forgery.js';
import { BURST_CONCURRENCY, rateLimitFamilyOf } from '../checks/rate-limit-checks.js';
import { parseRateLimitHeaders } from '../checks/rate-limit-headers.js';
import { documents } from '../../spec/spec-facts.js';
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
    ...(ctx.spec.requestSchema(op) === undefined ? {} : { body: token ? wrongTokenBody(ctx) : {} }),
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
  private readonly resources: CaseResources;

  constructor(
    private readonly ctx: GateContext,
    private readonly recorder: CoverageRecorder,
    private readonly fixtures: CoverageFixtures,
  ) {
    this.resources = new CaseResources(ctx, 'coverage', fixtures);
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

  /** A valid request: the operation's baseline (its role's template); one that changes or removes what it addresses gets a resource of its own. */
  private async valid(op: IndexedOperation, status: number): Promise<void> {
    const base = await this.baseline(op, 'fresh');
    if (typeof base === 'string') return this.recorder.recordResponse(op.operationId, status, { state: 'not-provoked', note: base });
    const exchange = await this.send(base);
    const declared = declaredStatuses(op.operation.responses);
    // A generated request of an operation the gate cannot address may name resources that do not exist: a refusal is no finding.
    const guessed = unaddressable(this.ctx.facts, op);
    if (guessed !== undefined && exchange.status !== undefined && exchange.status >= 400 && exchange.status < 500) {
      this.recorder.recordResponse(op.operationId, status, { state: 'not-provoked', note: `${guessed}; a generated request answered ${exchange.status}` });
      return;
    }
    if (exchange.status !== undefined && exchange.status !== status && exchange.status >= 200 && exchange.status < 300 && declared.includes(exchange.status)) {
      this.recorder.recordResponse(op.operationId, status, { state: 'not-provoked', note: `a valid request answered ${exchange.status}, also declared` });
      return;
    }
    this.expect(op, status, exchange, 'a valid request');
  }

  /**
   * No credentials first. Where that is refused with another declared status
   * (Daily answers a request without an Authorization header 400), the 401 is
   * what a wrong credential gets: a wrong secret at the token operation, a
   * garbage bearer token, a wrong API key or Basic secret.
   */
  private async unauthenticated(op: IndexedOperation): Promise<void> {
    // The token operation first: it takes no credentials header (VideoConnect's declares `security: []`), yet its
    // 401 is the answer to a wrong client secret in its body.
    if (isTokenOperation(op, this.ctx.facts)) {
      const { clientId } = this.ctx.target.credentials;
      const wrong = this.ctx.issueToken({ clientId, clientSecret: wrongSecret() });
      if (wrong !== undefined) return this.expect(op, 401, await wrong, 'a wrong client secret');
    }
    if (Array.isArray(op.operation.security) && op.operation.security.length === 0) {
      return this.recorder.recordResponse(op.operationId, 401, { state: 'not-provoked', note: 'the operation needs no credentials' });
    }
    const base = await this.baseline(op, 'reuse');
    if (typeof base === 'string') return this.notAddressable(op, 401, base);
    const bare = await this.send(base, { auth: false });
    const refusedOtherwise = bare.status !== undefined && bare.status !== 401 && [400, 403].includes(bare.status) && documents(op, bare.status);
    if (!refusedOtherwise) return this.expect(op, 401, bare, 'a request without credentials');
    const wrong = wrongCredentialHeaders(this.ctx.profile.auth, this.ctx.target.credentials.clientId);
    this.expect(op, 401, await this.send(base, { auth: { headers: wrong } }), `a wrong credential (no credentials at all answered ${bare.status}, also declared)`);
  }

  /**
   * An id that names nothing: in the path, shaped like a real one; for an
   * operation that names its room in the body (LiveKit's DeleteRoom), the
   * role's template with a room that does not exist. A get whose "not found"
   * is an empty answer (the profile's get.room points into a list) is left out.
   */
  private async unknownResource(op: IndexedOperation): Promise<void> {
    const record = (verdict: ResponseVerdict) => this.recorder.recordResponse(op.operationId, 404, verdict);
    if (pathParams(op).length > 0) {
      const base = await this.baseline(op, 'reuse');
      if (typeof base === 'string') return this.notAddressable(op, 404, base);
      return this.expect(op, 404, await this.send(base, { params: unknownIds(op, this.fixtures) }), 'an unknown id');
    }
    const role = roleOf(this.ctx.facts, op);
    const namesRoomInBody = role === 'deleteRoom' || role === 'createJoinToken' || (role === 'getRoom' && this.ctx.profile.rooms.get.room === '');
    if (!namesRoomInBody) return record({ state: 'not-provoked', note: 'the operation names no resource by id, so nothing it names can be unknown' });
    const base = baselineFor(this.ctx, op, {}, { id: unknownIdLike(`${this.ctx.namePrefix}unknown-room`) });
    if (typeof base === 'string') return this.notAddressable(op, 404, base);
    this.expect(op, 404, await this.send(base), 'a room that does not exist');
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
      exchange.status === 405
        ? [...new Set([...this.recorder.conformance.judge(op, exchange), ...errorShapeProblems(this.ctx, op, exchange)])]
        : [`answered ${describeExchange(exchange)}, not 405`];
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
      const first = pathParams(op)[0];
      const closed = first === undefined ? undefined : values[first];
      const base = closed === undefined ? 'no closed resource' : baselineFor(this.ctx, op, values, { id: closed });
      if (typeof base === 'string') return record({ state: 'not-provoked', note: 'no closed resource to address (creating or deleting one failed)' });
      return this.expect(op, 409, await this.send(base), 'a request on a closed resource');
    }
    if (/in.flight|in progress|concurren/i.test(description)) {
      return record({ state: 'cannot-provoke', note: 'the 409 of a duplicate request still in flight depends on timing no client controls' });
    }
    return record({ state: 'not-provoked', note: `roomgate knows no request that provokes this 409${description === '' ? '' : ` (${description.slice(0, 80)})`}` });
  }

  /** The same idempotency key with another body (draft-ietf-httpapi-idempotency-key-header: 422), on the create the profile names the key for. */
  private async reusedKey(op: IndexedOperation): Promise<void> {
    const header = this.ctx.profile.rooms.create.idempotencyKey;
    if (roleOf(this.ctx.facts, op) !== 'createRoom' || header === undefined) {
      return this.recorder.recordResponse(op.operationId, 422, { state: 'not-provoked', note: 'roomgate knows no request that provokes a 422 here (the profile names no idempotency key for it)' });
    }
    const key = `"${this.ctx.uniqueName('coverage-key')}"`;
    const keyed = async () => {
      const base = await this.baseline(op, 'reuse');
      return typeof base === 'string' ? undefined : this.send({ ...base, headers: { ...base.headers, [header.toLowerCase()]: key } });
    };
    const first = await keyed();
    if (first?.status === undefined || first.status < 200 || first.status >= 300) {
      return this.recorder.recordResponse(op.operationId, 422, { state: 'not-provoked', note: `the first request with the key answered ${first?.status ?? 'nothing'}, so the key was never used` });
    }
    // A fresh render has a fresh name: the same key with another body.
    const second = await keyed();
    if (second !== undefined) this.expect(op, 422, second, 'an Idempotency-Key reused with another body');
  }

  /** The operation's valid request: shared resources, or (`fresh`) its own where the request changes what it addresses. */
  private async baseline(op: IndexedOperation, resources: 'fresh' | 'reuse'): Promise<Baseline | string> {
    const target = resources === 'fresh' ? await this.resources.for(op) : await this.resources.reused(op);
    return baselineFor(this.ctx, op, target.values, target.room);
  }

  /** Send a baseline, changed as given; what an accepted request created is cleaned up. */
  private async send(base: Baseline, change: Omit<BaselineChange, 'signal'> & { auth?: OutgoingRequest['auth'] } = {}): Promise<Exchange> {
    const { auth, ...rest } = change;
    const request = requestOf(base, { ...rest, signal: this.ctx.signal });
    const exchange = await this.ctx.http.send(auth === undefined ? request : { ...request, auth });
    await cleanUpCreated(this.ctx, base.op, exchange);
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

  private notAddressable(op: IndexedOperation, status: number, why?: string): void {
    const note = why ?? `no ${pathParams(op).join(', ')} to address (creating one through the API failed, or the document has no operation that creates it)`;
    this.recorder.recordResponse(op.operationId, status, { state: 'not-provoked', note });
  }
}

function unknownIds(op: IndexedOperation, fixtures: CoverageFixtures): Record<string, string> {
  return Object.fromEntries(pathParams(op).map((param) => [param, fixtures.unknownId(param)]));
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** A token request's body with a wrong secret (for requests that must not obtain a token). */
function wrongTokenBody(ctx: GateContext): Record<string, string> {
  return tokenRequestBody(ctx.facts, { clientId: ctx.target.credentials.clientId, clientSecret: `${ctx.target.credentials.clientSecret}-roomgate-wrong` });
}
