import { Ajv2020, type ValidateFunction, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { HttpMethod, JsonSchema, OpenApiDocument, OperationObject, ParameterObject, ResponseObject } from './openapi-types.js';
import { HTTP_METHODS } from './openapi-types.js';

// ajv-formats is CommonJS; whatever a loader makes of its default import, the plugin sets its own
// `.default` to itself (`exports.default = formatsPlugin`), so `.default` is the callable everywhere.
const addFormats = addFormatsModule.default;

/** How a request body is written on the wire: JSON, or `application/x-www-form-urlencoded` (Twilio's, RFC 6749 §4.4's). */
export type RequestEncoding = 'json' | 'form';

/** The body an operation takes: its schema, and the media type and encoding the document declares for it. */
export interface RequestBodySchema {
  schema: JsonSchema;
  mediaType: string;
  encoding: RequestEncoding;
}

export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

export interface IndexedOperation {
  method: HttpMethod;
  /** Full path template, base path included, e.g. `/v1/rooms/{room_id}`. */
  template: string;
  operationId: string;
  operation: OperationObject;
  parameters: ParameterObject[];
  regex: RegExp;
}

/**
 * The OpenAPI document, indexed for the gate: which operation a method+path is,
 * and validators for its responses, requests and the webhook payloads. Every
 * schema is compiled once (ajv 2020-12 + formats) and cached by identity, so
 * validating thousands of responses costs one compile per schema.
 */
export class SpecIndex {
  readonly operations: IndexedOperation[] = [];
  private readonly ajv: Ajv2020;
  /**
   * Form bodies arrive as text: `MaxParticipants=5` is the integer 5 to the
   * server, a lone `VideoCodecs=VP8` a one-item array. ajv's coercion
   * (`coerceTypes: 'array'`) reads them the way OpenAPI's form encoding means.
   */
  private readonly formAjv: Ajv2020;
  private readonly compiled = new WeakMap<object, ValidateFunction>();
  private readonly compiledForm = new WeakMap<object, ValidateFunction>();
  private readonly basePath: string;

  constructor(readonly document: OpenApiDocument) {
    // strict off: OpenAPI schemas carry annotation keywords (example, discriminator, xml) ajv does not know.
    // No logger: a vendor's own formats (Twilio's `uri-map`, `http-method`) are ignored as the spec allows,
    // and only src/cli prints.
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, logger: false });
    addFormats(this.ajv);
    this.formAjv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, coerceTypes: 'array', logger: false });
    addFormats(this.formAjv);
    this.basePath = basePathOf(document);
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const method of HTTP_METHODS) {
        const operation = item[method];
        if (operation === undefined) continue;
        const template = `${this.basePath}${path}`;
        this.operations.push({
          method,
          template,
          operationId: operation.operationId ?? `${method.toUpperCase()} ${template}`,
          operation,
          parameters: [...(item.parameters ?? []), ...(operation.parameters ?? [])],
          regex: templateToRegex(template),
        });
      }
    }
  }

  /** The operation a request is, or undefined for an undeclared method/path. */
  find(method: string, path: string): IndexedOperation | undefined {
    const m = method.toLowerCase();
    const pathOnly = path.split('?')[0] ?? path;
    // Prefer literal templates over parameterised ones (`/v1/rooms/x` vs `/v1/rooms/{id}`).
    const matches = this.operations.filter((op) => op.method === m && op.regex.test(pathOnly));
    matches.sort((a, b) => paramCount(a.template) - paramCount(b.template));
    return matches[0];
  }

  byId(operationId: string): IndexedOperation | undefined {
    return this.operations.find((op) => op.operationId === operationId);
  }

  /** Methods the document declares for a path (for the 405 + Allow check). */
  methodsFor(path: string): string[] {
    return this.operations.filter((op) => op.regex.test(path)).map((op) => op.method.toUpperCase());
  }

  /** The documented response for a status: exact code, then `4XX`-style range, then `default`. */
  responseFor(op: IndexedOperation, status: number): ResponseObject | undefined {
    const responses = op.operation.responses ?? {};
    return responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses['default'];
  }

  /** ajv errors of `value` against `schema` as readable lines; empty when valid. */
  validate(schema: JsonSchema, value: unknown): string[] {
    const validator = this.compile(schema);
    if (validator(value)) return [];
    return formatErrors(validator.errors ?? []);
  }

  compile(schema: JsonSchema): ValidateFunction {
    if (typeof schema === 'boolean') return this.ajv.compile(schema);
    let validator = this.compiled.get(schema);
    if (validator === undefined) {
      validator = this.ajv.compile(schema);
      this.compiled.set(schema, validator);
    }
    return validator;
  }

  /**
   * The body a request sends, as the target reads it, judged by `schema`:
   * JSON as it is; a form body (the encoded text) as the fields the server
   * sees, strings coerced to the declared types. Empty when valid.
   */
  validateBody(schema: JsonSchema, body: unknown, encoding: RequestEncoding): string[] {
    if (encoding === 'json') return this.validate(schema, body);
    const fields = typeof body === 'string' ? formFields(body) : body;
    let validator: ValidateFunction;
    if (typeof schema === 'boolean') validator = this.formAjv.compile(schema);
    else {
      validator = this.compiledForm.get(schema) ?? this.formAjv.compile(schema);
      this.compiledForm.set(schema, validator);
    }
    // Coercion rewrites the data it validates: judge a copy.
    if (validator(structuredClone(fields))) return [];
    return formatErrors(validator.errors ?? []);
  }

  /** The body an operation takes, JSON first, else a form; undefined when it takes neither. */
  requestBody(op: IndexedOperation): RequestBodySchema | undefined {
    const content = Object.entries(op.operation.requestBody?.content ?? {});
    const json = content.find(([type]) => isJsonMediaType(type));
    if (json?.[1].schema !== undefined) return { schema: json[1].schema, mediaType: json[0], encoding: 'json' };
    const form = content.find(([type]) => type.split(';')[0]?.trim().toLowerCase() === FORM_MEDIA_TYPE);
    if (form?.[1].schema !== undefined) return { schema: form[1].schema, mediaType: FORM_MEDIA_TYPE, encoding: 'form' };
    return undefined;
  }

  /** The JSON request-body schema of an operation, if it takes one. */
  requestSchema(op: IndexedOperation): JsonSchema | undefined {
    const content = op.operation.requestBody?.content;
    if (content === undefined) return undefined;
    const json = Object.entries(content).find(([type]) => isJsonMediaType(type));
    return json?.[1].schema;
  }

  /** The payload schema of a webhook event (`webhooks.<name>.post.requestBody`), keyed by event name. */
  webhookSchemas(): Map<string, JsonSchema> {
    const schemas = new Map<string, JsonSchema>();
    for (const [name, item] of Object.entries(this.document.webhooks ?? {})) {
      const content = item.post?.requestBody?.content;
      const schema = content === undefined ? undefined : Object.entries(content).find(([t]) => isJsonMediaType(t))?.[1].schema;
      if (schema !== undefined) schemas.set(name, schema);
    }
    return schemas;
  }
}

