import { seededRandom } from '../../seeded-random.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import { describeExchange, ensured, evidenceOf, fail, pass, skip } from '../check.js';
import { cite, defineOperationCheck } from '../check-definition.js';
import type { GateFacts } from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';
import { CaseResources } from './case-resources.js';
import { errorShapeProblems } from './error-shape.js';
import { fillFromTemplate, randomInvalidBodies, urlsOnLoopback, validPropertyValues } from './generated-cases.js';
import { baselineFor, encodeBody, requestOf, roleOf, unaddressable as unaddressableReason, type Baseline } from './operation-baseline.js';
import { cleanUpCreated } from './request-fixtures.js';

/** Generated bodies go to the operations that take one (JSON or a form) with a POST. */
const postsWithBody = (op: IndexedOperation, facts: GateFacts) => op.method === 'post' && facts.spec.requestBody(op) !== undefined;

export const GENERATED_CHECKS = {
  validAccepted: defineOperationCheck({
    id: 'generated.valid-accepted.{operationId}',
    group: 'generated',
    enforces:
      "the valid request the profile's template makes, and that request with each declared body property set to a seeded valid value (json-schema-faker), are accepted with 2xx (never a 4xx or 5xx)",
    cites: [cite.openapi('{operation}/requestBody')],
    appliesTo: postsWithBody,
  }),
  invalidRejected: defineOperationCheck({
    id: 'generated.invalid-rejected.{operationId}',
    group: 'generated',
    enforces:
      "seeded random bodies with one field set to a value the request schema rejects (ajv-confirmed, as the target reads the role's encoding) are 4xx in the declared error shape, never 5xx",
    cites: [cite.openapi('{operation}/requestBody'), cite.openapi('{operation}/responses')],
    appliesTo: postsWithBody,
  }),
};

/**
 * Seeded generated cases, after the deterministic coverage phase. Valid ones
 * start from the operation's baseline (operation-baseline.ts: the profile's
 * template for its role, what makes a request valid that no schema states,
 * such as a future `endDate` or the room a join token is for) and set one
 * declared property at a time to a valid value json-schema-faker derives from
 * its schema, the template laid over it, so the target must accept each (a
 * 5xx on a valid `EmptyRoomTimeout` is a finding; a combination of fields the
 * document does not rule out, such as Twilio's room type with its own
 * participant limit, is never what failed). Invalid ones set one field of the
 * baseline to a random value the schema rejects. The seed changes which
 * values; the coverage phase (coverage.invalid-inputs.*) already sent every
 * rule's boundary once, so a seed can add a finding but never hide one.
 */
export async function runGeneratedChecks(ctx: GateContext): Promise<void> {
  const random = seededRandom(ctx.options.seed);
  const resources = new CaseResources(ctx, 'generated');

  for (const op of GENERATED_CHECKS.validAccepted.operationsIn(ctx.facts)) {
    const declared = ensured(ctx.spec.requestBody(op), `the request body of ${op.operationId}`);
    const role = roleOf(ctx.facts, op);
    const unaddressable = unaddressableReason(ctx.facts, op);
    const baseline = async (): Promise<Baseline | string> => {
      const target = await resources.for(op);
      return baselineFor(ctx, op, target.values, target.room);
    };

    await ctx.check(GENERATED_CHECKS.validAccepted.of(op), async () => {
      if (role === 'issueToken') return skip('valid token requests need the real credentials; auth.token-response covers them');
      if (unaddressable !== undefined) return skip(unaddressable);
      const values = validPropertyValues(declared.schema, ctx.options.seed);
      const cases: { label: string; property?: string }[] = [{ label: "the template's request as it is" }];
      for (const property of values.keys()) cases.push({ label: `${property} set to a valid value`, property });
      let sent = 0;
      for (const { label, property } of cases) {
        if (ctx.signal.aborted) break;
        const base = await baseline();
        if (typeof base === 'string') return skip(`no valid request of ${op.operationId}: ${base}`);
        // A property the template fixes (a unique name, the room a token is for) is the baseline's already.
        if (property !== undefined && isFixedByTemplate(objectOf(base.body)[property])) continue;
        const body = property === undefined ? base.body : withValidValue(base.body, property, values.get(property));
        if (body === undefined) continue;
        // Never send a body as "valid" that the schema itself refuses (the template and a generated value may clash).
        if (property !== undefined && ctx.spec.validateBody(declared.schema, asRead(body, base), base.encoding).length > 0) continue;
        const exchange = await ctx.http.send(requestOf(base, { body, signal: ctx.signal }));
        await cleanUpCreated(ctx, op, exchange);
        sent += 1;
        if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) {
          return fail(`${label}: a valid request was not accepted: ${describeExchange(exchange)}`, [
            evidenceOf(exchange, `2xx for ${label} (valid against the ${op.operationId} request schema, seed ${ctx.options.seed})`),
          ]);
        }
      }
      return pass(sent);
    });

    await ctx.check(GENERATED_CHECKS.invalidRejected.of(op), async () => {
      if (unaddressable !== undefined) return skip(unaddressable);
      const first = await baseline();
      if (typeof first === 'string') return skip(`no valid request of ${op.operationId}: ${first}`);
      const isInvalid = (body: unknown) => ctx.spec.validateBody(declared.schema, asRead(body, first), first.encoding).length > 0;
      const cases = randomInvalidBodies(declared.schema, objectOf(first.body), random, ctx.options.casesPerOperation, isInvalid);
      for (const testCase of cases) {
        if (ctx.signal.aborted) break;
        // A fresh baseline with the case's one broken field (a create's name stays unique, a close gets its own room).
        const base = await baseline();
        if (typeof base === 'string') return skip(`no valid request of ${op.operationId}: ${base}`);
        const body = testCase.field === undefined ? testCase.body : { ...objectOf(base.body), [testCase.field.name]: testCase.field.value };
        const exchange = await ctx.http.send(requestOf(base, { body, signal: ctx.signal }));
        await cleanUpCreated(ctx, op, exchange);
        const problems = refusalProblems(ctx, op, exchange);
        if (problems.length > 0) {
          return fail(`${testCase.label}: ${problems.join('; ')}`, [
            evidenceOf(exchange, `4xx in the declared error shape for ${testCase.label} (seed ${ctx.options.seed})`),
          ]);
        }
      }
      return pass(cases.length);
    });
  }
}

/** The baseline's body with one property set to a generated valid value (its URLs on loopback), the template laid back over it. */
function withValidValue(body: unknown, property: string, value: unknown): unknown {
  const base = objectOf(body);
  const template = Object.hasOwn(base, property) ? { [property]: base[property] } : {};
  return { ...base, ...(fillFromTemplate({ [property]: urlsOnLoopback(value) }, template) as Record<string, unknown>) };
}

/** A value the template sets whole (not an object a generated value could add to). */
function isFixedByTemplate(value: unknown): boolean {
  return value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value));
}

/** The body as the target reads it: a form's text, or the JSON value. */
function asRead(body: unknown, base: Baseline): unknown {
  return base.encoding === 'form' ? encodeBody(body, 'form') : body;
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** An invalid body must be refused: a 4xx, never a 2xx or 5xx, in the error shape of the profile's convention. */
function refusalProblems(ctx: GateContext, op: IndexedOperation, exchange: Exchange): string[] {
  if (exchange.status === undefined || exchange.status < 400 || exchange.status >= 500)
    return [`answered ${exchange.status ?? exchange.failure?.message ?? 'nothing'}, not 4xx`];
  return errorShapeProblems(ctx, op, exchange);
}
