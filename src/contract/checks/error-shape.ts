import { declaresErrorEnvelope } from '../../spec/spec-facts.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import { envelopeProblems } from '../check.js';
import { responseProblems } from '../conformance.js';
import type { GateContext } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';

/**
 * What is wrong with an error answer's shape, by the profile's convention
 * (`conventions.errors`): VideoConnect's `{error, message, status}` envelope
 * where the API keeps it; the document's own declared response for that
 * status (its schema, content type, required headers) for `spec`; nothing
 * beyond the status for `none`. A status the operation does not declare is
 * the schema check's finding, not repeated here.
 */
export function errorShapeProblems(ctx: GateContext, op: IndexedOperation, exchange: Exchange): string[] {
  switch (ctx.profile.conventions.errors) {
    case 'envelope':
      return declaresErrorEnvelope(ctx.spec) ? envelopeProblems(exchange) : [];
    case 'spec':
      return exchange.status === undefined || ctx.spec.responseFor(op, exchange.status) === undefined ? [] : responseProblems(ctx.spec, op, exchange);
    case 'none':
      return [];
  }
}
