import type { Evidence } from '../../model/evidence.js';
import type { CoverageCell } from '../../model/coverage.js';
import { briefExchange, evidenceOf, fail, pass, skip } from '../check.js';
import { cite, defineOperationCheck } from '../check-definition.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';
import { CaseResources } from '../checks/case-resources.js';
import { errorShapeProblems } from '../checks/error-shape.js';
import { baselineFor, encodeBody, requestOf, type Baseline } from '../checks/operation-baseline.js';
import { cleanUpCreated, rejectionStatuses } from '../checks/request-fixtures.js';
import { documents } from '../../spec/spec-facts.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import type { CoverageFixtures } from './coverage-fixtures.js';
import type { CoverageRecorder } from './coverage-recorder.js';
import { bodyCases, headerCases, pathCases, queryCases, type InputCase } from './input-cases.js';

export const INPUT_COVERAGE_CHECKS = {
  invalidInputs: defineOperationCheck({
    id: 'coverage.invalid-inputs.{operationId}',
    group: 'coverage',
    enforces:
      'every invalid input the request schema, required headers, query and path parameters allow (missing required, each wrong type, each bound, pattern, enum, unknown property, malformed JSON, wrong media type, oversized where 413 is declared) is sent once and rejected with the declared status, in the error shape the profile names (VideoConnect\'s envelope, or the document\'s declared error schema); a case whose valid baseline is refused is not provoked',
    cites: [cite.openapi('{operation}/responses')],
    // An operation with neither a body nor query or path parameters has no input a request could break.
    appliesTo: (op, { spec }) => spec.requestBody(op) !== undefined || op.parameters.some((p) => p.in === 'query' || p.in === 'path'),
  }),
};

/**
 * The deterministic input phase: every invalid input of every operation
 * (input-cases.ts) is sent once, before the seeded cases, and must be refused
 * with a status the operation declares for it, in the error shape the
 * profile's convention names. One check per operation
 * (`coverage.invalid-inputs.<operationId>`) and one input cell per case.
 *
 * Each case breaks one rule of a valid request (operation-baseline.ts: the
 * profile's template for the operation's role, in its encoding), and that
 * baseline is sent first: a refusal only means "this input" when the same
 * request without the broken rule is accepted. When the baseline itself is
 * refused (a template value the API needs is missing, a grant the gate lacks)
 * every cell of the operation is "not provoked: baseline refused", never
 * "provoked", and the check says why instead of passing.
 */
export async function runInputCoverageChecks(ctx: GateContext, recorder: CoverageRecorder, fixtures: Pick<CoverageFixtures, 'values' | 'disposable'>): Promise<void> {
  const resources = new CaseResources(ctx, 'coverage', fixtures);
  for (const op of INPUT_COVERAGE_CHECKS.invalidInputs.operationsIn(ctx.facts)) {
    if (ctx.signal.aborted) return;
    await ctx.check(INPUT_COVERAGE_CHECKS.invalidInputs.of(op), async () => {
      const baseline = async (): Promise<Baseline | string> => {
        const target = await resources.for(op);
        return baselineFor(ctx, op, target.values, target.room);
      };
      const first = await baseline();
      if (typeof first === 'string') return skip(`no valid request of ${op.operationId} to break: ${first}`);
      const planned = casesFor(ctx, first).map(({ kind, label }) => ({ kind, label }));
      if (planned.length === 0) return skip(`the document states no constraint on the inputs of ${op.operationId} that a request could break`);
      const cell = (testCase: Pick<InputCase, 'kind' | 'label'>, state: CoverageCell['state'], note: string, observations: number): CoverageCell => ({
        operationId: op.operationId,
        kind: testCase.kind,
        label: testCase.label,
        state,
        note,
        observations,
      });

      // The valid request first: only if it is accepted does a refused case say anything about its input.
      const proof = await ctx.http.send(requestOf(first, { signal: ctx.signal }));
      await cleanUpCreated(ctx, op, proof);
      if (!accepted(proof)) {
        const note = `not provoked: baseline refused (the valid request answered ${briefExchange(proof)})`;
        for (const testCase of planned) recorder.recordInput(cell(testCase, 'not-provoked', note, 0));
        return skip(`the valid ${op.operationId} request the invalid inputs change one rule of was refused (${briefExchange(proof)}), so none of the ${planned.length} inputs could be judged; fix the profile's template for this operation (or its credentials) and rerun`);
      }

      const failures: string[] = [];
      const evidence: Evidence[] = [];
      let provoked = 0;
      let firstNote: string | undefined;
      for (const plan of planned) {
        if (ctx.signal.aborted) break;
        // A fresh baseline per case: a create's name is new each time, a destructive request gets its own resource.
        const base = await baseline();
        const testCase = typeof base === 'string' ? undefined : casesFor(ctx, base).find((c) => c.label === plan.label);
        if (typeof base === 'string' || testCase === undefined) {
          recorder.recordInput(cell(plan, 'not-provoked', typeof base === 'string' ? base : 'the case could not be made again for a fresh request', 0));
          continue;
        }
        const judged = await sendCase(ctx, base, testCase, cell);
        recorder.recordInput(judged.cell);
        firstNote ??= judged.cell.note;
        if (judged.cell.state === 'provoked') provoked += 1;
        if (judged.cell.state === 'failed') {
          failures.push(`${testCase.label}: ${judged.cell.note ?? ''}`);
          if (judged.evidence !== undefined && evidence.length < 3) evidence.push(judged.evidence);
        }
      }
      if (failures.length > 0) return fail(`${failures.length} of ${planned.length} invalid inputs were not refused as the document says: ${failures.join(' | ')}`, evidence);
      if (provoked === 0) return skip(`none of the ${planned.length} invalid inputs could be tried: ${firstNote ?? ''}`);
      return pass(provoked);
    });
  }
}

