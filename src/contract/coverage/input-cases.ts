import type { InputKind } from '../../model/coverage.js';
import type { JsonSchema, ParameterObject } from '../../spec/openapi-types.js';
import { exampleValue, propertiesOf, requiredRequestHeaders } from '../../spec/spec-facts.js';
import { FORM_MEDIA_TYPE, type IndexedOperation, type RequestEncoding } from '../../spec/spec-index.js';

/**
 * The deterministic invalid inputs of one operation, Schemathesis-style: each
 * case breaks exactly one rule the document states (a request-body keyword, a
 * query or path parameter's bound, a required header) or one rule of HTTP
 * (malformed JSON, a wrong media type, an oversized body), derived from the
 * schema's own keywords. No library does this: json-schema-faker only makes
 * valid data, and Schemathesis is Python. Nothing here is random; every case
 * is sent on every run, whatever the seed.
 */
export interface InputCase {
  kind: InputKind;
  /** What exactly is wrong, as the map and messages show it: `recording of the wrong type`. */
  label: string;
  /** The statuses that reject this input, in preference; the ones the operation declares are what it must answer. */
  preferred: readonly number[];
  /**
   * Where the operation declares none of `preferred`: statuses it may answer
   * besides its input errors (a wrong media type is a 404 `bad_route` in Twirp,
   * as its document declares).
   */
  also?: readonly number[];
  /** A JSON body to send; absent for raw bodies and operations without one. */
  body?: unknown;
  raw?: { text: string; contentType: string };
  /** A query string (without `?`). */
  query?: string;
  /** Path parameter values that replace the real ones. */
  path?: Record<string, string>;
  /** Leave out the document's required request headers. */
  omitHeaders?: true;
}

/** Bigger than any sane body limit (fastify's default is 1 MiB), small enough to send quickly. */
export const OVERSIZE_BYTES = 1536 * 1024;

const BODY_REJECTED = [400] as const;
const PATH_REJECTED = [400, 404] as const;

type Property = Record<string, unknown>;

/** One value of another JSON type than the property's own. */
function wrongTypeValue(type: string): unknown {
  switch (type) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return 'not-a-number';
    case 'boolean':
      return 'not-a-boolean';
    case 'array':
      return 'not-an-array';
    case 'object':
      return 'not-an-object';
    default:
      return 'not-null';
  }
}

function primaryType(prop: Property): string | undefined {
  const type = prop['type'];
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t): t is string => typeof t === 'string' && t !== 'null');
  return undefined;
}

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** A string that breaks `pattern` (a valid URI off an http-only pattern first, then a plainly odd one). */
function offPattern(pattern: string): string | undefined {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
  return ['ftp://127.0.0.1/roomgate', '~roomgate~', ' '].find((candidate) => !regex.test(candidate));
}

/** A string of exactly `length` characters that keeps the valid value's prefix where it has one (so a pattern still holds). */
function ofLength(valid: unknown, length: number): string {
  const start = typeof valid === 'string' ? valid.slice(0, length) : '';
  return start.padEnd(length, 'x');
}

/**
 * Body cases: per property each wrong type, bound, pattern, enum and item
 * count; each missing required field; an unknown property where
 * `additionalProperties: false`; then the HTTP-level ones. `isInvalid` (ajv
 * with the document's own schema) keeps only cases the schema itself rejects,
 * so a case is never a valid body in disguise.
 */
