import { describeExchange, envelopeProblems, evidenceOf, fail, pass, skip } from '../check.js';
import type { GateContext } from '../gate-context.js';
import { roomIdOf } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';
import type { IndexedOperation } from '../spec/spec-index.js';
import { seededRandom } from '../../seeded-random.js';
import { invalidCases, validBodies, type GeneratedCase } from './generated-cases.js';
import { declaresErrorEnvelope, documents, operationFor, propertiesOf, requiredRequestHeaders } from '../spec/spec-facts.js';

/** Bigger than any sane body limit (fastify's default is 1 MiB), small enough to send quickly. */
const OVERSIZE_BYTES = 1536 * 1024;

/**
 * Generated cases, deterministic from the seed: valid bodies derived from each
 * request schema must be accepted (2xx); invalid ones must be refused with a
 * 4xx in the envelope, never a 5xx. Operations are driven through concrete
 * paths (a real room for `{room_id}`) so a 4xx can only mean "rejected input".
 */
export async function runGeneratedChecks(ctx: GateContext): Promise<void> {
  const group = 'generated';
  const random = seededRandom(ctx.options.seed);
  const { roomId } = await ctx.createRoom({ name: ctx.uniqueName('generated') }).catch(() => ({ roomId: undefined }));

  for (const op of ctx.spec.operations) {
    const schema = ctx.spec.requestSchema(op);
    if (schema === undefined || op.method !== 'post') continue;
    const path = concretePath(op, roomId);
    const isToken = op.operationId === 'issueToken' || op.template.endsWith('/auth/token');

    await ctx.check(group, `generated.valid-accepted.${op.operationId}`, async () => {
      if (isToken) return skip('valid token requests need the real credentials; auth.token-response covers them');
      if (path === undefined) return skip('no room to address (creating one failed; see lifecycle)');
      const bodies = validBodies(schema, ctx.options.seed, ctx.options.casesPerOperation).map((b) => adapt(op, b, ctx));
      for (const body of bodies) {
        const exchange = await ctx.http.send({ method: 'POST', path, body });
        await cleanUp(ctx, op, exchange);
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
      const base = adapt(op, validBodies(schema, ctx.options.seed + 7, 1)[0], ctx) as Record<string, unknown>;
      const cases: (GeneratedCase & { omitHeaders?: true })[] = invalidCases(schema, base, random, ctx.options.casesPerOperation, documents(op, 413) ? OVERSIZE_BYTES : undefined);
      const headers = requiredRequestHeaders(op).map((p) => p.name);
      if (headers.length > 0) cases.push({ label: `without the required header${headers.length > 1 ? 's' : ''} ${headers.join(', ')}`, body: base, omitHeaders: true });
      for (const testCase of cases) {
        const exchange = await ctx.http.send({
          method: 'POST',
          path,
          auth: !isToken,
          ...(testCase.omitHeaders === true ? { omitDefaultHeaders: true } : {}),
          ...(testCase.raw === undefined
            ? { body: testCase.body }
            : { rawBody: testCase.raw.text, headers: { 'content-type': testCase.raw.contentType } }),
        });
        await cleanUp(ctx, op, exchange);
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

  const list = operationFor(ctx.spec, 'listRooms');
  if (list !== undefined) {
    await ctx.check(group, `generated.invalid-query-rejected.${list.operationId}`, async () => {
      const queries = invalidQueries(list);
      if (queries.length === 0) return skip(`the document states no bounds, types or enums for the query parameters of ${list.operationId}`);
      const envelope = declaresErrorEnvelope(ctx.spec);
      for (const query of queries) {
        const exchange = await ctx.http.send({ method: 'GET', path: `${list.template}?${query}` });
        const problems =
          exchange.status === 400 ? (envelope ? envelopeProblems(exchange) : []) : [`answered ${exchange.status ?? exchange.failure?.message ?? 'nothing'}, not 400`];
        if (problems.length > 0) {
          return fail(`?${query}: ${problems.join('; ')}`, [evidenceOf(exchange, `400 in the error envelope for ?${query}`)]);
        }
      }
      return pass(queries.length);
    });
  }
}

/** One query string per constraint the document gives a query parameter: bounds, integer type, enum. */
export function invalidQueries(op: IndexedOperation): string[] {
  const queries: string[] = [];
  for (const p of op.parameters) {
    if (p.in !== 'query' || typeof p.schema !== 'object') continue;
    const schema = p.schema;
    const name = encodeURIComponent(p.name);
    if (typeof schema['minimum'] === 'number') queries.push(`${name}=${schema['minimum'] - 1}`);
    if (typeof schema['maximum'] === 'number') queries.push(`${name}=${schema['maximum'] + 1}`);
    if (schema['type'] === 'integer') queries.push(`${name}=abc`);
    if (Array.isArray(schema['enum'])) queries.push(`${name}=no-such-value`);
  }
  return queries;
}

function concretePath(op: IndexedOperation, roomId: string | undefined): string | undefined {
  if (!op.template.includes('{')) return op.template;
  if (roomId === undefined || !op.template.includes('{room_id}')) return undefined;
  return op.template.replace('{room_id}', encodeURIComponent(roomId));
}

/**
 * Values no schema can make safe: a generated webhook URL would point at a
 * random host, so it is replaced by a loopback address nothing listens on
 * (the gate never sends traffic off this machine on a generator's whim).
 */
function adapt(op: IndexedOperation, body: unknown, ctx: GateContext): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const copy = { ...(body as Record<string, unknown>) };
  if (typeof copy['url'] === 'string') copy['url'] = 'http://127.0.0.1:9/roomgate-generated';
  if (op.template === '/v1/rooms' && typeof copy['name'] === 'string') {
    // Unique per run, but within the document's own maxLength for the name.
    const nameSchema = propertiesOf(ctx.spec.requestSchema(op)).properties['name'];
    const max = typeof nameSchema?.['maxLength'] === 'number' ? nameSchema['maxLength'] : 100;
    copy['name'] = `${ctx.uniqueName('gen')}-${copy['name']}`.slice(0, max);
  }
  return copy;
}

/** Remove what a generated case created, so a foreign target is left as found. */
async function cleanUp(ctx: GateContext, op: IndexedOperation, exchange: Exchange): Promise<void> {
  if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) return;
  const roomId = roomIdOf(exchange.json);
  if (op.template === '/v1/rooms' && roomId !== undefined) ctx.createdRooms.add(roomId);
  const webhookId = (exchange.json as { webhook_id?: unknown } | undefined)?.webhook_id;
  if (typeof webhookId === 'string') await ctx.http.send({ method: 'DELETE', path: `/v1/webhooks/${encodeURIComponent(webhookId)}` });
}
