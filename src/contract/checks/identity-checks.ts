import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Evidence } from '../../model/evidence.js';
import type { RoomRequest } from '../../profile/request-builder.js';
import { describeExchange, ensured, evidenceOf, fail, pass, skip, UnexpectedResponse, type CheckOutcome } from '../check.js';
import { cite, defineCheck, defineOperationCheck, INFO } from '../check-definition.js';
import {
  needs,
  operationIn,
  ownedResources,
  readOnlyDeclared,
  readOnlyWrites,
  refusalPromised,
  secondIdentity,
  type GateFacts,
  type OwnedResource,
  type ReadOnlyWrite,
} from '../check-preconditions.js';
import type { GateContext } from '../gate-context.js';
import type { GateRole } from '../gate-roles.js';
import type { Exchange, Exchanger } from '../http/exchange.js';
import { SECOND_CLIENT, type GateIdentity } from '../http/gate-identity.js';
import { CONTRACT_DEFAULTS } from '../options.js';
import { walkRoomList } from '../room-list.js';
import { pointerTokens } from '../../profile/pointer.js';
import { documentedRefusals, type ItemOperation } from '../../spec/resource-operations.js';
import { errorCodes } from '../../spec/spec-facts.js';
import type { IndexedOperation, SpecIndex } from '../../spec/spec-index.js';
import { rejectionStatuses, seedIndependentBody } from './request-fixtures.js';
import { notFoundProblem, roleSuccess } from './room-answers.js';

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
    enforces: "another API client's read of a room finds nothing, as for a room that does not exist (404, or no room), and the room is unchanged",
    cites: [SCOPING, cite.openapi('{getRoom}/responses/404/description', 'belongs to another API client'), cite.standard(API1)],
    requires: [needs('createRoom', 'getRoom'), refusalPromised('getRoom')],
    given: [secondIdentity],
  }),
  cannotMintJoinTokens: defineCheck({
    id: 'identity.other-client-cannot-mint-join-tokens',
    group: 'identity',
    enforces: 'another API client cannot mint a join token for a room: refused as documented (404), the room unchanged',
    cites: [SCOPING, cite.openapi('{createJoinToken}/responses/404'), cite.standard(API1)],
    requires: [needs('createRoom', 'getRoom', 'createJoinToken'), refusalPromised('createJoinToken')],
    given: [secondIdentity],
  }),
  cannotClose: defineCheck({
    id: 'identity.other-client-cannot-close',
    group: 'identity',
    enforces: 'another API client cannot close a room: refused as documented (404), and read back the room is still open and unchanged',
    cites: [SCOPING, cite.openapi('{deleteRoom}/responses/404'), cite.standard(API1)],
    requires: [needs('createRoom', 'getRoom', 'deleteRoom'), refusalPromised('deleteRoom')],
    given: [secondIdentity],
  }),
  cannotDeleteWebhook: defineCheck({
    id: 'identity.other-client-cannot-delete-webhook',
    group: 'identity',
    enforces: 'another API client cannot delete a webhook subscription: refused as documented (404), and the subscription is still there',
    cites: [cite.openapi('{deleteWebhook}/responses/404/description', 'belongs to another API client'), cite.standard(API1)],
    requires: [needs('createWebhook', 'deleteWebhook'), refusalPromised('deleteWebhook')],
    given: [secondIdentity],
  }),
  otherOperations: defineOperationCheck({
    id: 'identity.other-client-refused.{operationId}',
    group: 'identity',
    enforces: "every other operation that takes a resource's id is refused to another API client as documented, the resource unchanged",
    cites: [SCOPING, cite.openapi('{operation}/responses'), cite.standard(API1)],
    appliesTo: (op, facts) => isOtherItemOperation(op, facts),
    given: [secondIdentity],
  }),
  listsNeverShowOthers: defineCheck({
    id: 'identity.lists-never-show-other-clients-rooms',
    group: 'identity',
    enforces: "no page of another API client's room list shows the first client's rooms",
    cites: [SCOPING, cite.openapi('{listRooms}/summary', "the caller's rooms"), cite.standard(API1)],
    requires: [needs('createRoom', 'listRooms')],
    given: [secondIdentity],
  }),
  readOnlyIgnored: defineCheck({
    id: 'identity.read-only-fields-ignored',
    group: 'identity',
    enforces: "a readOnly property sent on a create or update never takes effect: the write is refused (4xx as documented) or keeps the server's own value",
    cites: [cite.openapi('{createRoom}/responses'), cite.standard(API3)],
    requires: [needs('createRoom'), readOnlyDeclared],
  }),
};

