import { closest, distance } from 'fastest-levenshtein';
import type { IndexedOperation, SpecIndex } from '../spec/spec-index.js';
import type { ResolvedOperation } from './types.js';

/**
 * Find the operation a profile names, by operationId or by `METHOD /path`,
 * in the OpenAPI document. A path may be written with the server's base path
 * or without it, and with any parameter names (`/rooms/{id}` finds
 * `/v1/rooms/{room_id}`): what identifies an operation is its method and
 * the shape of its path.
 */
export type OperationLookup = { found: true; operation: ResolvedOperation } | { found: false; problem: string; hint: string };

const METHOD_PATH = /^(get|put|post|delete|options|head|patch|trace)\s+(\/\S*)$/i;

export function resolveOperation(index: SpecIndex, ref: string): OperationLookup {
  const methodPath = METHOD_PATH.exec(ref.trim());
  if (methodPath !== null) {
    const method = (methodPath[1] ?? '').toLowerCase();
    const shape = pathShape(methodPath[2] ?? '');
    const sameMethod = index.operations.filter((op) => op.method === method);
    const exact = sameMethod.find((op) => pathShape(op.template) === shape);
    // Without the base path: `/rooms` for `/v1/rooms` (servers: [{url: …/v1}]).
    const suffix = sameMethod.filter((op) => pathShape(op.template).endsWith(shape) && pathShape(op.template).slice(0, -shape.length).startsWith('/'));
    const op = exact ?? (suffix.length === 1 ? suffix[0] : undefined);
    if (op !== undefined) return { found: true, operation: resolved(op) };
    const declared = index.operations.map((o) => `${o.method.toUpperCase()} ${o.template}`);
    const guess = declared.length === 0 ? undefined : closest(`${method.toUpperCase()} ${methodPath[2]}`, declared);
    return {
      found: false,
      problem: `the OpenAPI document has no operation ${method.toUpperCase()} ${methodPath[2]}${guess === undefined ? '' : `; closest: ${guess}`}`,
      hint: `name an operation the document declares: ${list(declared)}`,
    };
  }
  const op = index.byId(ref);
  if (op !== undefined) return { found: true, operation: resolved(op) };
  const ids = index.operations.map((o) => o.operationId);
  const guess = ids.length === 0 ? undefined : closest(ref, ids);
  const near = guess !== undefined && distance(ref, guess) <= Math.max(3, Math.floor(ref.length / 3));
  return {
    found: false,
    problem: `the OpenAPI document has no operation "${ref}"${near ? `; did you mean "${guess}"?` : ''}`,
    hint: `use one of its operationIds (${list(ids)}) or write "METHOD /path"`,
  };
}

export function resolved(op: IndexedOperation): ResolvedOperation {
  return {
    operationId: op.operationId,
    method: op.method.toUpperCase(),
    pathTemplate: op.template,
    pathParams: [...op.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? ''),
  };
}

/** `/v1/rooms/{room_id}/` → `/v1/rooms/{}`: parameter names and a trailing slash do not identify an operation. */
function pathShape(path: string): string {
  return path.replace(/\{[^}]*\}/g, '{}').replace(/(.)\/+$/, '$1');
}

function list(items: readonly string[]): string {
  return items.length <= 30 ? items.join(', ') : `${items.slice(0, 30).join(', ')}, … (${items.length - 30} more)`;
}
