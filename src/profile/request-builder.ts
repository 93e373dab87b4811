import { ConfigError } from '../errors.js';
import { renderTemplate, type JsonValue, type RenderContext, type TemplateVariables } from './template.js';
import type { BodyEncoding, RoleName, RoleRequest, TemplateValue } from './types.js';

/**
 * One request of a role, rendered and transport-neutral: what the client,
 * the load generator (autocannon's request list) and the gate's exchange
 * recorder all send as it is. Header names are lower case.
 */
export interface RoomRequest {
  role: RoleName;
  operationId: string;
  method: string;
  /** Path and query string, appended to the target's base URL. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  contentType?: string;
}

export const CONTENT_TYPES: Record<BodyEncoding, string> = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
};

/** Render a role's templates with `variables` into a request. */
export function buildRequest(
  role: RoleRequest,
  variables: TemplateVariables,
  context: RenderContext = {},
  extraHeaders: Record<string, string> = {},
): RoomRequest {
  const path = role.resolved.pathTemplate.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    const value = renderTemplate(role.params[name], variables, context);
    if (value === undefined || value === null || typeof value === 'object') {
      throw new ConfigError(`${role.resolved.operationId} (role ${role.role}) has no value for its path parameter {${name}}`, {
        path: `rooms.${role.role}.params.${name}`,
        hint: `fill it with a placeholder this role provides, e.g. params: { ${name}: "{{room.id}}" }`,
      });
    }
    return encodeURIComponent(String(value));
  });
  const query = encodeParams(renderTemplate(role.query as TemplateValue, variables, context));
  const headers: Record<string, string> = { accept: 'application/json' };
  const templateHeaders = renderTemplate(role.headers as TemplateValue, variables, context);
  if (isObject(templateHeaders)) for (const [name, value] of Object.entries(templateHeaders)) headers[name.toLowerCase()] = scalarText(value);
  for (const [name, value] of Object.entries(extraHeaders)) headers[name.toLowerCase()] = value;
  const request: RoomRequest = {
    role: role.role,
    operationId: role.resolved.operationId,
    method: role.resolved.method,
    path: query === '' ? path : `${path}?${query}`,
    headers,
  };
  const body = renderTemplate(role.body, variables, context);
  if (body !== undefined) {
    request.body = role.encoding === 'form' ? encodeParams(body) : JSON.stringify(body);
    request.contentType = CONTENT_TYPES[role.encoding];
    headers['content-type'] = request.contentType;
  }
  return request;
}

/** Query strings and form bodies: a list repeats its key; a nested object is sent as JSON text. */
export function encodeParams(value: JsonValue | undefined): string {
  if (!isObject(value)) return '';
  const params = new URLSearchParams();
  for (const [key, item] of Object.entries(value)) {
    if (Array.isArray(item)) for (const element of item) params.append(key, scalarText(element));
    else params.append(key, scalarText(item));
  }
  return params.toString();
}

function scalarText(value: JsonValue): string {
  return typeof value === 'string' ? value : value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
