import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Evidence } from '../../model/evidence.js';
import { describeExchange, ensured, evidenceOf, fail, pass, skip, UnexpectedResponse, type CheckOutcome } from '../check.js';
import { cite, defineCheck, defineOperationCheck, INFO } from '../check-definition.js';
import {
  needs,
  operationIn,
  ownedResources,
  readOnlyDeclared,
  readOnlyWrites,
  resourceItem,
  secondIdentity,
  type GateFacts,
  type OwnedResource,
  type ReadOnlyWrite,
} from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import { Exchanger, type Exchange } from '../http/exchange.js';
import { CONTRACT_DEFAULTS } from '../options.js';
import { documentedRefusals, type ItemOperation } from '../../spec/resource-operations.js';
import { errorCodes, paginationOf, propertiesOf, responseSchema } from '../../spec/spec-facts.js';
import type { GateRole } from '../gate-roles.js';
import type { GateIdentity } from '../http/gate-identity.js';
import type { IndexedOperation, SpecIndex } from '../../spec/spec-index.js';
import { rejectionStatuses, seedIndependentBody } from './request-fixtures.js';

const API1 = 'OWASP API Security Top 10 2023: API1 Broken Object Level Authorization';
const API3 = 'OWASP API Security Top 10 2023: API3 Broken Object Property Level Authorization';
/** The document's rule the cross-client checks enforce. */
const SCOPING = cite.openapi(INFO, 'visible only to the API client that created them');

/** The item operations the named checks own; every other one that takes an item's id gets `identity.other-client-refused.{operationId}`. */
const NAMED_ROLES: readonly GateRole[] = ['getRoom', 'deleteRoom', 'createJoinToken', 'deleteWebhook'];

/** Most list pages the gate walks looking for another client's rooms; a longer list is a skip with the reason, never a pass. */
const MAX_LIST_PAGES = 100;

export const IDENTITY_CHECKS = {
  cannotRead: defineCheck({
    id: 'identity.other-client-cannot-read',
    group: 'identity',
    enforces: 'another API client\'s GET of a room is refused as documented (404) and the room is unchanged',
    cites: [SCOPING, cite.openapi('{getRoom}/responses/404/description', 'belongs to another API client'), cite.standard(API1)],
    requires: [needs('createRoom', 'getRoom')],
    given: [secondIdentity],
  }),
  cannotMintJoinTokens: defineCheck({
    id: 'identity.other-client-cannot-mint-join-tokens',
    group: 'identity',
    enforces: 'another API client cannot mint a join token for a room: refused as documented (404), the room unchanged',
    cites: [SCOPING, cite.openapi('{createJoinToken}/responses/404'), cite.standard(API1)],
    requires: [needs('createRoom', 'getRoom', 'createJoinToken')],
    given: [secondIdentity],
  }),
  cannotClose: defineCheck({
    id: 'identity.other-client-cannot-close',
    group: 'identity',
    enforces: 'another API client cannot close a room: refused as documented (404), and read back the room is still open and unchanged',
    cites: [SCOPING, cite.openapi('{deleteRoom}/responses/404'), cite.standard(API1)],
    requires: [needs('createRoom', 'getRoom', 'deleteRoom')],
    given: [secondIdentity],
  }),
  cannotDeleteWebhook: defineCheck({
    id: 'identity.other-client-cannot-delete-webhook',
    group: 'identity',
    enforces: 'another API client cannot delete a webhook subscription: refused as documented (404), and the subscription is still there',
    cites: [cite.openapi('{deleteWebhook}/responses/404/description', 'belongs to another API client'), cite.standard(API1)],
    requires: [needs('createWebhook', 'deleteWebhook')],
    given: [secondIdentity],
  }),
  otherOperations: defineOperationCheck({
    id: 'identity.other-client-refused.{operationId}',
    group: 'identity',
    enforces: 'every other operation that takes a resource\'s id is refused to another API client as documented, the resource unchanged',
    cites: [SCOPING, cite.openapi('{operation}/responses'), cite.standard(API1)],
    appliesTo: (op, facts) => isOtherItemOperation(op, facts),
    given: [secondIdentity],
  }),
  listsNeverShowOthers: defineCheck({
    id: 'identity.lists-never-show-other-clients-rooms',
    group: 'identity',
    enforces: 'no page of another API client\'s room list shows the first client\'s rooms',
    cites: [SCOPING, cite.openapi('{listRooms}/summary', 'the caller\'s rooms'), cite.standard(API1)],
    requires: [needs('createRoom', 'listRooms')],
    given: [secondIdentity],
  }),
  readOnlyIgnored: defineCheck({
    id: 'identity.read-only-fields-ignored',
    group: 'identity',
    enforces: 'a readOnly property sent on a create or update never takes effect: the write is refused (4xx as documented) or keeps the server\'s own value',
    cites: [cite.openapi('#/components/schemas/Room/properties/status/readOnly'), cite.openapi('{createRoom}/responses/201'), cite.standard(API3)],
    requires: [needs('createRoom'), readOnlyDeclared],
  }),
};