const accepted = (exchange: Exchange): boolean => exchange.status !== undefined && exchange.status >= 200 && exchange.status < 300;

/** The cases of one baseline: its body's (judged as the target reads the role's encoding), then query, path and header cases. */
function casesFor(ctx: GateContext, base: Baseline): InputCase[] {
  const declared = ctx.spec.requestBody(base.op);
  const body = base.body;
  const bodyObject = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const bodies =
    declared === undefined || bodyObject === undefined
      ? []
      : bodyCases(declared.schema, bodyObject, {
          oversized: documents(base.op, 413),
          // A body of another media type is a refusal only where the document says so: a 415, or a body it requires.
          // (Twilio's create takes an optional form body: a body of another type carries no parameters, a valid create.)
          wrongMediaType: documents(base.op, 415) || base.op.operation.requestBody?.required === true,
          encoding: base.encoding,
          isInvalid: (candidate) => ctx.spec.validateBody(declared.schema, base.encoding === 'form' ? encodeBody(candidate, 'form') : candidate, base.encoding).length > 0,
        });
  return [...bodies, ...queryCases(base.op), ...pathCases(base.op), ...headerCases(base.op)];
}

type CellOf = (testCase: Pick<InputCase, 'kind' | 'label'>, state: CoverageCell['state'], note: string, observations: number) => CoverageCell;

async function sendCase(ctx: GateContext, base: Baseline, testCase: InputCase, cell: CellOf): Promise<{ cell: CoverageCell; evidence?: Evidence }> {
  // Body-less cases still carry the valid body, so the only thing wrong is the parameter or header.
  const request = requestOf(base, {
    signal: ctx.signal,
    ...(testCase.raw !== undefined ? { raw: testCase.raw } : testCase.body !== undefined ? { body: testCase.body } : {}),
    ...(testCase.query === undefined ? {} : { query: testCase.query }),
    ...(testCase.path === undefined ? {} : { params: testCase.path }),
    ...(testCase.omitHeaders === true ? { omitHeaders: true as const } : {}),
  });
  const exchange = await ctx.http.send(request);
  await cleanUpCreated(ctx, base.op, exchange);
  return judge(ctx, base.op, testCase, exchange, cell);
}

function judge(ctx: GateContext, op: IndexedOperation, testCase: InputCase, exchange: Exchange, cell: CellOf): { cell: CoverageCell; evidence?: Evidence } {
  // A spent quota says nothing about the input: not provoked, never failed.
  if (exchange.status === 429) return { cell: cell(testCase, 'not-provoked', "answered 429: the client's quota was spent, so the input was not judged", 1) };
  const allowed = rejectionStatuses(op, testCase.preferred, testCase.also);
  const expected = allowed.length > 10 ? 'a 4xx' : allowed.join(' or ');
  if (exchange.status === undefined || !allowed.includes(exchange.status)) {
    const note = `answered ${briefExchange(exchange)}, not ${expected}`;
    return { cell: cell(testCase, 'failed', note, exchange.status === undefined ? 0 : 1), evidence: evidenceOf(exchange, `${expected} for ${testCase.label}`) };
  }
  const problems = errorShapeProblems(ctx, op, exchange);
  if (problems.length > 0) {
    return {
      cell: cell(testCase, 'failed', `answered ${exchange.status} outside the declared error shape: ${problems.join('; ')}`, 1),
      evidence: evidenceOf(exchange, `${expected} in the declared error shape for ${testCase.label}`),
    };
  }
  return { cell: cell(testCase, 'provoked', `answered ${exchange.status}`, 1) };
}
