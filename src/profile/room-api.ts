import { ConfigError } from '../errors.js';
import { readPointer } from './pointer.js';
import { buildRequest, type RoomRequest } from './request-builder.js';
import { placeholdersIn, type RenderContext, type TemplateVariables } from './template.js';
import type { RoleRequest, RoomState, TargetProfile, TemplateValue, WebhookEvents } from './types.js';
import { ROOM_STATES } from './types.js';

/**
 * The room API as the profile describes it, without a transport: request
 * builders per role and readers of the answers. The client, the load
 * generator and the gate's checks all send these requests as they are, so a
 * profile is interpreted in exactly one place.
 */

/** What a create asks for. `name` is unique to the run and request (cleanup finds rooms by its prefix). */
export interface CreateOptions {
  name: string;
  maxParticipants?: number;
  private?: boolean;
  /** The Idempotency-Key value (only when the profile maps an idempotency header). */
  idempotencyKey?: string;
}

/** A room to act on: its id (what the profile addresses it by), and its name when known. */
export interface RoomRef {
  id: string;
  name?: string;
}

/** One page of a list. `status` is one of roomgate's states; the profile turns it into the API's value. */
export interface ListQuery {
  limit?: number;
  cursor?: string;
  status?: RoomState;
}

/** A list request remembers its query, so the next page can be built from the answer. */
export interface ListRequest extends RoomRequest {
  query: ListQuery;
}

export type WebhookEventKind = 'created' | 'closed' | 'joined' | 'left';

export interface RoomApiOptions {
  /** The credential id, for `{{clientId}}` (never the secret). */
  clientId?: string;
  render?: RenderContext;
}

export class RoomApi {
  private readonly clientId: string | undefined;
  private readonly render: RenderContext;

  constructor(
    readonly profile: TargetProfile,
    options: RoomApiOptions = {},
  ) {
    this.clientId = options.clientId;
    this.render = options.render ?? {};
  }

  /** Whether the profile maps an optional role (absent roles are skips, never failures). */
  has(role: 'list' | 'joinToken' | 'webhooks' | 'idempotency' | 'status' | 'joinUrl' | 'participantCount' | 'name'): boolean {
    const { rooms, fields } = this.profile;
    switch (role) {
      case 'list':
        return rooms.list !== undefined;
      case 'joinToken':
        return rooms.joinToken !== undefined;
      case 'webhooks':
        return rooms.webhooks !== undefined;
      case 'idempotency':
        return rooms.create.idempotencyKey !== undefined;
      case 'status':
        return fields.status !== undefined;
      case 'joinUrl':
        return fields.joinUrl !== undefined;
      case 'participantCount':
        return fields.participantCount !== undefined;
      case 'name':
        return fields.name !== undefined;
    }
  }

  // ---- requests ------------------------------------------------------------

  create(options: CreateOptions): RoomRequest {
    const create = this.profile.rooms.create;
    const headers: Record<string, string> = {};
    if (options.idempotencyKey !== undefined && create.idempotencyKey !== undefined) headers[create.idempotencyKey] = options.idempotencyKey;
    return this.build(create, { name: options.name, maxParticipants: options.maxParticipants, private: options.private }, headers);
  }

  get(room: RoomRef | string): RoomRequest {
    return this.build(this.profile.rooms.get, { room: refOf(room) });
  }

  list(query: ListQuery = {}): ListRequest {
    const list = this.required('list', this.profile.rooms.list);
    const status = query.status === undefined ? undefined : this.statusValue(query.status);
    return { ...this.build(list, { limit: query.limit, cursor: query.cursor, status }), query };
  }

  /** Whether the list request sends the status filter (else a caller filters the items itself). */
  listFiltersByStatus(): boolean {
    const list = this.profile.rooms.list;
    if (list === undefined) return false;
    return [list.query, list.body, list.headers].some((part) =>
      placeholdersIn(part as TemplateValue | undefined).some((p) => p.split('|')[0]?.trim() === 'status'),
    );
  }