/** An operation taking one item's id that none of the named checks drives (a user's `PATCH /rooms/{id}`, `GET /rooms/{id}/recordings`). */
export function isOtherItemOperation(op: IndexedOperation, facts: GateFacts): boolean {
  const named = NAMED_ROLES.map((role) => resourceItem(facts, role)?.item.op);
  return !named.includes(op) && ownedResources(facts).some((resource) => resource.items.some((item) => item.op === op));
}

/** Something a check created, deleted when that check ends by the client that created it. */
interface Created {
  http: Exchanger;
  resource: OwnedResource;
  id: string;
}

/** One family run's state: the second identity (opened on first use) and everything created so far, by both identities. */
class IdentityRun {
  private other: GateIdentity | undefined;
  private readonly created: Created[] = [];

  constructor(readonly ctx: GateContext) {}

  /** How evidence names the second identity: its client id (never its secret), as the curl line's `$TOKEN` cannot. */
  get secondName(): string {
    return `the second client (${ensured(this.ctx.options.secondClient, 'a second client').clientId})`;
  }

  /** The second API client's connection: every request it sends carries that client's own token. */
  get second(): Exchanger {
    if (this.other === undefined) {
      const credentials = ensured(this.ctx.options.secondClient, 'a second client');
      this.other = this.ctx.openIdentity(credentials, `the second client (${credentials.clientId})`);
    }
    return this.other.http;
  }

  /** Create one resource as `http`'s client (a valid body from the document); it is deleted at the end. */
  async create(http: Exchanger, resource: OwnedResource): Promise<{ exchange: Exchange; id: string }> {
    const exchange = await this.send(http, resource.create, undefined, seedIndependentBody(resource.create, this.ctx) ?? {});
    const id = this.remember(http, resource, exchange);
    if (id === undefined) {
      const what = `${opName(resource.create)} did not create a ${resource.noun}: ${describeExchange(exchange)}`;
      throw new UnexpectedResponse(what, exchange, `a 2xx with the new ${resource.noun}'s id`);
    }
    return { exchange, id };
  }

