import { exampleValue, requiredRequestHeaders } from './spec-facts.js';
import type { SpecIndex } from './spec-index.js';

/**
 * The request headers the document marks required for an operation (say an
 * `X-Api-Version` with an enum), with a valid value each, so every request the
 * gate sends to that operation is valid on that count; the generated cases
 * send one request without them to see it refused.
 */
export function requiredHeadersFor(spec: SpecIndex): (method: string, path: string) => Record<string, string> {
  const cache = new Map<string, Record<string, string>>();
  return (method, path) => {
    const op = spec.find(method, path);
    if (op === undefined) return {};
    let headers = cache.get(op.operationId);
    if (headers === undefined) {
      headers = Object.fromEntries(requiredRequestHeaders(op).map((p) => [p.name.toLowerCase(), exampleValue(p)]));
      cache.set(op.operationId, headers);
    }
    return headers;
  };
}