/** An operation taking one item's id that no role of the profile plays (a user's `PATCH /rooms/{id}`, `GET /rooms/{id}/recordings`). */
export function isOtherItemOperation(op: IndexedOperation, facts: GateFacts): boolean {
  const named = NAMED_ROLES.map((role) => operationIn(facts, role));
  return !named.includes(op) && ownedResources(facts).some((resource) => resource.items.some((item) => item.op === op));
}

/** The two kinds of resource one client owns: rooms, and webhook subscriptions (through the profile's webhooks role). */
type Kind = 'room' | 'webhook';

/** Something a check created, closed (or unsubscribed) when that check ends, by the client that created it. */
interface Created {
  http: Exchanger;
  kind: Kind;
  id: string;
}

/** What the first client reads back of one of its resources. */
type ReadBack = { state: 'present'; exchange: Exchange; representation: unknown } | { state: 'missing'; exchange: Exchange };

/** Where webhook subscriptions created for these checks point: a loopback port nothing listens on (no delivery ever leaves the machine). */
const NOWHERE = 'http://127.0.0.1:9/roomgate-identity';

/** One family run's state: the second identity (opened on first use) and everything created so far, by both identities. */
class IdentityRun {
  private other: GateIdentity | undefined;
  private readonly created: Created[] = [];

  constructor(readonly ctx: GateContext) {}

  /** How evidence names the second identity: its client id (never its secret), as the curl line's `$TOKEN` cannot. */
  get secondName(): string {
    return `the second client (${ensured(this.ctx.options.secondClient, 'a second client').clientId})`;
  }

  /** The second API client's connection: every request it sends carries that client's own credentials, the profile's way. */
  get second(): Exchanger {
    if (this.other === undefined) {
      const credentials = ensured(this.ctx.options.secondClient, 'a second client');
      // Its credentials are the run's input, not the target's promise: a refused token request is no verdict (errored), and says which flags to fix.
      this.other = this.ctx.openIdentity(credentials, SECOND_CLIENT(credentials.clientId));
    }
    return this.other.http;
  }

  /** A room of `http`'s client, from the profile's create template; closed at the end of the check. */
  async createRoom(http: Exchanger): Promise<{ exchange: Exchange; id: string; representation: unknown }> {
    const created = await this.ctx.createRoom({ label: 'identity', http });
    // The gate's own clean-up would close it too; this run closes it at the end of its check, by its owner.
    this.ctx.createdRooms.delete(created.roomId);
    this.created.push({ http, kind: 'room', id: created.roomId });
    return { exchange: created.exchange, id: created.roomId, representation: created.room };
  }

  /** A webhook subscription of `http`'s client through the profile's webhooks role; unsubscribed at the end of the check. */
  async subscribe(http: Exchanger): Promise<{ exchange: Exchange; id: string; representation: unknown }> {
    const request = this.ctx.api.subscribe(NOWHERE);
    const exchange = await this.ctx.send(request, { http });
    const id = this.remember(http, 'webhook', exchange);
    if (id === undefined)
      throw new UnexpectedResponse(
        `${request.operationId} did not create a webhook subscription: ${describeExchange(exchange)}`,
        exchange,
        "a 2xx with the new subscription's id",
      );
    return { exchange, id, representation: exchange.json };
  }

  create(http: Exchanger, kind: Kind): Promise<{ exchange: Exchange; id: string; representation: unknown }> {
    return kind === 'room' ? this.createRoom(http) : this.subscribe(http);
  }

