import type { Dispatcher } from 'undici';
import { ConfigError } from '../errors.js';
import type { Authenticator } from './auth/authenticator.js';
import { createAuthenticator } from './auth/create-authenticator.js';
import { resolveCredentials } from './auth/credentials.js';
import { exchange, ProfileApiError, type HttpAnswer } from './http-exchange.js';
import type { RoomRequest } from './request-builder.js';
import { RoomApi, type CreateOptions, type ListQuery, type ListRequest, type RoomRef } from './room-api.js';
import { ROOM_STATES, type RoomState, type TargetProfile } from './types.js';

/**
 * A typed client over any room API a profile describes: the generic
 * replacement of VideoConnectClient for setup, teardown and reads (never the
 * timed path of a load run). Requests come from RoomApi, credentials from
 * the Authenticator; every request has a bounded time and honours the
 * caller's AbortSignal, and a 401 is retried once with a fresh credential.
 */
export interface ProfileClientOptions {
  baseUrl: string;
  api: RoomApi;
  auth: Authenticator;
  /** Per-request timeout for headers and body; default 10 s (the seed's control-operation budget). */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  /** An `X-Request-Id` for each request that names none (so the target's logs and roomgate's events can be matched). */
  requestId?: () => string;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** This request's `X-Request-Id` (default: the client's `requestId()`, if it has one). */
  requestId?: string;
}

/** A room as the profile's fields read it; `raw` is the API's own representation. */
export interface RoomView {
  id: string;
  name?: string;
  /** waiting/active/closed, when the profile maps a status. */
  state?: RoomState;
  /** The API's own status value. */
  status?: string;
  joinUrl?: string;
  participantCount?: number;
  raw: unknown;
}

/** Bounds a list walk: a server that hands out the same cursor forever must not hang a teardown. */
const MAX_PAGES = 1000;
const PAGE_SIZE = 100;

