import type { JsonSchema } from './openapi-types.js';
import { propertiesOf, responseSchema } from './spec-facts.js';
import type { IndexedOperation, SpecIndex } from './spec-index.js';

/**
 * What the document says about one collection's items, read from its paths
 * and schemas alone: which operations address an item by its id, which of
 * them update it, which properties the client may not set (`readOnly`), and
 * which status refuses an item the caller may not see. The identity checks
 * walk these instead of a list of VideoConnect operations, so a user's own
 * document (an extra `GET /rooms/{id}/recordings`, a `PATCH /rooms/{id}`) is
 * covered as written.
 */

/** An operation that addresses one item of a collection, and the name of its path parameter there. */
export interface ItemOperation {
  op: IndexedOperation;
  /** The path parameter that takes the item's id (`room_id` in `/v1/rooms/{room_id}/join-tokens`). */
  param: string;
}

/**
 * The operations under `{collection}/{id}` (the item and its sub-resources)
 * whose only path parameter is that id, in the document's order: for
 * `POST /v1/rooms`, `GET` and `DELETE /v1/rooms/{room_id}` and
 * `POST /v1/rooms/{room_id}/join-tokens`. An operation that also needs a
 * second id (`…/participants/{pid}`) is left out: the gate holds no value for it.
 */
export function itemOperations(spec: SpecIndex, create: IndexedOperation): ItemOperation[] {
  const prefix = `${create.template}/{`;
  const items: ItemOperation[] = [];
  for (const op of spec.operations) {
    if (!op.template.startsWith(prefix)) continue;
    const params = [...op.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
    const first = params[0];
    if (params.length !== 1 || first === undefined) continue;
    const rest = op.template.slice(prefix.length + first.length + 1);
    if (rest === '' || rest.startsWith('/')) items.push({ op, param: first });
  }
  return items;
}

/** An update of one item: PUT or PATCH on its path or below, or POST on the item path itself (how some APIs update). */
export function isUpdate(item: ItemOperation, create: IndexedOperation): boolean {
  const { method, template } = item.op;
  if (method === 'put' || method === 'patch') return true;
  return method === 'post' && template === `${create.template}/{${item.param}}`;
}

/**
 * The top-level properties the document marks `readOnly: true` in the
 * operation's JSON request schema or any of its 2xx response schemas (merged
 * through `allOf`), with their schemas. OpenAPI: a readOnly property is sent
 * by the server and "SHOULD NOT be sent as part of the request", so one the
 * client sends on a write must never take effect.
 */
export function readOnlyProperties(spec: SpecIndex, op: IndexedOperation): Map<string, Record<string, unknown>> {
  const found = new Map<string, Record<string, unknown>>();
  const schemas: (JsonSchema | undefined)[] = [spec.requestSchema(op)];
  for (const code of Object.keys(op.operation.responses ?? {})) {
    if (/^2\d\d$/.test(code)) schemas.push(responseSchema(spec, op, Number(code)));
  }
  for (const schema of schemas) {
    for (const [name, property] of Object.entries(propertiesOf(schema).properties)) {
      if (property['readOnly'] === true && !found.has(name)) found.set(name, property);
    }
  }
  return found;
}

/** The statuses the operation documents for an item the caller may not see (404, 403), in that order; empty when it documents neither. */
export function documentedRefusals(op: IndexedOperation): number[] {
  return [404, 403].filter((status) => Object.hasOwn(op.operation.responses ?? {}, String(status)));
}