  /** Keep for clean-up what a 2xx of a create made; its id, if any. */
  remember(http: Exchanger, kind: Kind, exchange: Exchange): string | undefined {
    if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) return undefined;
    const { api } = this.ctx;
    const id = kind === 'room' ? api.idOf(api.roomOf('create', exchange.json)) : api.subscriptionOf(exchange.json).id;
    if (id !== undefined) {
      this.created.push({ http, kind, id });
      if (kind === 'room') this.ctx.createdRooms.delete(id);
    }
    return id;
  }

  /**
   * The first client's view of one resource: a room by the profile's get
   * (a 404, or nothing where the get's room sits, is "missing"); a
   * subscription only destructively (the last read), by unsubscribing it: a
   * 2xx says it was still there.
   */
  async readBack(kind: Kind, id: string, destructive: boolean): Promise<ReadBack | undefined> {
    const { ctx } = this;
    if (kind === 'room') {
      const request = ctx.api.get(id);
      const exchange = await ctx.send(request);
      if (notFoundProblem(ctx, exchange) === undefined) return { state: 'missing', exchange };
      const room = ctx.api.roomOf('get', exchange.json);
      if (exchange.status !== undefined && roleSuccess(ctx.facts, 'getRoom').includes(exchange.status) && room !== undefined)
        return { state: 'present', exchange, representation: room };
      throw new UnexpectedResponse(
        `the first client's read-back of its room ${id} (${request.operationId}) answered ${describeExchange(exchange)}`,
        exchange,
        'its room',
      );
    }
    if (!destructive || operationIn(ctx.facts, 'deleteWebhook') === undefined) return undefined;
    const exchange = await ctx.send(ctx.api.unsubscribe(id));
    const present = exchange.status !== undefined && exchange.status >= 200 && exchange.status < 300;
    if (present) this.forget('webhook', id);
    return present ? { state: 'present', exchange, representation: undefined } : { state: 'missing', exchange };
  }

  /** Run one check's body, then close what it created (each by the client that created it), so no check sees another's leftovers. */
  async scoped(body: () => Promise<CheckOutcome>): Promise<CheckOutcome> {
    try {
      return await body();
    } finally {
      await this.deleteCreated();
    }
  }

  private forget(kind: Kind, id: string): void {
    const index = this.created.findIndex((c) => c.kind === kind && c.id === id);
    if (index >= 0) this.created.splice(index, 1);
  }

  private async deleteCreated(): Promise<void> {
    const { api } = this.ctx;
    for (const { http, kind, id } of this.created.splice(0).reverse()) {
      if (kind === 'webhook' && operationIn(this.ctx.facts, 'deleteWebhook') === undefined) continue;
      const request = kind === 'room' ? api.close(id) : api.unsubscribe(id);
      // Cut short by an interrupt, clean-up still runs (under the exchanger's own deadline): a foreign target is left as found.
      await http
        .send({ method: request.method, path: request.path, headers: request.headers, ...(request.body === undefined ? {} : { rawBody: request.body }) })
        .catch(() => undefined);
    }
  }

  /** Close anything still left and the second identity's connection. */
  async close(): Promise<void> {
    await this.deleteCreated();
    await this.other?.close();
  }
}

/**
 * Identities (OWASP API Security Top 10 2023, API1 and API3): with a second
 * API client of the same auth kind, every operation that takes the first
 * client's resource (the profile's get, join token and close, whatever shape
 * their requests have, and every other operation of the document on one
 * item) is refused as documented and leaves the resource as it was (read
 * back by the first client); the second client's list never shows the first
 * client's rooms; readOnly properties sent on writes never take effect. Runs
 * after the webhooks group and before the rate-limit burst, each check on
 * resources of its own, and closes everything it created, for both clients.
 */
