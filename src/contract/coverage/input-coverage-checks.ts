import type { Evidence } from '../../model/evidence.js';
import type { CoverageCell } from '../../model/coverage.js';
import { briefExchange, envelopeProblems, evidenceOf, fail, pass, skip } from '../check.js';
import { cite, defineOperationCheck } from '../check-definition.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange, OutgoingRequest } from '../http/exchange.js';
import { cleanUpCreated, concretePath, isTokenOperation, pathParams, rejectionStatuses, seedIndependentBody, tokenRequestBody } from '../checks/request-fixtures.js';
import { declaresErrorEnvelope, documents } from '../../spec/spec-facts.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import type { CoverageRecorder } from './coverage-recorder.js';
import { bodyCases, headerCases, pathCases, queryCases, type InputCase } from './input-cases.js';

export const INPUT_COVERAGE_CHECKS = {
  invalidInputs: defineOperationCheck({
    id: 'coverage.invalid-inputs.{operationId}',
    group: 'coverage',
    enforces:
      'every invalid input the request schema, required headers, query and path parameters allow (missing required, each wrong type, each bound, pattern, enum, unknown property, malformed JSON, wrong media type, oversized where 413 is declared) is sent once and rejected with the declared status in the envelope',
    cites: [cite.openapi('{operation}/responses')],
    // An operation with neither a body nor query or path parameters has no input a request could break.
    appliesTo: (op, { spec }) => spec.requestSchema(op) !== undefined || op.parameters.some((p) => p.in === 'query' || p.in === 'path'),
  }),
};

/**
 * The deterministic input phase: every invalid input of every operation
 * (input-cases.ts) is sent once, before the seeded cases, and must be refused
 * with a status the operation declares for it, in the error envelope. One
 * check per operation (`coverage.invalid-inputs.<operationId>`) and one input
 * cell per case.
 */
export async function runInputCoverageChecks(ctx: GateContext, recorder: CoverageRecorder, values: Record<string, string | undefined>): Promise<void> {
  const envelope = declaresErrorEnvelope(ctx.spec);
  for (const op of INPUT_COVERAGE_CHECKS.invalidInputs.operationsIn(ctx.facts)) {
    if (ctx.signal.aborted) return;
    await ctx.check(INPUT_COVERAGE_CHECKS.invalidInputs.of(op), async () => {
      const base = validBase(ctx, op);
      const cases = casesFor(ctx, op, base);
      if (cases.length === 0) return skip(`the document states no constraint on the inputs of ${op.operationId} that a request could break`);
      const failures: string[] = [];
      const evidence: Evidence[] = [];
      let provoked = 0;
      let firstNote: string | undefined;
      for (const testCase of cases) {
        if (ctx.signal.aborted) break;
        const cell = await sendCase(ctx, op, testCase, base, values, envelope);
        recorder.recordInput(cell.cell);
        firstNote ??= cell.cell.note;
        if (cell.cell.state === 'provoked') provoked += 1;
        if (cell.cell.state === 'failed') {
          failures.push(`${testCase.label}: ${cell.cell.note ?? ''}`);
          if (cell.evidence !== undefined && evidence.length < 3) evidence.push(cell.evidence);
        }
      }
      if (failures.length > 0) return fail(`${failures.length} of ${cases.length} invalid inputs were not refused as the document says: ${failures.join(' | ')}`, evidence);
      if (provoked === 0) return skip(`none of the ${cases.length} invalid inputs could be tried: ${firstNote ?? ''}`);
      return pass(provoked);
    });
  }
}

/** A valid body the cases break one rule of: the target's own credentials for the token exchange, else a seed-independent body. */
function validBase(ctx: GateContext, op: IndexedOperation): Record<string, unknown> | undefined {
  if (ctx.spec.requestSchema(op) === undefined) return undefined;
  if (isTokenOperation(op, ctx.facts)) return tokenRequestBody(ctx.facts, ctx.target.credentials);
  return seedIndependentBody(op, ctx);
}

function casesFor(ctx: GateContext, op: IndexedOperation, base: Record<string, unknown> | undefined): InputCase[] {
  const schema = ctx.spec.requestSchema(op);
  const body =
    schema === undefined || base === undefined
      ? []
      : bodyCases(schema, base, { oversized: documents(op, 413), isInvalid: (candidate) => ctx.spec.validate(schema, candidate).length > 0 });
  return [...body, ...queryCases(op), ...pathCases(op), ...headerCases(op)];
}

async function sendCase(
  ctx: GateContext,
  op: IndexedOperation,
  testCase: InputCase,
  base: Record<string, unknown> | undefined,
  values: Record<string, string | undefined>,
  envelope: boolean,
): Promise<{ cell: CoverageCell; evidence?: Evidence }> {
  const cell = (state: CoverageCell['state'], note: string, observations: number): CoverageCell => ({
    operationId: op.operationId,
    kind: testCase.kind,
    label: testCase.label,
    state,
    note,
    observations,
  });
  const path = concretePath(op, { ...values, ...testCase.path });
  if (path === undefined) {
    const missing = pathParams(op).filter((name) => values[name] === undefined && testCase.path?.[name] === undefined);
    return { cell: cell('not-provoked', `no ${missing.join(', ')} to address (creating one through the API failed, or the document has no operation that creates it)`, 0) };
  }
  // Body-less cases still carry the valid body, so the only thing wrong is the parameter or header.
  const body = testCase.raw === undefined ? (testCase.body ?? base) : undefined;
  const request: OutgoingRequest = {
    method: op.method.toUpperCase(),
    path: testCase.query === undefined ? path : `${path}?${testCase.query}`,
    auth: !isTokenOperation(op, ctx.facts),
    signal: ctx.signal,
    ...(testCase.omitHeaders === true ? { omitDefaultHeaders: true } : {}),
    ...(testCase.raw !== undefined
      ? { rawBody: testCase.raw.text, headers: { 'content-type': testCase.raw.contentType } }
      : body === undefined
        ? {}
        : { body }),
  };
  const exchange = await ctx.http.send(request);
  await cleanUpCreated(ctx, op, exchange);
  return judge(op, testCase, exchange, envelope, cell);
}

function judge(
  op: IndexedOperation,
  testCase: InputCase,
  exchange: Exchange,
  envelope: boolean,
  cell: (state: CoverageCell['state'], note: string, observations: number) => CoverageCell,
): { cell: CoverageCell; evidence?: Evidence } {
  // A spent quota says nothing about the input: not provoked, never failed.
  if (exchange.status === 429) return { cell: cell('not-provoked', "answered 429: the client's quota was spent, so the input was not judged", 1) };
  const allowed = rejectionStatuses(op, testCase.preferred);
  const expected = allowed.length > 10 ? 'a 4xx' : allowed.join(' or ');
  if (exchange.status === undefined || !allowed.includes(exchange.status)) {
    const note = `answered ${briefExchange(exchange)}, not ${expected}`;
    return { cell: cell('failed', note, exchange.status === undefined ? 0 : 1), evidence: evidenceOf(exchange, `${expected} for ${testCase.label}`) };
  }
  const problems = envelope ? envelopeProblems(exchange) : [];
  if (problems.length > 0) {
    return { cell: cell('failed', `answered ${exchange.status} outside the error envelope: ${problems.join('; ')}`, 1), evidence: evidenceOf(exchange, `${expected} in the error envelope for ${testCase.label}`) };
  }
  return { cell: cell('provoked', `answered ${exchange.status}`, 1) };
}
