import type { SpecIndex } from '../../spec/spec-index.js';
import { isJsonMediaType } from '../../spec/spec-index.js';

/** The parts of a pact interaction (V3/V4 JSON) the cross-check reads. */
export interface PactInteraction {
  description: string;
  request: { method: string; path: string; headers?: Record<string, unknown>; body?: unknown };
  response: { status: number; headers?: Record<string, unknown>; body?: unknown };
}

/** V4 pacts wrap bodies as `{content, contentType, encoded}`; V3 pacts hold the value itself. */
function bodyOf(body: unknown): unknown {
  if (typeof body === 'object' && body !== null && 'content' in body && 'encoded' in body) return (body as { content: unknown }).content;
  return body;
}

/**
 * Every interaction of the pact must be valid against the OpenAPI document —
 * the example request against the operation's request schema, the example
 * response against the documented response for its status — so pact and
 * schema cannot drift apart. Returns the problems per interaction.
 */
export function crossCheckInteraction(spec: SpecIndex, interaction: PactInteraction): string[] {
  const { request, response } = interaction;
  const op = spec.find(request.method, request.path);
  if (op === undefined) return [`${request.method} ${request.path} is not an operation of the OpenAPI document`];
  const problems: string[] = [];
  const requestSchema = spec.requestSchema(op);
  const requestBody = bodyOf(request.body);
  if (requestBody !== undefined) {
    if (requestSchema === undefined) problems.push(`${op.operationId} takes no JSON body, but the pact sends one`);
    else problems.push(...spec.validate(requestSchema, requestBody).map((p) => `request ${p}`));
  }
  const documented = spec.responseFor(op, response.status);
  if (documented === undefined) return [...problems, `status ${response.status} is not documented for ${op.operationId}`];
  const json = Object.entries(documented.content ?? {}).find(([type]) => isJsonMediaType(type));
  const responseBody = bodyOf(response.body);
  if (json?.[1].schema !== undefined && responseBody !== undefined) {
    problems.push(...spec.validate(json[1].schema, responseBody).map((p) => `response ${p}`));
  }
  return problems;
}
