import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; under NodeNext its default import is the module object, whose `.default`
// is the plugin (it sets `exports.default = formatsPlugin`, so this holds under every loader).
const addFormats = addFormatsModule.default;

/**
 * Request validation with two ajv instances instead of fastify's default one:
 * bodies are validated strictly (no type coercion: `"max_participants": "5"`
 * is a 400, and unknown fields are rejected rather than silently removed),
 * while query strings and path parameters, which are always text, are
 * coerced to the schema's types.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = addFormats(new Ajv({ allErrors: false, useDefaults: true, coerceTypes: false, removeAdditional: false, strict: false }));
  const coercing = addFormats(new Ajv({ allErrors: false, useDefaults: true, coerceTypes: true, removeAdditional: false, strict: false }));
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
    return ajv.compile(schema as object) as ValidateFunction;
  };
}
