import { generateSync } from 'json-schema-faker';
import type { JsonSchema } from '../spec/openapi-types.js';

/** One request body the generator produced, and what it is. */
export interface GeneratedCase {
  label: string;
  /** JSON value to send, or `raw` bytes with their content type. */
  body?: unknown;
  raw?: { text: string; contentType: string };
}

/** Valid bodies for a request schema, deterministic from the seed (json-schema-faker). */
export function validBodies(schema: JsonSchema, seed: number, count: number): unknown[] {
  const bodies: unknown[] = [];
  for (let i = 0; i < count; i += 1) {
    // Alternate between all-optional and required-only bodies so both shapes are exercised.
    bodies.push(generateSync(schema as never, { seed: seed * 1000 + i, optionalsProbability: i % 2 === 0 ? 1 : 0 }));
  }
  return bodies;
}

interface PropertySchema {
  type?: string | string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  enum?: unknown[];
  const?: unknown;
  minItems?: number;
}

/**
 * Invalid variants of a valid body, Schemathesis-style: each breaks exactly one
 * rule of the schema (wrong type, out of bounds, missing required, unknown
 * property) or of HTTP (malformed JSON, wrong content type, oversized). The
 * mutations are derived from the schema's own keywords — json-schema-faker
 * only generates valid data, so this part is ours.
 */
export function invalidCases(
  schema: JsonSchema,
  base: Record<string, unknown>,
  random: () => number,
  count: number,
  oversizeBytes: number | undefined,
): GeneratedCase[] {
  const object = typeof schema === 'object' ? schema : {};
  const properties = (object['properties'] ?? {}) as Record<string, PropertySchema>;
  const required = (object['required'] ?? []) as string[];
  // Every constraint the document states is tried at its boundary on every run (these are what a
  // user's own spec changes: their maxLength, their enum); wrong-type mutations are sampled by the seed.
  const boundaries: GeneratedCase[] = [];
  const types: GeneratedCase[] = [];
  for (const [name, prop] of Object.entries(properties)) {
    const type = Array.isArray(prop.type) ? prop.type[0] : prop.type;
    const wrong = type === 'string' ? 12345 : type === 'array' ? 'not-an-array' : 'not-a-' + String(type ?? 'value');
    types.push({ label: `${name} of the wrong type`, body: { ...base, [name]: wrong } });
    if (prop.maximum !== undefined) boundaries.push({ label: `${name} above maximum ${prop.maximum}`, body: { ...base, [name]: prop.maximum + 1 } });
    if (prop.minimum !== undefined) boundaries.push({ label: `${name} below minimum ${prop.minimum}`, body: { ...base, [name]: prop.minimum - 1 } });
    if (prop.maxLength !== undefined) boundaries.push({ label: `${name} longer than maxLength ${prop.maxLength}`, body: { ...base, [name]: 'x'.repeat(prop.maxLength + 1) } });
    if (prop.minLength !== undefined && prop.minLength > 0) boundaries.push({ label: `${name} shorter than minLength ${prop.minLength}`, body: { ...base, [name]: 'x'.repeat(prop.minLength - 1) } });
    if (prop.enum !== undefined || prop.const !== undefined) boundaries.push({ label: `${name} outside its enum`, body: { ...base, [name]: 'no-such-value' } });
    if (prop.minItems !== undefined && prop.minItems > 0) boundaries.push({ label: `${name} with too few items`, body: { ...base, [name]: [] } });
  }
  for (const name of required) {
    const { [name]: _dropped, ...rest } = base;
    boundaries.push({ label: `missing required ${name}`, body: rest });
  }
  if (object['additionalProperties'] === false) boundaries.push({ label: 'an unknown extra property', body: { ...base, unexpected_junk: true } });
  const http: GeneratedCase[] = [
    { label: 'a JSON array instead of an object', body: [base] },
    { label: 'malformed JSON', raw: { text: '{"name": "unterminated', contentType: 'application/json' } },
    { label: 'a text/plain body', raw: { text: 'name=plain', contentType: 'text/plain' } },
  ];
  // Only where the document promises a body limit (a 413): other APIs may accept large bodies.
  if (oversizeBytes !== undefined) {
    http.push({
      label: `an oversized body (${Math.round(oversizeBytes / 1024)} KiB)`,
      raw: { text: JSON.stringify({ ...base, padding: 'x'.repeat(oversizeBytes) }), contentType: 'application/json' },
    });
  }
  return [...boundaries, ...shuffle(types, random).slice(0, Math.max(0, count)), ...http];
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
