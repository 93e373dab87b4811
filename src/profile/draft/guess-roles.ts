import type { IndexedOperation, SpecIndex } from '../../spec/spec-index.js';
import { enumOf, findProperty, requestBodyOf, wordsOf } from './schema-reading.js';

/**
 * Which operation of an OpenAPI document plays which role, guessed from what
 * REST and RPC APIs name things: a POST on the room collection (`/rooms`,
 * `/meetings`, `/Rooms`) creates, a GET on it lists, a GET on one item
 * gets, a DELETE on it closes, or an update whose body has a status-like
 * enum with completed/closed/ended; RPC-style APIs (Twirp `…/CreateRoom`)
 * say it with the verb in the last path segment or the operationId. Each
 * guess carries the reason, which `init --from-spec` prints.
 */

export interface Guess {
  op: IndexedOperation;
  reason: string;
}

export interface CloseByUpdate {
  /** The body field that sets the status, and the value that closes. */
  field: string;
  value: string;
}

export interface GuessedRoles {
  create?: Guess;
  get?: Guess;
  list?: Guess;
  close?: Guess & { byUpdate?: CloseByUpdate };
  joinToken?: Guess;
  token?: Guess;
  subscribe?: Guess;
  unsubscribe?: Guess;
}

const ROOM_NOUN = /^(rooms?|meetings?|sessions?|conferences?|calls?|spaces?|channels?)$/i;
const WEBHOOK_NOUN = /^(webhooks?|subscriptions?|hooks?|callbacks?|event-?subscriptions?)$/i;
const VERBS = {
  create: ['create', 'add', 'new', 'make', 'insert'],
  get: ['get', 'fetch', 'retrieve', 'read', 'show', 'describe', 'find'],
  list: ['list', 'search', 'index', 'all', 'query'],
  delete: ['delete', 'remove', 'destroy', 'close', 'end', 'complete', 'terminate', 'finish'],
  update: ['update', 'patch', 'modify', 'edit', 'set'],
} as const;
type Verb = keyof typeof VERBS;
export const CLOSED_VALUE = /^(completed?|closed?|ended?|finished|terminated|inactive|stopped)$/i;

interface Classified {
  op: IndexedOperation;
  /** Literal path segments (no `{params}`). */
  segments: string[];
  endsWithParam: boolean;
  /** The last literal segment is the room collection, and at most one param follows. */
  collection: 'rooms' | 'webhooks' | undefined;
  verb: Verb | undefined;
  /** The operation's words (operationId, and an RPC-style last segment) name a room. */
  aboutRoom: boolean;
  words: string[];
}

export function guessRoles(index: SpecIndex): GuessedRoles {
  const ops = index.operations.map(classify);
  const roles: GuessedRoles = {};
  const taken = new Set<IndexedOperation>();
  const pick = (candidates: { c: Classified; score: number; reason: string }[]): Guess | undefined => {
    const best = candidates.filter((x) => x.score > 0 && !taken.has(x.c.op)).sort((a, b) => b.score - a.score)[0];
    if (best === undefined) return undefined;
    taken.add(best.c.op);
    return { op: best.c.op, reason: best.reason };
  };
  const describe = (c: Classified) => `${c.op.method.toUpperCase()} ${c.op.template}`;

  roles.token = pick(
    ops.map((c) => ({
      c,
      score: c.op.method === 'post' && isTokenEndpoint(c) ? 3 : 0,
      reason: `${describe(c)} looks like a token endpoint (path and body fields)`,
    })),
  );
  roles.create = pick(
    ops.map((c) => ({
      c,
      score: (c.op.method === 'post' && c.collection === 'rooms' && !c.endsWithParam ? 3 : 0) + (c.verb === 'create' && c.aboutRoom ? 2 : 0),
      reason: c.collection === 'rooms' && !c.endsWithParam ? `${describe(c)} is a POST on the room collection` : `${c.op.operationId} names creating a room`,
    })),
  );
  roles.list = pick(
    ops.map((c) => ({
      c,
      score: (c.op.method === 'get' && c.collection === 'rooms' && !c.endsWithParam ? 3 : 0) + (c.verb === 'list' && c.aboutRoom ? 2 : 0),
      reason: c.collection === 'rooms' && !c.endsWithParam ? `${describe(c)} is a GET on the room collection` : `${c.op.operationId} names listing rooms`,
    })),
  );
  roles.get = pick(
    ops.map((c) => ({
      c,
      score: (c.op.method === 'get' && c.collection === 'rooms' && c.endsWithParam ? 3 : 0) + (c.verb === 'get' && c.aboutRoom ? 2 : 0),
      reason: c.collection === 'rooms' && c.endsWithParam ? `${describe(c)} is a GET on one room` : `${c.op.operationId} names reading a room`,
    })),
  );
  const deleteGuess = pick(
    ops.map((c) => ({
      c,
      score: (c.op.method === 'delete' && c.collection === 'rooms' && c.endsWithParam ? 3 : 0) + (c.verb === 'delete' && c.aboutRoom ? 2 : 0),
      reason: c.collection === 'rooms' && c.endsWithParam ? `${describe(c)} is a DELETE on one room` : `${c.op.operationId} names deleting or ending a room`,
    })),
  );
  if (deleteGuess !== undefined) roles.close = deleteGuess;
  else {
    // No delete: an update of one room whose body can set a closing status (Twilio: POST /Rooms/{Sid} Status=completed).
    for (const c of ops) {
      if (taken.has(c.op) || !['post', 'put', 'patch'].includes(c.op.method)) continue;
      const onItem = c.collection === 'rooms' && c.endsWithParam;
      if (!onItem && !(c.verb === 'update' && c.aboutRoom)) continue;
      const byUpdate = closingField(c.op);
      if (byUpdate === undefined) continue;
      taken.add(c.op);
      roles.close = { op: c.op, reason: `${describe(c)} updates a room and its body field ${byUpdate.field} can be "${byUpdate.value}"`, byUpdate };
      break;
    }
  }
  const itemPath = roles.get?.op.template ?? roles.close?.op.template;
  roles.joinToken = pick(
    ops.map((c) => {
      const underItem = itemPath !== undefined && c.op.template.startsWith(`${itemPath}/`);
      const tokenish = c.words.some((w) => ['token', 'tokens', 'join', 'invite', 'link'].includes(w));
      const joinWords = c.words.includes('join') && c.words.some((w) => ['token', 'tokens', 'url', 'link'].includes(w));
      const score =
        (c.op.method === 'post' || c.op.method === 'get') && c.op !== roles.token?.op
          ? (underItem && tokenish ? 3 : 0) + (joinWords ? 2 : 0) + (tokenish && referencesRoom(c.op) ? 1 : 0)
          : 0;
      return {
        c,
        score,
        reason: underItem ? `${describe(c)} issues a token for one room` : `${c.op.operationId} issues a participant token (its body names the room)`,
      };
    }),
  );
  roles.subscribe = pick(
    ops.map((c) => ({
      c,
      score: c.op.method === 'post' && c.collection === 'webhooks' && !c.endsWithParam ? 3 : 0,
      reason: `${describe(c)} is a POST on the webhook collection`,
    })),
  );
  roles.unsubscribe = pick(
    ops.map((c) => ({
      c,
      score: c.op.method === 'delete' && c.collection === 'webhooks' && c.endsWithParam ? 3 : 0,
      reason: `${describe(c)} is a DELETE on one webhook`,
    })),
  );
  for (const key of Object.keys(roles) as (keyof GuessedRoles)[]) if (roles[key] === undefined) delete roles[key];
  return roles;
}

