import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadSpec } from '../../src/spec/load-spec.js';

/** An invalid document: `paths` must be an object. */
function invalidDocument(version: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'roomgate-spec-'));
  const file = join(dir, 'api.yaml');
  writeFileSync(file, `${version === undefined ? '' : `openapi: ${version}\n`}info: { title: t, version: '1' }\npaths: 42\n`);
  return file;
}

async function hintOf(file: string): Promise<string | undefined> {
  try {
    await loadSpec(file);
  } catch (error) {
    if (error instanceof ConfigError) return error.hint;
    throw error;
  }
  throw new Error('the invalid document loaded');
}

describe('an invalid OpenAPI document is named by the version it declares', () => {
  it('a 3.0 document is told to validate against the OpenAPI 3.0 schema, not 3.1', async () => {
    expect(await hintOf(invalidDocument('3.0.3'))).toContain('OpenAPI 3.0 schema');
  });
  it('a 3.1 document against the 3.1 schema', async () => {
    expect(await hintOf(invalidDocument('3.1.0'))).toContain('OpenAPI 3.1 schema');
  });
});
