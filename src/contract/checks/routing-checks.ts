import { ensured, envelopeProblems, evidenceOf, fail, pass } from '../check.js';
import { cite, defineCheck, INFO } from '../check-definition.js';
import { anyDocuments, operationIn, versionedGet, versionedPlainGet, versionPrefix, type GateFacts } from '../check-preconditions.js';
import { responseProblems } from '../conformance.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';
import { declaresErrorEnvelope } from '../../spec/spec-facts.js';
import type { IndexedOperation } from '../../spec/spec-index.js';

const NOT_FOUND = cite.standard('RFC 9110 §15.5.5 (404 Not Found)');

export const ROUTING_CHECKS = {
  unknownVersion: defineCheck({
    id: 'routing.unknown-version-404',
    group: 'routing',
    enforces: "a path under another API version is 404, in the error shape the profile's convention names",
    cites: [cite.openapi(INFO), NOT_FOUND],
    requires: [versionPrefix, versionedPlainGet],
  }),
  unknownPath: defineCheck({
    id: 'routing.unknown-path-404',
    group: 'routing',
    enforces: "an unknown path under the API's own prefix is 404, in the error shape the profile's convention names",
    cites: [cite.openapi(INFO), NOT_FOUND],
  }),
  undeclaredMethod: defineCheck({
    id: 'routing.undeclared-method-405',
    group: 'routing',
    enforces: 'a method the document does not declare for a path is 405 with an Allow header listing (in any order) the declared methods',
    cites: [cite.openapi('#/components/responses/MethodNotAllowed/headers/Allow'), cite.openapi(INFO), cite.standard('RFC 9110 §15.5.6 (405 MUST send Allow)')],
    requires: [anyDocuments(405)],
  }),
};

/**
 * Requests outside the published surface: another version, an unknown path,
 * a method the document does not declare. Frameworks answer these with their
 * own bodies, which is exactly where error shapes break. The shape demanded
 * is the profile's convention: VideoConnect's envelope; for `errors: spec`
 * the document's own declared error response for that status (any operation's
 * 404, the path's 405); for `none`, the status alone.
 */
export async function runRoutingChecks(ctx: GateContext): Promise<void> {
  await ctx.check(ROUTING_CHECKS.unknownVersion, async () => {
    // The next version after the document's own (`/v1/rooms` → `/v2/rooms`).
    const versioned = ensured(versionedGet(ctx.spec), 'a versioned GET path without parameters');
    const path = versioned.template.replace(/^\/v(\d+)\//, (_m, n: string) => `/v${Number(n) + 1}/`);
    return judgeNotFound(ctx, `GET ${path}`, await ctx.http.send({ method: 'GET', path }));
  });

  await ctx.check(ROUTING_CHECKS.unknownPath, async () => {
    const path = `${apiPrefix(ctx.spec.operations)}no-such-resource`;
    return judgeNotFound(ctx, `GET ${path}`, await ctx.http.send({ method: 'GET', path }));
  });

  await ctx.check(ROUTING_CHECKS.undeclaredMethod, async () => {
    // One concrete URL per declared path; the id segments need no real resource, 405 comes before lookup.
    const token = operationIn(ctx.facts, 'issueToken');
    const paths = new Map<string, { declared: string[]; op: IndexedOperation }>();
    for (const op of ctx.spec.operations) {
      if (op === token) continue;
      const concrete = op.template.replace(/\{[^}]+\}/g, 'roomgate-0000000000');
      paths.set(concrete, { declared: ctx.spec.methodsFor(concrete), op });
    }
    let observations = 0;
    for (const [path, { declared, op }] of paths) {
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
      if (exchange.status === 405) problems.push(...shapeProblems(ctx, exchange, op));
      if (problems.length > 0) {
        return fail(`${method} ${path}: ${[...new Set(problems)].join('; ')}`, [
          evidenceOf(exchange, `405 with Allow: ${declared.join(', ')}${shapeWords(ctx)}`),
        ]);
      }
    }
    return pass(observations);
  });
}

/** The longest directory every path of the document lives under (`/v1/`, `/twirp/livekit.RoomService/`), so an unknown path is still the API's. */
export function apiPrefix(operations: readonly IndexedOperation[]): string {
  const templates = operations.map((op) => op.template);
  let prefix = templates[0] ?? '/';
  for (const template of templates) while (!template.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.slice(0, prefix.lastIndexOf('/') + 1) || '/';
}

function judgeNotFound(ctx: GateContext, request: string, exchange: Exchange) {
  const problems = exchange.status === 404 ? shapeProblems(ctx, exchange, declaredNotFound(ctx.facts)) : [`status ${exchange.status ?? 'none'}, not 404`];
  return problems.length === 0 ? pass(1) : fail(`${request}: ${problems.join('; ')}`, [evidenceOf(exchange, `404${shapeWords(ctx)}`)]);
}

/** An operation whose declared 404 describes the API's "not found" answer, for the `spec` convention. */
function declaredNotFound(facts: GateFacts): IndexedOperation | undefined {
  return facts.spec.operations.find((op) => Object.hasOwn(op.operation.responses ?? {}, '404'));
}

/** What the answer's body must be, by the profile's error convention. */
function shapeProblems(ctx: GateContext, exchange: Exchange, declaredBy: IndexedOperation | undefined): string[] {
  switch (ctx.profile.conventions.errors) {
    case 'envelope':
      return declaresErrorEnvelope(ctx.spec) ? envelopeProblems(exchange) : [];
    case 'spec':
      return declaredBy === undefined
        ? []
        : responseProblems(ctx.spec, declaredBy, exchange).map((p) => `${p} (as ${declaredBy.operationId} declares its ${exchange.status ?? ''})`);
    case 'none':
      return [];
  }
}

function shapeWords(ctx: GateContext): string {
  switch (ctx.profile.conventions.errors) {
    case 'envelope':
      return ' in the error envelope';
    case 'spec':
      return " in the document's declared error shape";
    case 'none':
      return '';
  }
}