  close(room: RoomRef | string): RoomRequest {
    return this.build(this.profile.rooms.close, { room: refOf(room) });
  }

  joinToken(room: RoomRef | string, participant: { name?: string } = {}): RoomRequest {
    const joinToken = this.required('joinToken', this.profile.rooms.joinToken);
    return this.build(joinToken, { room: refOf(room), participant: { name: participant.name } });
  }

  subscribe(sinkUrl: string): RoomRequest {
    const webhooks = this.profile.rooms.webhooks;
    if (webhooks?.kind !== 'api')
      throw notMapped('webhooks.subscribe', webhooks?.kind === 'out-of-band' ? 'the profile says webhooks are configured out of band' : undefined);
    return this.build(webhooks.subscribe, { sink: { url: sinkUrl } });
  }

  unsubscribe(webhookId: string): RoomRequest {
    const webhooks = this.profile.rooms.webhooks;
    if (webhooks?.kind !== 'api' || webhooks.unsubscribe === undefined) throw notMapped('webhooks.unsubscribe');
    return this.build(webhooks.unsubscribe, { webhook: { id: webhookId } });
  }

  // ---- readers -------------------------------------------------------------

  /** The room in a create or get answer; undefined when nothing is there (a get's "not found" for LiveKit-style lists). */
  roomOf(role: 'create' | 'get', json: unknown): unknown {
    const room = readPointer(json, this.profile.rooms[role].room);
    return room === null ? undefined : room;
  }

  idOf(room: unknown): string | undefined {
    return text(readPointer(room, this.profile.fields.id));
  }

  nameOf(room: unknown): string | undefined {
    const pointer = this.profile.fields.name;
    return pointer === undefined ? undefined : text(readPointer(room, pointer));
  }

  /** The API's own status value, as it is. */
  rawStatusOf(room: unknown): string | undefined {
    const status = this.profile.fields.status;
    return status === undefined ? undefined : text(readPointer(room, status.pointer));
  }

  /** waiting/active/closed; undefined when the profile maps no status or the value is none of the mapped ones. */
  statusOf(room: unknown): RoomState | undefined {
    const status = this.profile.fields.status;
    const value = this.rawStatusOf(room);
    if (status === undefined || value === undefined) return undefined;
    return ROOM_STATES.find((state) => status.values[state].includes(value));
  }

  /** The API's value for a state (the first mapped one); undefined when this API has no such state. */
  statusValue(state: RoomState): string | undefined {
    return this.profile.fields.status?.values[state][0];
  }

  joinUrlOf(room: unknown): string | undefined {
    const pointer = this.profile.fields.joinUrl;
    return pointer === undefined ? undefined : text(readPointer(room, pointer));
  }

  participantCountOf(room: unknown): number | undefined {
    const pointer = this.profile.fields.participantCount;
    if (pointer === undefined) return undefined;
    const value = readPointer(room, pointer);
    // Protobuf JSON (LiveKit) writes 64-bit integers as strings.
    const count = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    return typeof count === 'number' && Number.isFinite(count) ? count : undefined;
  }

  /** The rooms of a list answer; undefined when the answer has no array there. */
  itemsOf(json: unknown): unknown[] | undefined {
    const list = this.required('list', this.profile.rooms.list);
    const items = readPointer(json, list.items);
    return Array.isArray(items) ? items : undefined;
  }

  /** The request for the page after `json`, or undefined on the last page. */
  nextPageOf(json: unknown, request: ListRequest): ListRequest | undefined {
    const list = this.required('list', this.profile.rooms.list);
    const paging = list.paging;
    switch (paging.kind) {
      case 'none':
        return undefined;
      case 'cursor': {
        const cursor = text(readPointer(json, paging.pointer));
        return cursor === undefined || cursor === '' ? undefined : this.list({ ...request.query, cursor });
      }
      case 'last-item': {
        const items = this.itemsOf(json) ?? [];
        // A page shorter than asked for is the last; an API with no page size ends on an empty page.
        if (items.length === 0 || (request.query.limit !== undefined && items.length < request.query.limit)) return undefined;
        const cursor = text(readPointer(items[items.length - 1], paging.pointer));
        return cursor === undefined ? undefined : this.list({ ...request.query, cursor });
      }
      case 'next-page-url': {
        const url = text(readPointer(json, paging.pointer));
        if (url === undefined || url === '') return undefined;
        // The API names its own host (video.twilio.com); the path and query are what the target serves.
        const next = new URL(url, 'http://target.invalid');
        return { ...request, path: `${next.pathname}${next.search}` };
      }
    }
  }