export async function runIdentityChecks(ctx: GateContext): Promise<void> {
  const run = new IdentityRun(ctx);
  const { api } = ctx;
  const participant = { name: 'roomgate-participant' };
  try {
    await ctx.check(IDENTITY_CHECKS.cannotRead, () => run.scoped(() => foreignAttempt(run, 'room', 'getRoom', (id) => api.get(id))));
    await ctx.check(IDENTITY_CHECKS.cannotMintJoinTokens, () =>
      run.scoped(() => foreignAttempt(run, 'room', 'createJoinToken', (id) => api.joinToken(id, participant))),
    );
    await ctx.check(IDENTITY_CHECKS.cannotClose, () => run.scoped(() => foreignAttempt(run, 'room', 'deleteRoom', (id) => api.close(id))));
    await ctx.check(IDENTITY_CHECKS.cannotDeleteWebhook, () => run.scoped(() => foreignAttempt(run, 'webhook', 'deleteWebhook', (id) => api.unsubscribe(id))));
    for (const op of IDENTITY_CHECKS.otherOperations.operationsIn(ctx.facts)) {
      const target = ensured(
        ownedResources(ctx.facts).flatMap((resource) => resource.items.filter((i) => i.op === op).map((item) => ({ resource, item })))[0],
        `the resource ${op.operationId} addresses`,
      );
      await ctx.check(IDENTITY_CHECKS.otherOperations.of(op), () => run.scoped(() => foreignItemAttempt(run, target.resource, target.item)));
    }
    await ctx.check(IDENTITY_CHECKS.listsNeverShowOthers, () => run.scoped(() => listsNeverShowOthers(run)));
    await ctx.check(IDENTITY_CHECKS.readOnlyIgnored, () => run.scoped(() => readOnlyIgnored(run)));
  } finally {
    await run.close();
  }
}

/**
 * The first client creates a resource and reads it; the second client sends
 * the role's request about it; the first client reads it back. Passes when
 * the attempt is refused the way the document (or, for a get, the profile)
 * says a resource the caller may not see is, and the resource is as it was.
 */
async function foreignAttempt(run: IdentityRun, kind: Kind, role: GateRole, request: (id: string) => RoomRequest): Promise<CheckOutcome> {
  const { ctx } = run;
  const op = ensured(operationIn(ctx.facts, role), `the ${role} operation`);
  const { id } = await run.create(ctx.http, kind);
  const before = await run.readBack(kind, id, false);
  if (before?.state === 'missing') {
    throw new UnexpectedResponse(
      `the first client cannot see its own new ${nounOf(kind)} ${id}, so nothing can be read back`,
      before.exchange,
      `its ${nounOf(kind)} ${id}`,
    );
  }
  const attempt = await ctx.send(request(id), { http: run.second });
  // A get that lists (LiveKit's ListRooms with one name) refuses by finding nothing; every other operation by its documented status.
  const refused = role === 'getRoom' ? notFoundProblem(ctx, attempt) : refusalProblem(ctx.spec, op, attempt);
  return judgeForeign(run, kind, id, op, before, attempt, refused === undefined ? undefined : refused.replace(/^it /, ''));
}

/** The same for an operation of the document on one item that no role plays: the second client sends it with the item's id in its path. */
async function foreignItemAttempt(run: IdentityRun, resource: OwnedResource, item: ItemOperation): Promise<CheckOutcome> {
  const { ctx } = run;
  const kind: Kind = resource.create === operationIn(ctx.facts, 'createRoom') ? 'room' : 'webhook';
  const { id } = await run.create(ctx.http, kind);
  const before = await run.readBack(kind, id, false);
  if (before?.state === 'missing') {
    throw new UnexpectedResponse(
      `the first client cannot see its own new ${nounOf(kind)} ${id}, so nothing can be read back`,
      before.exchange,
      `its ${nounOf(kind)} ${id}`,
    );
  }
  const body = ctx.spec.requestSchema(item.op) === undefined ? undefined : (seedIndependentBody(item.op, ctx) ?? {});
  const attempt = await run.second.send({
    method: item.op.method.toUpperCase(),
    path: pathOf(item, id),
    ...(body === undefined ? {} : { body }),
    signal: ctx.signal,
  });
  return judgeForeign(run, kind, id, item.op, before, attempt, refusalProblem(ctx.spec, item.op, attempt));
}

