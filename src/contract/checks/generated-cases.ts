import { generateSync } from 'json-schema-faker';
import type { JsonSchema } from '../../spec/openapi-types.js';

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

/** Values of every JSON type and a few edges, for the seeded random invalid cases. */
const RANDOM_VALUES: readonly unknown[] = [null, true, false, 0, -1, 2.5, 1e12, '', ' ', 'x', 'x'.repeat(300), [], [1], ['x', 'x'], {}, { a: 1 }];

/**
 * Seeded random invalid bodies: a valid base with one field (or an unknown
 * one) set to a random value, kept only when the schema itself says the body
 * is invalid (ajv), so a case can never be a valid body in disguise. These add
 * variety after the deterministic coverage phase (src/contract/coverage/),
 * which already sends every rule's boundary once.
 */
export function randomInvalidBodies(
  schema: JsonSchema,
  base: Record<string, unknown>,
  random: () => number,
  count: number,
  isInvalid: (body: unknown) => boolean,
): GeneratedCase[] {
  const object = typeof schema === 'object' ? schema : {};
  const names = [...Object.keys((object['properties'] ?? {}) as Record<string, unknown>), 'unexpected_junk'];
  const cases: GeneratedCase[] = [];
  const seen = new Set<string>();
  for (let attempt = 0; attempt < count * 8 && cases.length < count; attempt += 1) {
    const name = names[Math.floor(random() * names.length)] as string;
    const value = RANDOM_VALUES[Math.floor(random() * RANDOM_VALUES.length)];
    const body = { ...base, [name]: value };
    const key = JSON.stringify([name, value]);
    if (seen.has(key) || !isInvalid(body)) continue;
    seen.add(key);
    const shown = JSON.stringify(value);
    cases.push({ label: `${name} = ${shown.length > 24 ? `${shown.slice(0, 24)}…` : shown}`, body });
  }
  return cases;
}