  /** Keep for clean-up what a 2xx of the create made; its id, if any. */
  remember(http: Exchanger, resource: OwnedResource, exchange: Exchange): string | undefined {
    if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) return undefined;
    const id = idOf(exchange.json, idParamOf(resource));
    if (id !== undefined) this.created.push({ http, resource, id });
    return id;
  }

  send(http: Exchanger, op: IndexedOperation, target?: { item: ItemOperation; id: string }, body?: unknown): Promise<Exchange> {
    const path = target === undefined ? op.template : pathOf(target.item, target.id);
    return http.send({ method: op.method.toUpperCase(), path, ...(body === undefined ? {} : { body }), signal: this.ctx.signal });
  }

  /**
   * The first client's view of one resource: by its read operation, else by
   * walking its list, else (a destructive read, the last one) by deleting it:
   * a 2xx says it was still there.
   */
  async readBack(resource: OwnedResource, id: string, destructive: boolean): Promise<ReadBack | undefined> {
    const http = this.ctx.http;
    if (resource.get !== undefined) {
      const exchange = await this.send(http, resource.get.op, { item: resource.get, id });
      if (exchange.status !== undefined && exchange.status >= 200 && exchange.status < 300) return { state: 'present', exchange, representation: exchange.json };
      if (exchange.status === 404 || exchange.status === 410) return { state: 'missing', exchange };
      throw new UnexpectedResponse(`the first client's read-back of its ${resource.noun} ${id} answered ${describeExchange(exchange)}`, exchange, `200 with the ${resource.noun}`);
    }
    if (resource.list !== undefined) {
      const walk = await walkList(this, http, resource, (item) => idOf(item, idParamOf(resource)) === id);
      if (walk.found !== undefined) return { state: 'present', exchange: walk.found.exchange, representation: walk.found.item };
      const last = walk.pages.at(-1);
      if (walk.complete && last !== undefined) return { state: 'missing', exchange: last };
      return undefined;
    }
    if (destructive && resource.remove !== undefined) {
      const exchange = await this.send(http, resource.remove.op, { item: resource.remove, id });
      if (exchange.status !== undefined && exchange.status >= 200 && exchange.status < 300) return { state: 'present', exchange, representation: undefined };
      return { state: 'missing', exchange };
    }
    return undefined;
  }

  /** Run one check's body, then delete what it created (each by the client that created it), so no check sees another's leftovers. */
  async scoped(body: () => Promise<CheckOutcome>): Promise<CheckOutcome> {
    try {
      return await body();
    } finally {
      await this.deleteCreated();
    }
  }

  private async deleteCreated(): Promise<void> {
    for (const { http, resource, id } of this.created.splice(0).reverse()) {
      if (resource.remove === undefined) continue;
      // Cut short by an interrupt, clean-up still runs (under its own deadline): a foreign target is left as found.
      await http.send({ method: resource.remove.op.method.toUpperCase(), path: pathOf(resource.remove, id) }).catch(() => undefined);
    }
  }

  /** Delete anything still left and close the second identity's connection. */
  async close(): Promise<void> {
    await this.deleteCreated();
    await this.other?.close();
  }
}

type ReadBack = { state: 'present'; exchange: Exchange; representation: unknown } | { state: 'missing'; exchange: Exchange };

/**
 * Identities (OWASP API Security Top 10 2023, API1 and API3): with a second
 * API client, every operation that takes the first client's resource id is
 * refused as documented and leaves the resource as it was (read back by the
 * first client); the second client's room list never shows the first
 * client's rooms; readOnly properties sent on writes never take effect. Runs
 * after the webhooks group and before the rate-limit burst, each check on
 * resources of its own, and deletes everything it created, for both clients.
 */
export async function runIdentityChecks(ctx: GateContext): Promise<void> {
  const run = new IdentityRun(ctx);
  const facts = ctx.facts;
  const item = (role: GateRole) => ensured(resourceItem(facts, role), `the ${role} operation`);
  try {
    await ctx.check(IDENTITY_CHECKS.cannotRead, () => run.scoped(() => foreignAttempt(run, item('getRoom'))));
    await ctx.check(IDENTITY_CHECKS.cannotMintJoinTokens, () => run.scoped(() => foreignAttempt(run, item('createJoinToken'))));
    await ctx.check(IDENTITY_CHECKS.cannotClose, () => run.scoped(() => foreignAttempt(run, item('deleteRoom'))));
    await ctx.check(IDENTITY_CHECKS.cannotDeleteWebhook, () => run.scoped(() => foreignAttempt(run, item('deleteWebhook'))));
    for (const op of IDENTITY_CHECKS.otherOperations.operationsIn(ctx.facts)) {
      const target = ensured(
        ownedResources(facts).flatMap((resource) => resource.items.filter((i) => i.op === op).map((i) => ({ resource, item: i })))[0],
        `the resource ${op.operationId} addresses`,
      );
      await ctx.check(IDENTITY_CHECKS.otherOperations.of(op), () => run.scoped(() => foreignAttempt(run, target)));
    }
    await ctx.check(IDENTITY_CHECKS.listsNeverShowOthers, () => run.scoped(() => listsNeverShowOthers(run)));
    await ctx.check(IDENTITY_CHECKS.readOnlyIgnored, () => run.scoped(() => readOnlyIgnored(run)));
  } finally {
    await run.close();
  }
}

