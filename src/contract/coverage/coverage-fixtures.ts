import type { GateContext } from '../gate-context.js';
import { operationIn } from '../check-preconditions.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import { pathParams, seedIndependentBody, unknownIdLike } from '../checks/request-fixtures.js';

/**
 * The resources the coverage phase addresses: for every path parameter of the
 * document (`room_id`, `Sid`, `webhook_id`, or whatever the user's spec names
 * them) a real resource of this client, created through the collection
 * operation the parameter belongs to (`POST /v1/rooms` for
 * `/v1/rooms/{room_id}`), so a 4xx to an invalid input can only mean the
 * input. Rooms are created and closed through the profile (its create
 * template is what makes a create valid) and join the gate's own clean-up;
 * everything else is deleted by `release`.
 */
export interface CoverageFixtures {
  /** Path parameter → the id of a real resource (undefined when creating it failed or nothing creates it). */
  values: Record<string, string | undefined>;
  /** A fresh resource for `param`, created only to be deleted (a DELETE's 2xx), or undefined. */
  disposable(param: string): Promise<string | undefined>;
  /** A resource for `param` that has been deleted (a closed room may stay readable and refuse new join tokens), or undefined. */
  deleted(param: string): Promise<string | undefined>;
  /** An id shaped like the real one (same prefix and length) that names nothing, for the 404s. */
  unknownId(param: string): string;
  release(): Promise<void>;
}

interface Collection {
  create: IndexedOperation;
  /** The operation that deletes one, when the document has it. */
  remove: IndexedOperation | undefined;
  /** The collection is the profile's rooms: created and closed through its roles. */
  rooms: boolean;
}

export async function createCoverageFixtures(ctx: GateContext): Promise<CoverageFixtures> {
  const collections = new Map<string, Collection>();
  for (const op of ctx.spec.operations) {
    for (const param of pathParams(op)) {
      if (collections.has(param)) continue;
      const collection = collectionOf(ctx, op.template, param);
      if (collection !== undefined) collections.set(param, collection);
    }
  }
  const owned: { remove: IndexedOperation; param: string; id: string }[] = [];

  const create = async (param: string): Promise<string | undefined> => {
    const collection = collections.get(param);
    if (collection === undefined) return undefined;
    // A target that cannot even issue a token throws here; the checks that need the resource then say it is missing.
    if (collection.rooms) return (await ctx.createRoom({ label: 'coverage' }).catch(() => undefined))?.roomId;
    const body = seedIndependentBody(collection.create, ctx) ?? {};
    const exchange = await ctx.http.send({ method: 'POST', path: collection.create.template, body, signal: ctx.signal }).catch(() => undefined);
    if (exchange?.status === undefined || exchange.status < 200 || exchange.status >= 300) return undefined;
    const json = (exchange.json ?? {}) as Record<string, unknown>;
    const id = typeof json[param] === 'string' ? (json[param] as string) : typeof json['id'] === 'string' ? (json['id'] as string) : undefined;
    if (id === undefined) return undefined;
    if (collection.remove !== undefined) owned.push({ remove: collection.remove, param, id });
    return id;
  };
  const pathOf = (op: IndexedOperation, param: string, id: string) => op.template.replace(`{${param}}`, encodeURIComponent(id));

  const values: Record<string, string | undefined> = {};
  for (const param of collections.keys()) values[param] = await create(param);
  const deletedIds = new Map<string, string | undefined>();

  return {
    values,
    disposable: create,
    async deleted(param) {
      if (deletedIds.has(param)) return deletedIds.get(param);
      const collection = collections.get(param);
      const id = collection === undefined || (!collection.rooms && collection.remove === undefined) ? undefined : await create(param);
      let result: string | undefined;
      if (collection !== undefined && id !== undefined) {
        const exchange = collection.rooms
          ? await ctx.send(ctx.api.close(id))
          : await ctx.http.send({ method: (collection.remove as IndexedOperation).method.toUpperCase(), path: pathOf(collection.remove as IndexedOperation, param, id) });
        if (exchange.status !== undefined && exchange.status >= 200 && exchange.status < 300) {
          result = id;
          if (collection.rooms) ctx.createdRooms.delete(id);
        }
      }
      deletedIds.set(param, result);
      return result;
    },
    unknownId(param) {
      const real = values[param];
      return real === undefined ? 'roomgate-unknown-0' : unknownIdLike(real);
    },
    async release() {
      for (const { remove, param, id } of owned.splice(0)) {
        await ctx.http.send({ method: remove.method.toUpperCase(), path: pathOf(remove, param, id) }).catch(() => undefined);
      }
    },
  };
}

/** `POST /v1/rooms` for `{room_id}` in `/v1/rooms/{room_id}/…`: the create operation of the parameter's collection, and its delete. */
function collectionOf(ctx: GateContext, template: string, param: string): Collection | undefined {
  const prefix = template.slice(0, template.indexOf(`/{${param}}`));
  if (prefix.includes('{')) return undefined;
  const create = ctx.spec.operations.find((op) => op.method === 'post' && op.template === prefix);
  if (create === undefined) return undefined;
  const remove = ctx.spec.operations.find((op) => op.method === 'delete' && op.template === `${prefix}/{${param}}`);
  return { create, remove, rooms: create === operationIn(ctx.facts, 'createRoom') };
}