async function judgeForeign(
  run: IdentityRun,
  kind: Kind,
  id: string,
  op: IndexedOperation,
  before: ReadBack | undefined,
  attempt: Exchange,
  refused: string | undefined,
): Promise<CheckOutcome> {
  const noun = nounOf(kind);
  const expected = kind === 'room' && op === operationIn(run.ctx.facts, 'getRoom') ? 'not found' : refusalOf(run.ctx.spec, op);
  const problems: string[] = [];
  const evidence: Evidence[] = [];
  if (refused !== undefined) {
    problems.push(`the second client's ${op.operationId} of the first client's ${noun} ${id} ${refused}`);
    evidence.push(evidenceOf(attempt, `as ${run.secondName}: ${expected}, as for a ${noun} that does not exist`));
  }
  // The destructive read-back (an unsubscribe by the owner) only where nothing else can show the resource.
  const after = await run.readBack(kind, id, before === undefined);
  const changed = changeOf(before, after);
  if (changed !== undefined && after !== undefined) {
    problems.push(`read back by the first client, its ${noun} ${id} ${changed}`);
    if (refused === undefined) evidence.push(evidenceOf(attempt, `as ${run.secondName}: ${expected}`));
    evidence.push(evidenceOf(after.exchange, `the first client reads its ${noun} back as it was before the second client's request`));
  }
  if (problems.length > 0) return fail(problems.join('; '), evidence);
  return pass(after === undefined ? 2 : 3);
}

function nounOf(kind: Kind): string {
  return kind === 'room' ? 'room' : 'webhook subscription';
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
  const { api } = ctx;
  const mine = await run.createRoom(ctx.http);
  const theirs = await run.createRoom(run.second);
  const firstClients = new Set([mine.id, ...ctx.createdRooms]);
  const deadline = Date.now() + CONTRACT_DEFAULTS.deliveryBudgetMs;
  for (let walks = 1; ; walks += 1) {
    // The whole list every time: whatever its order, a leaked room may be on any page.
    let ownSeen = false;
    const walk = await walkRoomList(ctx, {
      http: run.second,
      maxPages: MAX_LIST_PAGES,
      stop: (item) => {
        const id = api.idOf(item);
        if (id === theirs.id) ownSeen = true;
        return id !== undefined && firstClients.has(id);
      },
    });
    if (walk.found !== undefined) {
      const leaked = api.idOf(walk.found.item) ?? '';
      return fail(`the second client's list of rooms shows the first client's room ${leaked}`, [
        evidenceOf(walk.found.exchange, `as ${run.secondName}: only its own rooms (it owns ${theirs.id})`),
      ]);
    }
    if (!walk.complete) return skip(`the second client's list did not end within ${MAX_LIST_PAGES} pages, so not all of it was seen`);
    if (ownSeen) return pass(walk.pages.length);
    if (Date.now() >= deadline) {
      return skip(
        `the second client's own room ${theirs.id} never appeared in its list within ${CONTRACT_DEFAULTS.deliveryBudgetMs} ms (${walks} walks), so the list cannot be judged`,
      );
    }
    await sleep(250, undefined, { signal: ctx.signal });
  }
}

/**
 * Each readOnly property of each create and update, sent alone on an
 * otherwise valid write (the profile's template for a create) with a value
 * the server would not choose: the write must be refused with a documented
 * 4xx, or keep the server's own value in its answer and when read back. One
 * property per request, so a server that rejects one of them cannot hide
 * that it honours another.
 */
async function readOnlyIgnored(run: IdentityRun): Promise<CheckOutcome> {
  const { ctx } = run;
  const problems: string[] = [];
  const evidence: Evidence[] = [];
  let observations = 0;
  for (const write of readOnlyWrites(ctx.facts)) {
    const kind: Kind = write.resource.create === operationIn(ctx.facts, 'createRoom') ? 'room' : 'webhook';
    const baseline = await run.create(ctx.http, kind);
    const server = isRecord(baseline.representation) ? baseline.representation : {};
    for (const [name, schema] of write.properties) {
      const value = foreignValue(schema, server[name], name === idFieldOf(ctx, kind) ? baseline.id : undefined);
      const { exchange, id } = await sendReadOnly(run, kind, write, baseline.id, server, name, value);
      observations += 1;
      const taken = await tookValue(run, kind, write, exchange, id, name, value);
      if (taken !== undefined) {
        problems.push(`${write.op.operationId} took the readOnly ${name} = ${JSON.stringify(value)} from the client (${taken.where})`);
        evidence.push(evidenceOf(taken.exchange, `${name} keeps the server's own value, or the write is refused with a documented 4xx`));
      } else if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) {
        const allowed = rejectionStatuses(write.op, [400, 422]);
        if (exchange.status === undefined || !allowed.includes(exchange.status)) {
          problems.push(
            `${write.op.operationId} with the readOnly ${name} answered ${describeExchange(exchange)}: neither refused with a documented 4xx nor accepted`,
          );
          evidence.push(evidenceOf(exchange, `a documented 4xx (${allowed.slice(0, 4).join(', ')}) or a 2xx with the server's own ${name}`));
        }
      }
    }
  }
  return problems.length > 0 ? fail(problems.join('; '), evidence) : pass(observations);
}