function classify(op: IndexedOperation): Classified {
  const parts = op.template.split('/').filter((p) => p !== '');
  const endsWithParam = parts.length > 0 && parts[parts.length - 1]!.startsWith('{');
  const segments = parts.filter((p) => !p.startsWith('{'));
  const last = parts.length === 0 ? '' : parts[parts.length - 1]!;
  const beforeParam = endsWithParam && parts.length >= 2 ? parts[parts.length - 2]! : undefined;
  const collectionSegment = endsWithParam ? beforeParam : last;
  const collection =
    collectionSegment === undefined ? undefined : ROOM_NOUN.test(collectionSegment) ? 'rooms' : WEBHOOK_NOUN.test(collectionSegment) ? 'webhooks' : undefined;
  // RPC style: the last segment is itself an operation name (`livekit.RoomService/CreateRoom`).
  const rpcWords = !endsWithParam && /^[A-Z][a-z]+[A-Z]/.test(last) ? wordsOf(last) : [];
  const words = [...new Set([...wordsOf(op.operation.operationId ?? ''), ...rpcWords])];
  const verbWord = (op.operation.operationId !== undefined ? wordsOf(op.operation.operationId)[0] : undefined) ?? rpcWords[0];
  const verb = (Object.keys(VERBS) as Verb[]).find((v) => verbWord !== undefined && (VERBS[v] as readonly string[]).includes(verbWord));
  const aboutRoom =
    words.some((w) => ROOM_NOUN.test(w)) &&
    !words.some((w) => ['participant', 'participants', 'recording', 'recordings', 'track', 'tracks', 'egress', 'token', 'tokens'].includes(w));
  return { op, segments, endsWithParam, collection, verb, aboutRoom, words };
}

function isTokenEndpoint(c: Classified): boolean {
  const path = c.op.template.toLowerCase();
  if (
    !/(^|\/)(oauth2?\/)?(auth\/)?token$/.test(path) &&
    !(c.words.includes('token') && c.words.some((w) => ['issue', 'auth', 'oauth', 'access', 'oauth2'].includes(w)))
  )
    return false;
  const body = requestBodyOf(c.op);
  return findProperty(body?.schema, (name) => /secret|password/i.test(name), 0) !== undefined;
}

/** A body field of an update with a status-like enum that contains a closing value. */
function closingField(op: IndexedOperation): { field: string; value: string } | undefined {
  const body = requestBodyOf(op);
  const found = findProperty(body?.schema, (name, schema) => /status|state/i.test(name) && (enumOf(schema) ?? []).some((v) => CLOSED_VALUE.test(v)), 0);
  if (found === undefined) return undefined;
  const value = (enumOf(found.schema) ?? []).find((v) => CLOSED_VALUE.test(v))!;
  return { field: found.pointer.slice(1), value };
}

/** The request body names a room (`room_name`, `room_id`, `room`), at any shallow depth (Daily: properties.room_name). */
function referencesRoom(op: IndexedOperation): boolean {
  return findProperty(requestBodyOf(op)?.schema, (name) => /^room([_-]?(name|id|sid))?$/i.test(name), 2) !== undefined;
}
