import { access, readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import { ConfigError } from '../errors.js';
import type { OpenApiDocument } from './openapi-types.js';

/**
 * Load an OpenAPI document the way the gate needs it: validated against the
 * OpenAPI 3.x meta-schema (so a broken spec is a config error, exit 2, naming
 * what is wrong) and fully dereferenced, so every schema handed to ajv is
 * self-contained. `@readme/openapi-parser` does both; we never resolve `$ref`s
 * ourselves.
 */
export async function loadSpec(path: string): Promise<OpenApiDocument> {
  try {
    await access(path);
  } catch {
    throw new ConfigError(`the OpenAPI document ${path} does not exist`, {
      file: path,
      hint: "pass --spec (or the profile's spec:) with the path of the API's OpenAPI 3.x document",
    });
  }
  let result: Awaited<ReturnType<typeof validate>>;
  try {
    result = await validate(path, { resolve: { http: false } } as never);
  } catch (error) {
    throw new ConfigError(`is not a readable OpenAPI document: ${(error as Error).message}`, {
      file: path,
      hint: 'fix the YAML/JSON syntax, or point --spec at the right file',
      cause: error,
    });
  }
  if (!result.valid) {
    const declared = await declaredVersion(path);
    throw new ConfigError(`is not valid OpenAPI: ${compileErrors(result).trim().slice(0, 2000)}`, {
      file: path,
      hint: `fix the document so it validates against the OpenAPI ${declared ?? '3.x'} schema${declared === undefined ? ' (it declares no openapi: version)' : ''}`,
    });
  }
  const document: object = await dereference(path, { resolve: { http: false } } as never);
  if (!isOpenApi3(document)) {
    throw new ConfigError(`declares openapi "${String(Reflect.get(document, 'openapi'))}"; the gate needs OpenAPI 3.x`, { file: path });
  }
  if (document.paths === undefined || Object.keys(document.paths).length === 0) {
    throw new ConfigError('declares no paths; there is nothing to check', { file: path });
  }
  return document;
}

/** The `openapi:` version the document declares (3.0.3, 3.1.0), to name the schema it failed; undefined when unreadable. */
async function declaredVersion(path: string): Promise<string | undefined> {
  try {
    const version: unknown = Reflect.get(Object(parse(await readFile(path, 'utf8'))), 'openapi');
    return typeof version === 'string' ? `${version.split('.').slice(0, 2).join('.')}` : undefined;
  } catch {
    return undefined;
  }
}

/** A document that validated against the OpenAPI meta-schema (above) and declares 3.x has the shape the gate reads. */
function isOpenApi3(document: object): document is OpenApiDocument {
  const version: unknown = Reflect.get(document, 'openapi');
  return typeof version === 'string' && version.startsWith('3.');
}