export function bodyCases(
  schema: JsonSchema,
  base: Record<string, unknown>,
  options: {
    oversized: boolean;
    /** Whether a body of an undeclared media type must be refused (the document declares a 415, or requires its body). */
    wrongMediaType?: boolean;
    /** Whether the body, as the target would read it in this encoding, breaks the schema. */
    isInvalid: (body: unknown) => boolean;
    /** JSON (default), or a form: then malformed JSON and a JSON array are no input of it, and the oversized body is a form. */
    encoding?: RequestEncoding;
  },
): InputCase[] {
  const form = options.encoding === 'form';
  const object = typeof schema === 'object' ? schema : {};
  const { properties, required } = propertiesOf(schema);
  const cases: InputCase[] = [];
  propertyCases(properties, required, base, (body) => body, '', cases);
  // One level into objects (Daily's `properties.max_participants`): their rules are the document's too.
  for (const [name, prop] of Object.entries(properties)) {
    const inner = propertiesOf(prop);
    if (primaryType(prop) !== 'object' || Object.keys(inner.properties).length === 0) continue;
    const nested = base[name];
    const nestedBase = typeof nested === 'object' && nested !== null && !Array.isArray(nested) ? (nested as Record<string, unknown>) : {};
    propertyCases(inner.properties, inner.required, nestedBase, (body) => ({ ...base, [name]: body }), `${name}.`, cases);
  }
  if (object['additionalProperties'] === false) {
    cases.push({ kind: 'unknown-property', label: 'an unknown extra property', preferred: BODY_REJECTED, body: { ...base, unexpected_junk: true } });
  }
  if (!form && (object['type'] === 'object' || object['properties'] !== undefined)) {
    cases.push({ kind: 'not-an-object', label: 'a JSON array instead of an object', preferred: BODY_REJECTED, body: [base] });
  }
  const kept = cases.filter((c) => options.isInvalid(c.body));
  if (!form) kept.push({ kind: 'malformed-json', label: 'malformed JSON', preferred: BODY_REJECTED, raw: { text: '{"name": "unterminated', contentType: 'application/json' } });
  if (options.wrongMediaType !== false) kept.push({ kind: 'wrong-media-type', label: 'a text/plain body', preferred: [415], also: [404], raw: { text: 'name=plain', contentType: 'text/plain' } });
  // Only where the document promises a body limit (a 413): other APIs may accept large bodies.
  if (options.oversized) {
    const padded = { ...base, padding: 'x'.repeat(OVERSIZE_BYTES) };
    kept.push({
      kind: 'oversized',
      label: `an oversized body (${Math.round(OVERSIZE_BYTES / 1024)} KiB)`,
      preferred: [413],
      raw: form
        ? { text: new URLSearchParams(Object.entries(padded).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString(), contentType: FORM_MEDIA_TYPE }
        : { text: JSON.stringify(padded), contentType: 'application/json' },
    });
  }
  return kept;
}

/**
 * The cases of one object's properties: each missing required field, and per
 * property each wrong type, bound, length, pattern, enum and item count.
 * `wrap` puts the changed object where it sits in the body (the body itself,
 * or one of its objects); labels carry the `prefix` (`properties.`).
 */
function propertyCases(
  properties: Record<string, Property>,
  required: readonly string[],
  base: Record<string, unknown>,
  wrap: (object: Record<string, unknown>) => Record<string, unknown>,
  prefix: string,
  cases: InputCase[],
): void {
  const withValue = (kind: InputKind, label: string, name: string, value: unknown) =>
    cases.push({ kind, label: `${prefix}${label}`, preferred: BODY_REJECTED, body: wrap({ ...base, [name]: value }) });
  for (const name of required) {
    const rest = Object.fromEntries(Object.entries(base).filter(([key]) => key !== name));
    cases.push({ kind: 'missing-required', label: `missing required ${prefix}${name}`, preferred: BODY_REJECTED, body: wrap(rest) });
  }
  for (const [name, prop] of Object.entries(properties)) {
    const type = primaryType(prop);
    const valid = base[name];
    if (type !== undefined) withValue('wrong-type', `${name} of the wrong type`, name, wrongTypeValue(type));
    const maximum = num(prop['maximum']);
    const minimum = num(prop['minimum']);
    const exclusiveMaximum = num(prop['exclusiveMaximum']);
    const exclusiveMinimum = num(prop['exclusiveMinimum']);
    if (maximum !== undefined) withValue('above-maximum', `${name} above maximum ${maximum}`, name, maximum + 1);
    else if (exclusiveMaximum !== undefined) withValue('above-maximum', `${name} at exclusiveMaximum ${exclusiveMaximum}`, name, exclusiveMaximum);
    if (minimum !== undefined) withValue('below-minimum', `${name} below minimum ${minimum}`, name, minimum - 1);
    else if (exclusiveMinimum !== undefined) withValue('below-minimum', `${name} at exclusiveMinimum ${exclusiveMinimum}`, name, exclusiveMinimum);
    const maxLength = num(prop['maxLength']);
    const minLength = num(prop['minLength']);
    if (maxLength !== undefined) withValue('too-long', `${name} longer than maxLength ${maxLength}`, name, ofLength(valid, maxLength + 1));
    if (minLength !== undefined && minLength > 0) withValue('too-short', `${name} shorter than minLength ${minLength}`, name, ofLength(valid, minLength - 1));
    if (typeof prop['pattern'] === 'string') {
      const off = offPattern(prop['pattern']);
      if (off !== undefined) withValue('pattern', `${name} off its pattern ${prop['pattern']}`, name, off);
    }
    if (Array.isArray(prop['enum']) || prop['const'] !== undefined) withValue('outside-enum', `${name} outside its enum`, name, 'no-such-value');
    const items = (prop['items'] ?? {}) as Property;
    if (type === 'array' && (Array.isArray(items['enum']) || items['const'] !== undefined)) {
      withValue('outside-enum', `${name} with an item outside its enum`, name, ['no-such-value']);
    }
    const minItems = num(prop['minItems']);
    if (minItems !== undefined && minItems > 0) {
      withValue('too-few-items', `${name} with too few items`, name, Array.isArray(valid) ? valid.slice(0, minItems - 1) : []);
    }
  }
}

/**
 * Query cases, one per constraint of each query parameter: not an integer or
 * boolean, each bound, each length limit, its enum, its pattern, and a missing
 * required one. An empty value is never used for "too short": whether `?x=`
 * means absent is left open by HTTP (OpenAPI's allowEmptyValue).
 */
export function queryCases(op: IndexedOperation): InputCase[] {
  const cases: InputCase[] = [];
  const query = op.parameters.filter((p) => p.in === 'query');
  for (const p of query) {
    const schema = (typeof p.schema === 'object' ? p.schema : {}) as Property;
    const name = encodeURIComponent(p.name);
    const add = (value: string, why: string) => cases.push({ kind: 'query', label: `?${p.name}=${why}`, preferred: BODY_REJECTED, query: `${name}=${encodeURIComponent(value)}` });
    const type = primaryType(schema);
    if (type === 'integer' || type === 'number') add('abc', `abc (not ${type === 'integer' ? 'an integer' : 'a number'})`);
    if (type === 'boolean') add('maybe', 'maybe (not a boolean)');
    const minimum = num(schema['minimum']);
    const maximum = num(schema['maximum']);
    if (minimum !== undefined) add(String(minimum - 1), `${minimum - 1} (below minimum ${minimum})`);
    if (maximum !== undefined) add(String(maximum + 1), `${maximum + 1} (above maximum ${maximum})`);
    const maxLength = num(schema['maxLength']);
    const minLength = num(schema['minLength']);
    if (maxLength !== undefined) add('x'.repeat(maxLength + 1), `${maxLength + 1} characters (longer than maxLength ${maxLength})`);
    if (minLength !== undefined && minLength > 1) add('x'.repeat(minLength - 1), `${minLength - 1} characters (shorter than minLength ${minLength})`);
    if (Array.isArray(schema['enum']) && !schema['enum'].includes('no-such-value')) add('no-such-value', 'no-such-value (outside its enum)');
    if (typeof schema['pattern'] === 'string') {
      const off = offPattern(schema['pattern']);
      if (off !== undefined) add(off, `${off} (off its pattern)`);
    }
  }
  for (const p of query.filter((q) => q.required === true)) {
    // Every other required parameter keeps a valid value, so only this one is missing.
    const others = query.filter((q) => q.required === true && q !== p).map((q) => `${encodeURIComponent(q.name)}=${encodeURIComponent(exampleValue(q))}`);
    cases.push({ kind: 'query', label: `without the required query parameter ${p.name}`, preferred: BODY_REJECTED, query: others.join('&') });
  }
  return cases;
}

/** Path cases: a value over each path parameter's maxLength, or off its pattern (400, or 404 for "no such resource"). */
export function pathCases(op: IndexedOperation): InputCase[] {
  const cases: InputCase[] = [];
  for (const p of op.parameters.filter((q) => q.in === 'path')) {
    const schema = (typeof p.schema === 'object' ? p.schema : {}) as Property;
    const maxLength = num(schema['maxLength']);
    if (maxLength !== undefined) {
      cases.push({ kind: 'path', label: `${p.name} of ${maxLength + 1} characters (longer than maxLength ${maxLength})`, preferred: PATH_REJECTED, path: { [p.name]: 'x'.repeat(maxLength + 1) } });
    }
    if (typeof schema['pattern'] === 'string') {
      const off = offPattern(schema['pattern']);
      if (off !== undefined) cases.push({ kind: 'path', label: `${p.name} off its pattern`, preferred: PATH_REJECTED, path: { [p.name]: off } });
    }
  }
  return cases;
}

/** The required-header case: the request without the headers the document requires (the gate adds them otherwise). */
export function headerCases(op: IndexedOperation): InputCase[] {
  const headers = requiredRequestHeaders(op).map((p: ParameterObject) => p.name);
  if (headers.length === 0) return [];
  return [{ kind: 'missing-header', label: `without the required header${headers.length > 1 ? 's' : ''} ${headers.join(', ')}`, preferred: BODY_REJECTED, omitHeaders: true }];
}
