import { describeExchange, ensured, envelopeProblems, evidenceOf, fail, pass, skip } from '../check.js';
import { cite, defineOperationCheck } from '../check-definition.js';
import type { GateContext } from '../gate-context.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import type { GateFacts } from '../check-preconditions.js';
import { seededRandom } from '../../seeded-random.js';
import { randomInvalidBodies, validBodies } from './generated-cases.js';
import { adaptGenerated, cleanUpCreated, concretePath, isTokenOperation } from './request-fixtures.js';

/** Generated bodies go to the operations that create something from a JSON body. */
const postsWithBody = (op: IndexedOperation, facts: GateFacts) => op.method === 'post' && facts.spec.requestSchema(op) !== undefined;

export const GENERATED_CHECKS = {
  validAccepted: defineOperationCheck({
    id: 'generated.valid-accepted.{operationId}',
    group: 'generated',
    enforces: 'bodies valid against the request schema (seeded, json-schema-faker) are accepted with 2xx',
    cites: [cite.openapi('{operation}/requestBody')],
    appliesTo: postsWithBody,
  }),
  invalidRejected: defineOperationCheck({
    id: 'generated.invalid-rejected.{operationId}',
    group: 'generated',
    enforces: 'seeded random bodies with one field set to a value the request schema rejects (ajv-confirmed) are 4xx in the envelope, never 5xx',
    cites: [cite.openapi('{operation}/requestBody'), cite.openapi('{operation}/responses')],
    appliesTo: postsWithBody,
  }),
};

/**
 * Seeded generated cases, after the deterministic coverage phase: valid bodies
 * derived from each request schema must be accepted (2xx); random invalid ones
 * (one field set to a value the schema rejects) must be refused with a 4xx in
 * the envelope, never a 5xx. The seed changes which; the coverage phase
 * (coverage.invalid-inputs.*) already sent every rule's boundary once, so a
 * seed can add a finding but never hide one.
 */
export async function runGeneratedChecks(ctx: GateContext): Promise<void> {
  const random = seededRandom(ctx.options.seed);
  const { roomId } = await ctx.createRoom({ label: 'generated' }).catch(() => ({ roomId: undefined }));

  for (const op of GENERATED_CHECKS.validAccepted.operationsIn(ctx.facts)) {
    const schema = ensured(ctx.spec.requestSchema(op), `the request schema of ${op.operationId}`);
    const path = concretePath(op, { room_id: roomId });
    const isToken = isTokenOperation(op, ctx.facts);

    await ctx.check(GENERATED_CHECKS.validAccepted.of(op), async () => {
      if (isToken) return skip('valid token requests need the real credentials; auth.token-response covers them');
      if (path === undefined) return skip('no room to address (creating one failed; see lifecycle)');
      const bodies = validBodies(schema, ctx.options.seed, ctx.options.casesPerOperation).map((b) => adaptGenerated(op, b, ctx));
      for (const body of bodies) {
        const exchange = await ctx.http.send({ method: 'POST', path, body });
        await cleanUpCreated(ctx, op, exchange);
        if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) {
          return fail(`a valid generated body was not accepted: ${describeExchange(exchange)}`, [
            evidenceOf(exchange, `2xx for a body valid against the ${op.operationId} request schema (seed ${ctx.options.seed})`),
          ]);
        }
      }
      return pass(bodies.length);
    });

    await ctx.check(GENERATED_CHECKS.invalidRejected.of(op), async () => {
      if (path === undefined) return skip('no room to address (creating one failed; see lifecycle)');
      const base = adaptGenerated(op, validBodies(schema, ctx.options.seed + 7, 1)[0], ctx) as Record<string, unknown>;
      const cases = randomInvalidBodies(schema, base, random, ctx.options.casesPerOperation, (body) => ctx.spec.validate(schema, body).length > 0);
      for (const testCase of cases) {
        const exchange = await ctx.http.send({ method: 'POST', path, auth: !isToken, body: testCase.body });
        await cleanUpCreated(ctx, op, exchange);
        const problems: string[] = [];
        if (exchange.status === undefined || exchange.status < 400 || exchange.status >= 500) {
          problems.push(`answered ${exchange.status ?? exchange.failure?.message ?? 'nothing'}, not 4xx`);
        } else problems.push(...envelopeProblems(exchange));
        if (problems.length > 0) {
          return fail(`${testCase.label}: ${problems.join('; ')}`, [
            evidenceOf(exchange, `4xx in the error envelope for ${testCase.label} (seed ${ctx.options.seed})`),
          ]);
        }
      }
      return pass(cases.length);
    });
  }
}