export function isJsonMediaType(type: string): boolean {
  const base = type.split(';')[0]?.trim().toLowerCase() ?? '';
  return base === 'application/json' || base.endsWith('+json');
}

function basePathOf(document: OpenApiDocument): string {
  const url = document.servers?.[0]?.url;
  if (url === undefined) return '';
  let pathname: string;
  try {
    pathname = new URL(url, 'http://placeholder').pathname;
  } catch {
    return '';
  }
  const trimmed = pathname.replace(/\/+$/, '');
  // If the paths already carry the prefix (`/v1/rooms`), the server URL's path must not be added twice.
  const paths = Object.keys(document.paths ?? {});
  if (trimmed !== '' && paths.every((p) => p.startsWith(`${trimmed}/`) || p === trimmed)) return '';
  return trimmed;
}

/** A form body as its fields: a repeated key is a list (`VideoCodecs=VP8&VideoCodecs=H264`). */
export function formFields(encoded: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(encoded)) {
    const seen = fields[key];
    fields[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return fields;
}

function templateToRegex(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`);
}

function paramCount(template: string): number {
  return (template.match(/\{/g) ?? []).length;
}

function formatErrors(errors: ErrorObject[]): string[] {
  return errors.slice(0, 8).map((e) => {
    const where = e.instancePath === '' ? 'body' : `body${e.instancePath.replace(/\//g, '.')}`;
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
        : e.keyword === 'required'
          ? ''
          : '';
    return `${where} ${e.message ?? e.keyword}${extra}`;
  });
}