/** The top-level field that holds a resource's id in its representation (`room_id` for `/room_id`), when it is one. */
function idFieldOf(ctx: GateContext, kind: Kind): string | undefined {
  const webhooks = ctx.profile.rooms.webhooks;
  const pointer = kind === 'room' ? ctx.profile.fields.id : webhooks?.kind === 'api' ? webhooks.subscribe.id : undefined;
  const tokens = pointer === undefined ? [] : pointerTokens(pointer);
  return tokens.length === 1 ? tokens[0] : undefined;
}

/** Send one write with the readOnly property set: the profile's create with it added, or an update of the baseline item. */
async function sendReadOnly(
  run: IdentityRun,
  kind: Kind,
  write: ReadOnlyWrite,
  baselineId: string,
  server: Record<string, unknown>,
  name: string,
  value: unknown,
): Promise<{ exchange: Exchange; id: string | undefined }> {
  const { ctx } = run;
  if (write.item === undefined) {
    const base = kind === 'room' ? ctx.api.create({ name: ctx.uniqueName('identity') }) : ctx.api.subscribe(NOWHERE);
    const exchange = await ctx.send(withBodyField(base, name, value));
    return { exchange, id: run.remember(ctx.http, kind, exchange) };
  }
  // PUT replaces the whole item: send what the server showed, minus what the client may not set, plus the one property.
  const writable = Object.fromEntries(Object.entries(server).filter(([key]) => !write.properties.has(key)));
  const body = write.op.method === 'put' ? { ...writable, [name]: value } : { [name]: value };
  const exchange = await ctx.http.send({ method: write.op.method.toUpperCase(), path: pathOf(write.item, baselineId), body, signal: ctx.signal });
  return { exchange, id: baselineId };
}

/** Where a 2xx write shows the client's value for a readOnly property: its answer, or the first client's read-back. */
async function tookValue(
  run: IdentityRun,
  kind: Kind,
  write: ReadOnlyWrite,
  exchange: Exchange,
  id: string | undefined,
  name: string,
  value: unknown,
): Promise<{ where: string; exchange: Exchange } | undefined> {
  if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) return undefined;
  const answer = kind === 'room' && write.item === undefined ? run.ctx.api.roomOf('create', exchange.json) : exchange.json;
  if (isRecord(answer) && isDeepStrictEqual(answer[name], value)) return { where: 'in its answer', exchange };
  if (id === undefined || kind !== 'room') return undefined;
  const read = await run.readBack(kind, id, false);
  if (read?.state === 'present' && isRecord(read.representation) && isDeepStrictEqual(read.representation[name], value)) {
    return { where: 'read back', exchange: read.exchange };
  }
  return undefined;
}

/** A role request with one more top-level body field: JSON parsed and written again, a form field added. */
function withBodyField(request: RoomRequest, name: string, value: unknown): RoomRequest {
  if (request.contentType === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(request.body ?? '');
    form.set(name, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
    return { ...request, body: form.toString() };
  }
  const parsed: unknown = request.body === undefined ? {} : JSON.parse(request.body);
  const body = isRecord(parsed) ? { ...parsed, [name]: value } : { [name]: value };
  return { ...request, body: JSON.stringify(body), contentType: 'application/json', headers: { ...request.headers, 'content-type': 'application/json' } };
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

function pathOf(item: ItemOperation, id: string): string {
  return item.op.template.replace(`{${item.param}}`, encodeURIComponent(id));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
