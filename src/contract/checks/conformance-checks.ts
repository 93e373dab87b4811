import { fail, pass, skip } from '../check.js';
import { cite, defineCheck, defineOperationCheck, INFO } from '../check-definition.js';
import type { Precondition } from '../check-preconditions.js';
import { declaresErrorEnvelope } from '../../spec/spec-facts.js';
import type { ConformanceLog, Tally } from '../conformance.js';
import type { GateContext } from '../gate-context.js';

/**
 * Schema and envelope: every response the gate saw, judged by the document as
 * it arrived (conformance.ts), and reported once the other families have sent
 * their requests.
 */
export const SCHEMA_CHECKS = {
  operation: defineOperationCheck({
    id: 'schema.{operationId}',
    group: 'schema',
    enforces: 'every response to this operation has a documented status, content type, required headers and a body valid against its schema',
    cites: [cite.openapi('{operation}/responses')],
  }),
  responsesReadable: defineCheck({
    id: 'schema.responses-readable',
    group: 'schema',
    enforces: 'every response is complete, UTF-8, and within the request deadline',
    cites: [cite.openapi('{createRoom}/responses')],
  }),
  noServerErrors: defineCheck({
    id: 'schema.no-server-errors',
    group: 'schema',
    enforces: 'no request the gate sends is answered 5xx (500 is documented as "the server failed", a defect)',
    cites: [cite.openapi('#/components/responses/InternalError/description', 'the server failed')],
  }),
};

/**
 * The envelope rule is VideoConnect's convention: it applies where the
 * profile says the API keeps it (`conventions.errors: envelope`) and the
 * document declares it. With `spec`, error bodies are judged by the
 * document's own declared error schemas (the schema checks, every response);
 * with `none`, by nothing beyond the document.
 */
const envelopeConvention: Precondition = (facts) => {
  switch (facts.profile.conventions.errors) {
    case 'spec':
      return "the profile declares the spec's error schemas, not the VideoConnect envelope (conventions.errors: spec; the schema checks judge error bodies)";
    case 'none':
      return 'the profile judges error bodies by the document alone, not by the VideoConnect envelope (conventions.errors: none)';
    case 'envelope':
      return declaresErrorEnvelope(facts.spec) ? undefined : "the OpenAPI document's error responses do not declare the {error, message, status} envelope";
  }
};

export const ENVELOPE_CHECKS = {
  everyNon2xx: defineCheck({
    id: 'envelope.every-non-2xx',
    group: 'envelope',
    enforces: 'every non-2xx body is {error, message, status} with status equal to the HTTP code, framework errors included',
    cites: [cite.openapi(INFO, 'every non-2xx response, including unknown routes'), cite.openapi('#/components/schemas/Error')],
    requires: [envelopeConvention],
  }),
};

export async function runSchemaChecks(ctx: GateContext, conformance: ConformanceLog): Promise<void> {
  for (const op of SCHEMA_CHECKS.operation.operationsIn(ctx.facts)) {
    const tally = conformance.byOperation.get(op.operationId);
    await ctx.check(SCHEMA_CHECKS.operation.of(op), async () =>
      tally === undefined || tally.observations === 0
        ? skip(`the gate sent no ${op.method.toUpperCase()} ${op.template} request${op.template.includes('webhook') ? ' (the webhooks step covers it)' : ''}`)
        : verdict(tally, 'responses'),
    );
  }
  await ctx.check(SCHEMA_CHECKS.responsesReadable, async () => verdict(conformance.readable, 'responses'));
  await ctx.check(SCHEMA_CHECKS.noServerErrors, async () => verdict(conformance.serverErrors, 'responses'));
}

export async function runEnvelopeCheck(ctx: GateContext, conformance: ConformanceLog): Promise<void> {
  await ctx.check(ENVELOPE_CHECKS.everyNon2xx, async () =>
    conformance.envelope.observations === 0 ? skip('no non-2xx response was observed') : verdict(conformance.envelope, 'error responses'),
  );
}

function verdict(tally: Tally, noun: string) {
  return tally.violations === 0
    ? pass(tally.observations)
    : fail(`${tally.violations} of ${tally.observations} ${noun} broke the contract; first: ${tally.firstProblem ?? ''}`, tally.evidence);
}