/**
 * The first client creates a resource and reads it; the second client sends
 * `item`'s operation on its id; the first client reads it back. Passes when
 * the attempt is refused with the status (and error code) the document gives
 * an item the caller may not see, and the resource is as it was.
 */
async function foreignAttempt(run: IdentityRun, { resource, item }: { resource: OwnedResource; item: ItemOperation }): Promise<CheckOutcome> {
  const { ctx } = run;
  const { id } = await run.create(ctx.http, resource);
  const before = await run.readBack(resource, id, false);
  if (before?.state === 'missing') {
    throw new UnexpectedResponse(`the first client cannot see its own new ${resource.noun} ${id}, so nothing can be read back`, before.exchange, `its ${resource.noun} ${id}`);
  }
  const schema = ctx.spec.requestSchema(item.op);
  const body = schema === undefined ? undefined : (seedIndependentBody(item.op, ctx) ?? {});
  const attempt = await run.send(run.second, item.op, { item, id }, body);
  const expected = refusalOf(ctx.spec, item.op);
  const problems: string[] = [];
  const evidence: Evidence[] = [];
  const refused = refusalProblem(ctx.spec, item.op, attempt);
  if (refused !== undefined) {
    problems.push(`the second client's ${item.op.method.toUpperCase()} of the first client's ${resource.noun} ${id} ${refused}`);
    evidence.push(evidenceOf(attempt, `as ${run.secondName}: ${expected}, as for a ${resource.noun} that does not exist`));
  }
  // The destructive read-back (a DELETE by the owner) only where nothing else can show the resource.
  const after = await run.readBack(resource, id, before === undefined);
  const changed = changeOf(before, after);
  if (changed !== undefined && after !== undefined) {
    problems.push(`read back by the first client, its ${resource.noun} ${id} ${changed}`);
    if (refused === undefined) evidence.push(evidenceOf(attempt, `as ${run.secondName}: ${expected}`));
    evidence.push(evidenceOf(after.exchange, `the first client reads its ${resource.noun} back as it was before the second client's request`));
  }
  if (problems.length > 0) return fail(problems.join('; '), evidence);
  return pass(after === undefined ? 2 : 3);
}

/** What the document says another client's item answers: `404 room_not_found`, or 403/404 under API1 when it declares neither. */
function refusalOf(spec: SpecIndex, op: IndexedOperation): string {
  const documented = documentedRefusals(op);
  if (documented.length === 0) return '403 or 404 (the document declares neither; OWASP API1)';
  return documented
    .map((status) => {
      const codes = errorCodes(spec, op, status);
      return codes === undefined ? String(status) : `${status} ${codes.join(' or ')}`;
    })
    .join(' or ');
}

/** Why the answer is not the documented refusal, or undefined when it is. */
export function refusalProblem(spec: SpecIndex, op: IndexedOperation, exchange: Exchange): string | undefined {
  const documented = documentedRefusals(op);
  const statuses = documented.length > 0 ? documented : [404, 403];
  if (exchange.status === undefined || !statuses.includes(exchange.status)) {
    return `answered ${describeExchange(exchange)}, not ${refusalOf(spec, op)}`;
  }
  const codes = errorCodes(spec, op, exchange.status);
  const code = typeof exchange.json === 'object' && exchange.json !== null ? (exchange.json as Record<string, unknown>)['error'] : undefined;
  if (codes !== undefined && (typeof code !== 'string' || !codes.includes(code))) {
    return `answered ${exchange.status} with error ${JSON.stringify(code)}, not ${codes.join(' or ')}`;
  }
  return undefined;
}

