import type { JsonSchema, MediaTypeObject } from '../../spec/openapi-types.js';
import { propertiesOf, responseSchema } from '../../spec/spec-facts.js';
import type { IndexedOperation, SpecIndex } from '../../spec/spec-index.js';
import { formatPointer } from '../pointer.js';

/** Small readers over a dereferenced OpenAPI document, for drafting a profile. */

export type SchemaObject = Record<string, unknown>;

export function asObject(schema: unknown): SchemaObject | undefined {
  return typeof schema === 'object' && schema !== null && !Array.isArray(schema) ? (schema as SchemaObject) : undefined;
}

/** The schema's properties, merged through allOf (and the first branch of oneOf/anyOf). */
export function propertiesIn(schema: unknown): { properties: Record<string, SchemaObject>; required: string[] } {
  const object = asObject(schema);
  if (object === undefined) return { properties: {}, required: [] };
  const merged = propertiesOf(object as JsonSchema);
  const branch = (object['oneOf'] ?? object['anyOf']) as unknown[] | undefined;
  if (Object.keys(merged.properties).length === 0 && Array.isArray(branch) && branch.length > 0) return propertiesIn(branch[0]);
  return merged;
}

/** A property's schema with allOf folded in (`name: { allOf: [RoomName], description }`). */
export function flatten(schema: unknown): SchemaObject {
  const object = asObject(schema) ?? {};
  let out: SchemaObject = { ...object };
  for (const part of (object['allOf'] as unknown[] | undefined) ?? []) out = { ...flatten(part), ...out };
  delete out['allOf'];
  return out;
}

export function typeOf(schema: unknown): string | undefined {
  const type = flatten(schema)['type'];
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t): t is string => typeof t === 'string' && t !== 'null');
  if (flatten(schema)['properties'] !== undefined) return 'object';
  return undefined;
}

export function enumOf(schema: unknown): string[] | undefined {
  const flat = flatten(schema);
  if (Array.isArray(flat['enum'])) return flat['enum'].filter((v): v is string => typeof v === 'string');
  if (typeof flat['const'] === 'string') return [flat['const']];
  return undefined;
}

export function descriptionOf(schema: unknown): string {
  const flat = flatten(schema);
  return [flat['description'], flat['title']].filter((v): v is string => typeof v === 'string').join(' ');
}

/** The request body schema and its media type (JSON or form). */
export function requestBodyOf(op: IndexedOperation): { schema: unknown; encoding: 'json' | 'form' } | undefined {
  const content = op.operation.requestBody?.content;
  if (content === undefined) return undefined;
  const entries = Object.entries(content) as [string, MediaTypeObject][];
  const json = entries.find(([type]) => /json/i.test(type));
  if (json !== undefined) return { schema: json[1].schema, encoding: 'json' };
  const form = entries.find(([type]) => /x-www-form-urlencoded/i.test(type));
  if (form !== undefined) return { schema: form[1].schema, encoding: 'form' };
  return undefined;
}

/** The JSON schema of the operation's first documented 2xx answer. */
export function successSchema(index: SpecIndex, op: IndexedOperation): unknown {
  const code = successCodes(op)[0];
  return code === undefined ? undefined : responseSchema(index, op, code);
}

export function successCodes(op: IndexedOperation): number[] {
  return Object.keys(op.operation.responses ?? {})
    .filter((code) => /^2\d\d$/.test(code))
    .map(Number)
    .sort((a, b) => a - b);
}

/** Depth-first search for a property whose name matches, returning its pointer (bounded depth: payloads nest a little, never deeply). */
export function findProperty(
  schema: unknown,
  matches: (name: string, schema: SchemaObject) => boolean,
  depth = 4,
  at: string[] = [],
): { pointer: string; schema: SchemaObject } | undefined {
  if (depth < 0) return undefined;
  const { properties } = propertiesIn(schema);
  for (const [name, prop] of Object.entries(properties))
    if (matches(name, flatten(prop))) return { pointer: formatPointer([...at, name]), schema: flatten(prop) };
  for (const [name, prop] of Object.entries(properties)) {
    if (typeOf(prop) !== 'object') continue;
    const found = findProperty(prop, matches, depth - 1, [...at, name]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Words of an identifier: `createRoom`, `create_room`, `CreateRoom`, `livekit.RoomService` → lower-case words. */
export function wordsOf(identifier: string): string[] {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

/** `snake_case`, `camelCase` and `PascalCase` of one name compare equal. */
export function sameName(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  return norm(a) === norm(b);
}
