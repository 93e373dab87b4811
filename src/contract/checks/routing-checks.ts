import { envelopeProblems, evidenceOf, fail, pass, skip } from '../check.js';
import type { GateContext } from '../gate-context.js';

/**
 * Requests outside the published surface: another version, an unknown path,
 * a method the document does not declare. Frameworks answer these with their
 * own bodies, which is exactly where envelopes break.
 */
export async function runRoutingChecks(ctx: GateContext): Promise<void> {
  const group = 'routing';

  await ctx.check(group, 'routing.unknown-version-404', async () => {
    // The next version after the document's own (`/v1/rooms` → `/v2/rooms`).
    const versioned = ctx.spec.operations.find((o) => o.method === 'get' && /^\/v\d+\//.test(o.template) && !o.template.includes('{'));
    if (versioned === undefined) return skip('the document has no versioned GET path without parameters');
    const path = versioned.template.replace(/^\/v(\d+)\//, (_m, n: string) => `/v${Number(n) + 1}/`);
    const exchange = await ctx.http.send({ method: 'GET', path });
    const problems = [...(exchange.status === 404 ? [] : [`status ${exchange.status ?? 'none'}, not 404`]), ...envelopeProblems(exchange)];
    return problems.length === 0
      ? pass(1)
      : fail(`GET ${path}: ${problems.join('; ')}`, [evidenceOf(exchange, '404 in the error envelope')]);
  });

  await ctx.check(group, 'routing.unknown-path-404', async () => {
    const exchange = await ctx.http.send({ method: 'GET', path: '/v1/no-such-resource' });
    const problems = [...(exchange.status === 404 ? [] : [`status ${exchange.status ?? 'none'}, not 404`]), ...envelopeProblems(exchange)];
    return problems.length === 0
      ? pass(1)
      : fail(`GET /v1/no-such-resource: ${problems.join('; ')}`, [evidenceOf(exchange, '404 in the error envelope')]);
  });

  await ctx.check(group, 'routing.undeclared-method-405', async () => {
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