/** How the resource differs after the second client's request (`is gone`, `status "waiting" → "closed"`), or undefined when it is as it was. */
function changeOf(before: ReadBack | undefined, after: ReadBack | undefined): string | undefined {
  if (after === undefined) return undefined;
  if (after.state === 'missing') return `is gone (${describeExchange(after.exchange)})`;
  if (before?.state !== 'present') return undefined;
  const was = before.representation;
  const is = after.representation;
  if (isDeepStrictEqual(was, is)) return undefined;
  if (!isRecord(was) || !isRecord(is)) return `changed from ${JSON.stringify(was)} to ${JSON.stringify(is)}`;
  const fields = [...new Set([...Object.keys(was), ...Object.keys(is)])].filter((key) => !isDeepStrictEqual(was[key], is[key]));
  return `changed: ${fields.map((key) => `${key} ${JSON.stringify(was[key])} → ${JSON.stringify(is[key])}`).join(', ')}`;
}

/**
 * The first client creates a room, the second client one of its own; the
 * second client walks every page of its list. Fails on any room of the first
 * client. Lists may lag behind creates (the seed's propagation budget), so
 * the walk is repeated until the second client's own, newer room shows; a
 * list that never shows it cannot be judged and is a skip with the reason.
 */
async function listsNeverShowOthers(run: IdentityRun): Promise<CheckOutcome> {
  const { ctx } = run;
  const facts = ctx.facts;
  const rooms = ensured(ownedResources(facts).find((r) => r.create === operationIn(facts, 'createRoom')), 'the rooms');
  const mine = await run.create(ctx.http, rooms);
  const theirs = await run.create(run.second, rooms);
  const param = idParamOf(rooms);
  const firstClients = new Set([mine.id, ...ctx.createdRooms]);
  const deadline = Date.now() + CONTRACT_DEFAULTS.deliveryBudgetMs;
  for (let walks = 1; ; walks += 1) {
    // The whole list every time: whatever its order, a leaked room may be on any page.
    let ownSeen = false;
    const walk = await walkList(run, run.second, rooms, (item) => {
      const id = idOf(item, param);
      if (id === theirs.id) ownSeen = true;
      return id !== undefined && firstClients.has(id);
    });
    if (walk.found !== undefined) {
      const leaked = idOf(walk.found.item, param) ?? '';
      return fail(`the second client's list of rooms shows the first client's room ${leaked}`, [
        evidenceOf(walk.found.exchange, `as ${run.secondName}: only its own rooms (it owns ${theirs.id})`),
      ]);
    }
    if (!walk.complete) return skip(`the second client's list did not end within ${MAX_LIST_PAGES} pages, so not all of it was seen`);
    if (ownSeen) return pass(walk.pages.length);
    if (Date.now() >= deadline) {
      return skip(`the second client's own room ${theirs.id} never appeared in its list within ${CONTRACT_DEFAULTS.deliveryBudgetMs} ms (${walks} walks), so the list cannot be judged`);
    }
    await sleep(250, undefined, { signal: ctx.signal });
  }
}

/**
 * Walk the pages of a resource's list as `http`'s client until `stop` picks
 * an item (`found`) or the list ends: items and the next cursor are found by the document's
 * pagination (spec-facts `paginationOf`), else the first array of the 200
 * body is the one page.
 */
