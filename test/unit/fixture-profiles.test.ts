import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSpec } from '../../src/spec/load-spec.js';
import { SpecIndex } from '../../src/spec/spec-index.js';

// The example profiles (examples/<name>/profile.yaml) are written in the agreed profile format:
// they validate against schemas/profile.schema.json (once that schema is on this branch), point at
// their own OpenAPI document, and name only operations that document declares.

const EXAMPLES = ['daily', 'twilio', 'livekit'] as const;
const SCHEMA = 'schemas/profile.schema.json';

function readProfile(name: string): Record<string, unknown> {
  return parse(readFileSync(`examples/${name}/profile.yaml`, 'utf8')) as Record<string, unknown>;
}

/** Every `operation:` value anywhere in the profile. */
function operationsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(operationsOf);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === 'operation' && typeof inner === 'string' ? [inner] : operationsOf(inner)));
}

describe.each(EXAMPLES)('examples/%s/profile.yaml', (name) => {
  it('points at its own OpenAPI document and names only operations it declares', async () => {
    const profile = readProfile(name);
    const specPath = resolve(dirname(`examples/${name}/profile.yaml`), String(profile['spec']));
    expect(specPath).toBe(resolve(`examples/${name}/openapi.yaml`));
    const index = new SpecIndex(await loadSpec(specPath));
    const operations = operationsOf(profile['rooms']);
    expect(operations.length).toBeGreaterThanOrEqual(4);
    for (const operation of operations) expect(index.byId(operation), operation).toBeDefined();
  });

  it.skipIf(!existsSync(SCHEMA))('validates against the profile JSON Schema', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    expect(validate(readProfile(name)) ? [] : validate.errors).toEqual([]);
  });
});