export class ProfileClient {
  readonly api: RoomApi;
  /** Its credentials: `auth.issued()` lists every value to redact. */
  readonly auth: Authenticator;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ProfileClientOptions) {
    this.api = options.api;
    this.auth = options.auth;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * Send a request with credentials and return the answer, whatever its
   * status. A 401 means the request was not processed, so one retry with a
   * fresh credential is safe (a token that expired in flight, a restarted
   * server with a new key); a second 401 is the target's real answer.
   */
  async send(request: RoomRequest, options: CallOptions = {}): Promise<HttpAnswer> {
    const requestId = options.requestId ?? this.options.requestId?.();
    const send = async () => {
      const headers = {
        ...request.headers,
        ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
        ...(await this.options.auth.headers(options.signal)),
      };
      return exchange(
        { ...request, headers },
        { baseUrl: this.baseUrl, timeoutMs: this.timeoutMs, signal: options.signal, dispatcher: this.options.dispatcher },
      );
    };
    const answer = await send();
    if (answer.status !== 401) return answer;
    this.options.auth.invalidate();
    return send();
  }

  async createRoom(create: CreateOptions, options: CallOptions = {}): Promise<{ room: RoomView; location: string | undefined; answer: HttpAnswer }> {
    const request = this.api.create(create);
    const answer = await this.expectSuccess(request, options);
    const room = this.view(this.api.roomOf('create', answer.json), request, answer);
    return { room, location: answer.headers['location'], answer };
  }

  /** The room, or undefined when the API says it does not exist (404, or nothing at the get role's room pointer). */
  async getRoom(room: RoomRef | string, options: CallOptions = {}): Promise<RoomView | undefined> {
    const request = this.api.get(room);
    const answer = await this.send(request, options);
    if (answer.status === 404) return undefined;
    if (!isSuccess(answer.status)) throw new ProfileApiError(request.operationId, answer.status, answer.text);
    const raw = this.api.roomOf('get', answer.json);
    return raw === undefined ? undefined : this.view(raw, request, answer);
  }

  /** One page of rooms and the request for the next one (undefined on the last page). */
  async listPage(query: ListQuery | ListRequest = {}, options: CallOptions = {}): Promise<{ rooms: RoomView[]; next: ListRequest | undefined }> {
    const request = 'path' in query ? query : this.api.list(query);
    const answer = await this.expectSuccess(request, options);
    const items = this.api.itemsOf(answer.json);
    if (items === undefined)
      throw new ProfileApiError(request.operationId, answer.status, answer.text, '(no array of rooms where rooms.list.items points: fix the profile)');
    return { rooms: items.map((item) => this.view(item, request, answer)), next: this.api.nextPageOf(answer.json, request) };
  }

  /**
   * Every room of this run, found by its name prefix, walking all pages (in
   * the given states, when the profile maps a status). Cleanup after a
   * killed run relies on it, so it needs the profile to map the room name.
   */
  async listRunRooms(namePrefix: string, options: CallOptions & { states?: readonly RoomState[]; onPage?: () => void } = {}): Promise<RoomView[]> {
    if (!this.api.has('name')) {
      throw new ConfigError('the target profile maps no room name (fields.name), so the rooms of a run cannot be found by their name prefix', {
        path: 'fields.name',
        hint: 'add fields: { name: /name } (the pointer to the name a create sets from {{name}})',
      });
    }
    // Without a mapped status every room of the run is a candidate: there is nothing to filter by.
    const states = this.api.has('status') ? (options.states ?? ROOM_STATES) : undefined;
    // Server-side filtering when the list sends {{status}} and every asked state has a value in this API; one unfiltered walk otherwise.
    const serverSide = states !== undefined && this.api.listFiltersByStatus() && states.every((s) => this.api.statusValue(s) !== undefined);
    const walks: (RoomState | undefined)[] = serverSide ? [...states] : [undefined];
    const found = new Map<string, RoomView>();
    for (const status of walks) {
      let request: ListRequest | undefined = this.api.list({ limit: PAGE_SIZE, ...(status === undefined ? {} : { status }) });
      const seen = new Set<string>();
      for (let page = 0; request !== undefined && page < MAX_PAGES; page++) {
        if (seen.has(request.path)) break;
        seen.add(request.path);
        options.onPage?.();
        const { rooms, next }: { rooms: RoomView[]; next: ListRequest | undefined } = await this.listPage(request, options);
        for (const room of rooms) {
          if (room.name?.startsWith(namePrefix) !== true) continue;
          if (states !== undefined && !serverSide && (room.state === undefined || !states.includes(room.state))) continue;
          found.set(room.id, room);
        }
        request = next;
      }
    }
    return [...found.values()];
  }

  /** Close a room; the answer is returned when its status is one the profile says a close answers. */
  async closeRoom(room: RoomRef | string, options: CallOptions = {}): Promise<HttpAnswer> {
    const request = this.api.close(room);
    const answer = await this.send(request, options);
    const answers = this.api.profile.rooms.close.answers;
    if (answers === undefined ? !isSuccess(answer.status) : !answers.includes(answer.status))
      throw new ProfileApiError(request.operationId, answer.status, answer.text);
    return answer;
  }

  async joinToken(room: RoomRef | string, participant: { name?: string } = {}, options: CallOptions = {}): Promise<{ joinUrl?: string; token?: string }> {
    const request = this.api.joinToken(room, participant);
    const answer = await this.expectSuccess(request, options);
    const result = this.api.joinTokenOf(answer.json);
    if (result.joinUrl === undefined && result.token === undefined)
      throw new ProfileApiError(request.operationId, answer.status, answer.text, '(neither join URL nor token where rooms.joinToken points)');
    return result;
  }

  async subscribeWebhooks(sinkUrl: string, options: CallOptions = {}): Promise<{ id: string; secret?: string }> {
    const request = this.api.subscribe(sinkUrl);
    const answer = await this.expectSuccess(request, options);
    const { id, secret } = this.api.subscriptionOf(answer.json);
    if (id === undefined)
      throw new ProfileApiError(request.operationId, answer.status, answer.text, '(no subscription id where rooms.webhooks.subscribe.id points)');
    return { id, ...(secret === undefined ? {} : { secret }) };
  }

  async unsubscribeWebhooks(webhookId: string, options: CallOptions = {}): Promise<void> {
    await this.expectSuccess(this.api.unsubscribe(webhookId), options);
  }

  private async expectSuccess(request: RoomRequest, options: CallOptions): Promise<HttpAnswer> {
    const answer = await this.send(request, options);
    if (!isSuccess(answer.status)) throw new ProfileApiError(request.operationId, answer.status, answer.text);
    return answer;
  }

  private view(raw: unknown, request: RoomRequest, answer: HttpAnswer): RoomView {
    const id = this.api.idOf(raw);
    if (id === undefined) {
      throw new ProfileApiError(
        request.operationId,
        answer.status,
        answer.text,
        `(no room id at ${this.api.profile.fields.id}: fix fields.id${request.role === 'list' ? '' : ` or rooms.${request.role}.room`})`,
      );
    }
    const view: RoomView = { id, raw };
    const name = this.api.nameOf(raw);
    const state = this.api.statusOf(raw);
    const status = this.api.rawStatusOf(raw);
    const joinUrl = this.api.joinUrlOf(raw);
    const participantCount = this.api.participantCountOf(raw);
    if (name !== undefined) view.name = name;
    if (state !== undefined) view.state = state;
    if (status !== undefined) view.status = status;
    if (joinUrl !== undefined) view.joinUrl = joinUrl;
    if (participantCount !== undefined) view.participantCount = participantCount;
    return view;
  }
}

export interface ConnectOptions {
  baseUrl: string;
  /** The run's own pair (--client-id / --client-secret); a profile that names environment variables reads those instead. */
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  /** Epoch ms for token lifetimes; default Date.now. */
  now?: () => number;
  /** An `X-Request-Id` for each request (see ProfileClientOptions). */
  requestId?: () => string;
}

/** A ProfileClient for `profile` at `baseUrl`: credentials resolved, the profile's authenticator, RoomApi. */
export function createProfileClient(profile: TargetProfile, options: ConnectOptions): ProfileClient {
  const credentials = resolveCredentials(
    profile.auth,
    { clientId: options.clientId, clientSecret: options.clientSecret },
    options.env ?? process.env,
    profile.file,
  );
  const auth = createAuthenticator(profile, credentials, {
    baseUrl: options.baseUrl,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const api = new RoomApi(profile, credentials.id === undefined ? {} : { clientId: credentials.id });
  return new ProfileClient({
    baseUrl: options.baseUrl,
    api,
    auth,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
  });
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}