async function walkList(
  run: IdentityRun,
  http: Exchanger,
  resource: OwnedResource,
  stop: (item: unknown) => boolean,
): Promise<{ pages: Exchange[]; complete: boolean; found?: { item: unknown; exchange: Exchange } }> {
  const list = ensured(resource.list, `the list of ${resource.noun}s`);
  const { spec } = run.ctx;
  const pagination = paginationOf(spec, list);
  const itemsField = pagination?.itemsField ?? Object.entries(propertiesOf(responseSchema(spec, list, 200)).properties).find(([, s]) => s['type'] === 'array')?.[0];
  const pages: Exchange[] = [];
  let cursor: string | undefined;
  while (pages.length < MAX_LIST_PAGES) {
    const query = new URLSearchParams();
    if (pagination?.maxLimit !== undefined) query.set(pagination.limitParam, String(pagination.maxLimit));
    if (pagination !== undefined && cursor !== undefined) query.set(pagination.cursorParam, cursor);
    const path = `${list.template}${query.size > 0 ? `?${query}` : ''}`;
    const exchange = await http.send({ method: 'GET', path, signal: run.ctx.signal });
    pages.push(exchange);
    if (exchange.status !== 200 || !isRecord(exchange.json)) {
      throw new UnexpectedResponse(`${opName(list)} answered ${describeExchange(exchange)}`, exchange, `200 with a page of ${resource.noun}s`);
    }
    const items = itemsField === undefined ? undefined : exchange.json[itemsField];
    for (const item of Array.isArray(items) ? items : []) {
      if (stop(item)) return { pages, complete: false, found: { item, exchange } };
    }
    const next = pagination === undefined ? undefined : exchange.json[pagination.nextField];
    if (typeof next !== 'string' || next === '') return { pages, complete: true };
    cursor = next;
  }
  return { pages, complete: false };
}

/**
 * Each readOnly property of each create and update, sent alone on an
 * otherwise valid write with a value the server would not choose: the write
 * must be refused with a documented 4xx, or keep the server's own value in
 * its answer and when read back. One property per request, so a server that
 * rejects one of them cannot hide that it honours another.
 */
async function readOnlyIgnored(run: IdentityRun): Promise<CheckOutcome> {
  const { ctx } = run;
  const problems: string[] = [];
  const evidence: Evidence[] = [];
  let observations = 0;
  for (const write of readOnlyWrites(ctx.facts)) {
    const baseline = await run.create(ctx.http, write.resource);
    const server = isRecord(baseline.exchange.json) ? baseline.exchange.json : {};
    for (const [name, schema] of write.properties) {
      const value = foreignValue(schema, server[name], name === idParamOf(write.resource) ? baseline.id : undefined);
      const { exchange, id } = await sendReadOnly(run, write, baseline.id, server, name, value);
      observations += 1;
      const taken = await tookValue(run, write.resource, exchange, id, name, value);
      if (taken !== undefined) {
        problems.push(`${opName(write.op)} took the readOnly ${name} = ${JSON.stringify(value)} from the client (${taken.where})`);
        evidence.push(evidenceOf(taken.exchange, `${name} keeps the server's own value, or the write is refused with a documented 4xx`));
      } else if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) {
        const allowed = rejectionStatuses(write.op, [400, 422]);
        if (exchange.status === undefined || !allowed.includes(exchange.status)) {
          problems.push(`${opName(write.op)} with the readOnly ${name} answered ${describeExchange(exchange)}: neither refused with a documented 4xx nor accepted`);
          evidence.push(evidenceOf(exchange, `a documented 4xx (${allowed.slice(0, 4).join(', ')}) or a 2xx with the server's own ${name}`));
        }
      }
    }
  }
  return problems.length > 0 ? fail(problems.join('; '), evidence) : pass(observations);
}

/** Send one write with the readOnly property set: a fresh create, or an update of the baseline item. */
async function sendReadOnly(
  run: IdentityRun,
  write: ReadOnlyWrite,
  baselineId: string,
  server: Record<string, unknown>,
  name: string,
  value: unknown,
): Promise<{ exchange: Exchange; id: string | undefined }> {
  const { ctx } = run;
  if (write.item === undefined) {
    const body = { ...(seedIndependentBody(write.op, ctx) ?? {}), [name]: value };
    const exchange = await run.send(ctx.http, write.op, undefined, body);
    return { exchange, id: run.remember(ctx.http, write.resource, exchange) };
  }
  // PUT replaces the whole item: send what the server showed, minus what the client may not set, plus the one property.
  const writable = Object.fromEntries(Object.entries(server).filter(([key]) => !write.properties.has(key)));
  const body = write.op.method === 'put' ? { ...writable, [name]: value } : { [name]: value };
  return { exchange: await run.send(ctx.http, write.op, { item: write.item, id: baselineId }, body), id: baselineId };
}

