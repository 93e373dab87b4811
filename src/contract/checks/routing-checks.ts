import { ensured, envelopeProblems, evidenceOf, fail, pass } from '../check.js';
import { cite, defineCheck, INFO } from '../check-definition.js';
import { anyDocuments, errorEnvelope, versionedPlainGet, versionedGet, versionPrefix } from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';

const NOT_FOUND = cite.standard('RFC 9110 §15.5.5 (404 Not Found)');

export const ROUTING_CHECKS = {
  unknownVersion: defineCheck({
    id: 'routing.unknown-version-404',
    group: 'routing',
    enforces: 'a path under another API version is 404 in the envelope',
    cites: [cite.openapi(INFO, 'including unknown routes'), NOT_FOUND],
    requires: [versionPrefix, errorEnvelope, versionedPlainGet],
  }),
  unknownPath: defineCheck({
    id: 'routing.unknown-path-404',
    group: 'routing',
    enforces: 'an unknown path is 404 in the envelope',
    cites: [cite.openapi(INFO, 'including unknown routes'), NOT_FOUND],
    requires: [errorEnvelope],
  }),
  undeclaredMethod: defineCheck({
    id: 'routing.undeclared-method-405',
    group: 'routing',
    enforces: 'a method the document does not declare for a path is 405 with an Allow header listing (in any order) the declared methods',
    cites: [
      cite.openapi('#/components/responses/MethodNotAllowed/headers/Allow'),
      cite.openapi(INFO, 'wrong methods'),
      cite.standard('RFC 9110 §15.5.6 (405 MUST send Allow)'),
    ],
    requires: [anyDocuments(405)],
  }),
};

/**
 * Requests outside the published surface: another version, an unknown path,
 * a method the document does not declare. Frameworks answer these with their
 * own bodies, which is exactly where envelopes break.
 */
export async function runRoutingChecks(ctx: GateContext): Promise<void> {
  await ctx.check(ROUTING_CHECKS.unknownVersion, async () => {
    // The next version after the document's own (`/v1/rooms` → `/v2/rooms`).
    const versioned = ensured(versionedGet(ctx.spec), 'a versioned GET path without parameters');
    const path = versioned.template.replace(/^\/v(\d+)\//, (_m, n: string) => `/v${Number(n) + 1}/`);
    const exchange = await ctx.http.send({ method: 'GET', path });
    const problems = [...(exchange.status === 404 ? [] : [`status ${exchange.status ?? 'none'}, not 404`]), ...envelopeProblems(exchange)];
    return problems.length === 0
      ? pass(1)
      : fail(`GET ${path}: ${problems.join('; ')}`, [evidenceOf(exchange, '404 in the error envelope')]);
  });

  await ctx.check(ROUTING_CHECKS.unknownPath, async () => {
    const exchange = await ctx.http.send({ method: 'GET', path: '/v1/no-such-resource' });
    const problems = [...(exchange.status === 404 ? [] : [`status ${exchange.status ?? 'none'}, not 404`]), ...envelopeProblems(exchange)];
    return problems.length === 0
      ? pass(1)
      : fail(`GET /v1/no-such-resource: ${problems.join('; ')}`, [evidenceOf(exchange, '404 in the error envelope')]);
  });

  await ctx.check(ROUTING_CHECKS.undeclaredMethod, async () => {
    // One concrete URL per declared path; the id segments need no real resource, 405 comes before lookup.
    const paths = new Map<string, string[]>();
    for (const op of ctx.spec.operations) {
      const concrete = op.template.replace(/\{[^}]+\}/g, 'rm_0000000000');
      if (concrete.includes('/auth/')) continue;
      paths.set(concrete, ctx.spec.methodsFor(concrete));
    }
    let observations = 0;
    for (const [path, declared] of paths) {
      const method = ['PUT', 'PATCH', 'DELETE', 'POST'].find((m) => !declared.includes(m));
      if (method === undefined) continue;
      const exchange = await ctx.http.send({ method, path, ...(method === 'GET' ? {} : { body: {} }) });
      observations += 1;
      const problems: string[] = [];
      if (exchange.status !== 405) problems.push(`status ${exchange.status ?? 'none'}, not 405`);
      const allow = exchange.headers['allow'];
      if (allow === undefined) problems.push('no Allow header');
      else {
        const allowed = allow.split(',').map((m) => m.trim().toUpperCase());
        const missing = declared.filter((m) => !allowed.includes(m));
        if (missing.length > 0) problems.push(`Allow "${allow}" lacks ${missing.join(', ')}`);
        if (allowed.includes(method)) problems.push(`Allow "${allow}" lists ${method}, which was refused`);
      }
      problems.push(...envelopeProblems(exchange));
      if (problems.length > 0) {
        return fail(`${method} ${path}: ${problems.join('; ')}`, [
          evidenceOf(exchange, `405 with Allow: ${declared.join(', ')} in the error envelope`),
        ]);
      }
    }
    return pass(observations);
  });
}
