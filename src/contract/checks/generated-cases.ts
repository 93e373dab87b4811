import { generateSync } from 'json-schema-faker';
import type { JsonSchema } from '../../spec/openapi-types.js';

/** One request body the generator produced, and what it is. */
export interface GeneratedCase {
  label: string;
  /** JSON value to send, or `raw` bytes with their content type. */
  body?: unknown;
  raw?: { text: string; contentType: string };
  /** The one field the case sets, and its value, for cases that change one field of a base body. */
  field?: { name: string; value: unknown };
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
    cases.push({ label: `${name} = ${shown.length > 24 ? `${shown.slice(0, 24)}…` : shown}`, body, field: { name, value } });
  }
  return cases;
}

type Json = unknown;

function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A generated body with the profile's template laid over it: what the
 * template sets wins (a future `endDate`, a room name unique to the run, the
 * room a join token is for), objects merged key by key, so the generator
 * fills only what the template leaves open. A schema says what is allowed;
 * the template says what must hold for the request to mean what the gate
 * intends.
 */
export function fillFromTemplate(generated: Json, template: Json): Json {
  if (template === undefined) return generated;
  if (!isRecord(template) || !isRecord(generated)) return template;
  const out: Record<string, Json> = { ...generated };
  for (const [key, value] of Object.entries(template)) out[key] = fillFromTemplate(generated[key], value);
  return out;
}

/** Where a generated URL points instead: loopback, a port nothing listens on (discard), so nothing leaves the machine. */
export const LOOPBACK_URL = 'http://127.0.0.1:9/roomgate-generated';

/**
 * A generated body with every absolute URL moved to LOOPBACK_URL: a webhook
 * or status-callback URL the generator made up would have a real API call a
 * random host on the generator's whim.
 */
export function urlsOnLoopback(value: Json): Json {
  if (typeof value === 'string') return isRemoteUrl(value) ? LOOPBACK_URL : value;
  if (Array.isArray(value)) return value.map(urlsOnLoopback);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, urlsOnLoopback(v)]));
  return value;
}

function isRemoteUrl(text: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return false;
  try {
    const host = new URL(text).hostname;
    return host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]';
  } catch {
    return false;
  }
}

/** The top-level properties of an object schema, in the document's order. */
export function topLevelProperties(schema: JsonSchema): string[] {
  const object = typeof schema === 'object' ? schema : {};
  return Object.keys((object['properties'] ?? {}) as Record<string, unknown>);
}

/**
 * One valid value per declared property, seeded: each taken from a body
 * json-schema-faker made with every optional property present, so the value
 * obeys the property's own schema. Properties the generator could not fill
 * are left out.
 */
export function validPropertyValues(schema: JsonSchema, seed: number): Map<string, Json> {
  const body = validBodies(schema, seed, 1)[0];
  const values = new Map<string, Json>();
  if (!isRecord(body)) return values;
  for (const name of topLevelProperties(schema)) if (Object.hasOwn(body, name)) values.set(name, body[name]);
  return values;
}
