import { describeExchange, envelopeProblems, evidenceOf, fail, pass, skip } from '../check.js';
import type { GateContext } from '../gate-context.js';
import { seededRandom } from '../../seeded-random.js';
import { randomInvalidBodies, validBodies } from './generated-cases.js';
import { adaptGenerated, cleanUpCreated, concretePath, isTokenOperation } from './request-fixtures.js';

/**
 * Seeded generated cases, after the deterministic coverage phase: valid bodies
 * derived from each request schema must be accepted (2xx); random invalid ones
 * (one field set to a value the schema rejects) must be refused with a 4xx in
 * the envelope, never a 5xx. The seed changes which; the coverage phase
 * (coverage.invalid-inputs.*) already sent every rule's boundary once, so a
 * seed can add a finding but never hide one.
 */
export async function runGeneratedChecks(ctx: GateContext): Promise<void> {
  const group = 'generated';
  const random = seededRandom(ctx.options.seed);
  const { roomId } = await ctx.createRoom({ name: ctx.uniqueName('generated') }).catch(() => ({ roomId: undefined }));

  for (const op of ctx.spec.operations) {
    const schema = ctx.spec.requestSchema(op);
    if (schema === undefined || op.method !== 'post') continue;
    const path = concretePath(op, { room_id: roomId });
    const isToken = isTokenOperation(op);

    await ctx.check(group, `generated.valid-accepted.${op.operationId}`, async () => {
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

    await ctx.check(group, `generated.invalid-rejected.${op.operationId}`, async () => {
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