/** Where a 2xx write shows the client's value for a readOnly property: its answer, or the first client's read-back. */
async function tookValue(
  run: IdentityRun,
  resource: OwnedResource,
  exchange: Exchange,
  id: string | undefined,
  name: string,
  value: unknown,
): Promise<{ where: string; exchange: Exchange } | undefined> {
  if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) return undefined;
  if (isRecord(exchange.json) && isDeepStrictEqual(exchange.json[name], value)) return { where: 'in its answer', exchange };
  if (id === undefined || resource.get === undefined) return undefined;
  const read = await run.readBack(resource, id, false);
  if (read?.state === 'present' && isRecord(read.representation) && isDeepStrictEqual(read.representation[name], value)) {
    return { where: 'read back', exchange: read.exchange };
  }
  return undefined;
}

/**
 * A value for a readOnly property that differs visibly from what the server
 * set (`server`) and keeps to the property's schema where it can: another
 * enum value (`closed` for a new room's status), 99 within the maximum for a
 * count, the id of another resource of the client (`foreignId`) for the id
 * itself, a URL elsewhere, a date in 2001.
 */
export function foreignValue(schema: Record<string, unknown>, server: unknown, foreignId?: string): unknown {
  if (foreignId !== undefined && foreignId !== server) return foreignId;
  const enumValues = Array.isArray(schema['enum']) ? schema['enum'] : undefined;
  if (enumValues !== undefined) {
    const other = [...enumValues].reverse().find((v) => !isDeepStrictEqual(v, server) && v !== null);
    if (other !== undefined) return other;
  }
  const types = Array.isArray(schema['type']) ? (schema['type'] as unknown[]) : [schema['type']];
  if (types.includes('boolean')) return server !== true;
  if (types.includes('integer') || types.includes('number')) {
    const maximum = typeof schema['maximum'] === 'number' ? schema['maximum'] : Infinity;
    const minimum = typeof schema['minimum'] === 'number' ? schema['minimum'] : -Infinity;
    const candidate = Math.max(minimum, Math.min(99, maximum));
    if (candidate !== server) return candidate;
    return candidate + 1 <= maximum ? candidate + 1 : candidate - 1;
  }
  if (types.includes('array')) return Array.isArray(server) && server.length === 0 ? ['roomgate-read-only'] : [];
  if (types.includes('object')) return { roomgate: 'read-only' };
  switch (schema['format']) {
    case 'uri':
    case 'url':
      return 'https://roomgate.invalid/not-this-server';
    case 'date-time':
      return '2001-02-03T04:05:06.000Z';
    case 'date':
      return '2001-02-03';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    default:
      break;
  }
  // An id-like string keeps its prefix and length (`rm_0000000000`), so only its value differs.
  if (typeof server === 'string') {
    const match = /^([A-Za-z]+[_-])(.+)$/.exec(server);
    const shaped = match === null ? `roomgate-${server}` : `${match[1]}${'0'.repeat((match[2] as string).length)}`;
    return shaped === server ? `${server.slice(0, -1)}Z` : shaped;
  }
  return 'roomgate-read-only';
}

/** The path parameter naming one item (`room_id`): the one the read or remove operation takes, else the first item operation's. */
function idParamOf(resource: OwnedResource): string {
  return resource.get?.param ?? resource.remove?.param ?? resource.items[0]?.param ?? 'id';
}

/** The id in a representation: the field named like the path parameter (`room_id`), else `id`. */
function idOf(body: unknown, param: string): string | undefined {
  if (!isRecord(body)) return undefined;
  const id = body[param] ?? body['id'];
  return typeof id === 'string' ? id : undefined;
}

function pathOf(item: ItemOperation, id: string): string {
  return item.op.template.replace(`{${item.param}}`, encodeURIComponent(id));
}

function opName(op: IndexedOperation): string {
  return `${op.method.toUpperCase()} ${op.template}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
