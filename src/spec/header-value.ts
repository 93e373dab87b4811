import type { JsonSchema } from './openapi-types.js';

/**
 * A response header as its schema types it. Header values are text on the
 * wire; a document that declares `X-RateLimit-Remaining: {type: integer}`
 * means the text "5", so the text is parsed to the declared type (integer,
 * number, boolean) before ajv judges it. Text that does not parse is handed
 * over as it is, so the schema refuses it with its own words ("must be
 * integer"). OpenAPI's simple style for arrays and objects is left out: no
 * document the gate meets declares them for a response header.
 */
export function headerValue(raw: string, schema: JsonSchema | undefined): unknown {
  const type = declaredType(schema);
  const text = raw.trim();
  switch (type) {
    case 'integer':
    case 'number':
      return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text) ? Number(text) : raw;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : raw;
    default:
      return raw;
  }
}

/** The schema's one non-null type (`integer`, or `[integer, 'null']`), if it names one. */
function declaredType(schema: JsonSchema | undefined): string | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const type = schema['type'];
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) {
    const named = type.filter((t): t is string => typeof t === 'string' && t !== 'null');
    return named.length === 1 ? named[0] : undefined;
  }
  return undefined;
}