  /** A join-token answer: the join URL and/or the token, as the profile maps them. */
  joinTokenOf(json: unknown): { joinUrl?: string; token?: string } {
    const joinToken = this.required('joinToken', this.profile.rooms.joinToken);
    const out: { joinUrl?: string; token?: string } = {};
    const joinUrl = joinToken.joinUrl === undefined ? undefined : text(readPointer(json, joinToken.joinUrl));
    const token = joinToken.token === undefined ? undefined : text(readPointer(json, joinToken.token));
    if (joinUrl !== undefined) out.joinUrl = joinUrl;
    if (token !== undefined) out.token = token;
    return out;
  }

  /**
   * The URL a participant opens: the join-token answer's own join URL, or the
   * room's join URL with the token in the profile's tokenParam (Daily `?t=`).
   */
  participantJoinUrl(roomJoinUrl: string | undefined, answer: { joinUrl?: string; token?: string }): string | undefined {
    if (answer.joinUrl !== undefined) return answer.joinUrl;
    const param = this.profile.rooms.joinToken?.tokenParam;
    if (roomJoinUrl === undefined || answer.token === undefined || param === undefined) return undefined;
    const url = new URL(roomJoinUrl);
    url.searchParams.set(param, answer.token);
    return url.toString();
  }

  /** A subscribe answer: the subscription id and signing secret. */
  subscriptionOf(json: unknown): { id?: string; secret?: string } {
    const webhooks = this.profile.rooms.webhooks;
    if (webhooks?.kind !== 'api') throw notMapped('webhooks.subscribe');
    const out: { id?: string; secret?: string } = {};
    const id = text(readPointer(json, webhooks.subscribe.id));
    const secret = webhooks.subscribe.secret === undefined ? undefined : text(readPointer(json, webhooks.subscribe.secret));
    if (id !== undefined) out.id = id;
    if (secret !== undefined) out.secret = secret;
    return out;
  }

  /** A webhook payload: its type, which of the mapped events it is, and the room it is about. */
  webhookEventOf(payload: unknown): { type?: string; kind?: WebhookEventKind; roomId?: string } {
    const events = this.profile.rooms.webhooks?.events;
    if (events === undefined) throw notMapped('webhooks');
    const type = text(readPointer(payload, events.type));
    const roomId = text(readPointer(payload, events.roomId));
    const kind = (['created', 'closed', 'joined', 'left'] as const).find((k) => events[k as keyof WebhookEvents] === type && type !== undefined);
    return { ...(type === undefined ? {} : { type }), ...(kind === undefined ? {} : { kind }), ...(roomId === undefined ? {} : { roomId }) };
  }

  // ---- internals -----------------------------------------------------------

  private build(role: RoleRequest, variables: Record<string, TemplateVariables[string]>, headers: Record<string, string> = {}): RoomRequest {
    return buildRequest(role, { ...variables, clientId: this.clientId }, this.render, headers);
  }

  private required<T>(role: string, value: T | undefined): T {
    if (value === undefined) throw notMapped(role);
    return value;
  }
}

function refOf(room: RoomRef | string): TemplateVariables {
  return typeof room === 'string' ? { id: room } : { id: room.id, name: room.name };
}

function notMapped(role: string, why?: string): ConfigError {
  return new ConfigError(`the target profile maps no rooms.${role} operation${why === undefined ? '' : ` (${why})`}`, {
    path: `rooms.${role}`,
    hint: `add rooms.${role} to the profile, or leave out what needs it`,
  });
}

/** A field read as text: strings as they are, numbers (numeric ids) as their decimal text. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
