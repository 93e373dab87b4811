import { request, type Dispatcher } from 'undici';
import { TargetUnreachableError } from '../errors.js';
import type {
  CreateJoinTokenInput,
  CreateRoomInput,
  CreateWebhookInput,
  CreatedWebhookSubscription,
  DeleteRoomResponse,
  ErrorEnvelope,
  JoinToken,
  ListRoomsQuery,
  Room,
  RoomPage,
  TokenResponse,
} from './api-types.js';
import type { Credentials } from './target.js';
import { BodyReadError, readBoundedBody, type BodyReadFailure } from '../http/bounded-body.js';
import { formatSeconds } from '../http/format-seconds.js';
import { TokenCache } from '../profile/auth/token-cache.js';
import { classifyTransportError, describeMalformedResponse } from '../http/transport-error.js';

/** The target answered with an error envelope (or something that should have been one). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly envelope: ErrorEnvelope | undefined,
    readonly rawBody: string,
    readonly operation: string,
  ) {
    super(
      envelope === undefined
        ? `${operation} answered ${status} with a body that is not an error envelope: ${rawBody.slice(0, 200)}`
        : `${operation} answered ${status} ${envelope.error}: ${envelope.message}`,
    );
    this.name = 'ApiError';
  }
}

export interface ClientOptions {
  baseUrl: string;
  credentials: Credentials;
  /** Per-request timeout for headers and body; default 10 s (the seed's control-operation budget). */
  timeoutMs?: number;
  /** Largest response body read, decoded (readBoundedBody's cap); default its DEFAULT_MAX_BODY_BYTES. */
  maxBodyBytes?: number;
  dispatcher?: Dispatcher;
}

export interface RequestOptions {
  signal?: AbortSignal;
  idempotencyKey?: string;
}

export interface CreatedRoom {
  room: Room;
  /** The `Location` header of the 201. */
  location: string | undefined;
}

/**
 * The typed VideoConnect v1 client every step uses for setup, teardown and
 * reads (never for the timed path of a load run). It is also the Pact
 * consumer: the consumer pact is written by exercising this class.
 */
export class VideoConnectClient {
  private readonly tokens: TokenCache;
  private readonly baseUrl: string;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.tokens = new TokenCache((signal) => this.issueToken(signal));
  }

  /** A cached bearer token, refreshed before expiry. */
  accessToken(signal?: AbortSignal): Promise<string> {
    return this.tokens.get(signal);
  }

  /** `POST /v1/auth/token`, uncached: one fresh token. */
  async issueToken(signal?: AbortSignal): Promise<{ accessToken: string; expiresInSeconds: number }> {
    const body: TokenResponse = await this.call('issue_token', 'POST', '/v1/auth/token', {
      body: { client_id: this.options.credentials.clientId, client_secret: this.options.credentials.clientSecret },
      signal,
      authenticated: false,
    });
    return { accessToken: body.access_token, expiresInSeconds: body.expires_in };
  }

  async createRoom(input: CreateRoomInput, options: RequestOptions = {}): Promise<CreatedRoom> {
    const headers: Record<string, string> = {};
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    let location: string | undefined;
    const room: Room = await this.call('create_room', 'POST', '/v1/rooms', {
      body: input,
      headers,
      signal: options.signal,
      onHeaders: (h) => {
        location = h['location'];
      },
    });
    return { room, location };
  }

  getRoom(roomId: string, options: RequestOptions = {}): Promise<Room> {
    return this.call('get_room', 'GET', `/v1/rooms/${encodeURIComponent(roomId)}`, { signal: options.signal });
  }

  listRooms(query: ListRoomsQuery = {}, options: RequestOptions = {}): Promise<RoomPage> {
    const params = new URLSearchParams();
    if (query.status !== undefined) params.set('status', query.status);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    const qs = params.toString();
    return this.call('list_rooms', 'GET', `/v1/rooms${qs === '' ? '' : `?${qs}`}`, { signal: options.signal });
  }

  deleteRoom(roomId: string, options: RequestOptions = {}): Promise<DeleteRoomResponse> {
    return this.call('delete_room', 'DELETE', `/v1/rooms/${encodeURIComponent(roomId)}`, { signal: options.signal });
  }

  createJoinToken(roomId: string, input: CreateJoinTokenInput = {}, options: RequestOptions = {}): Promise<JoinToken> {
    return this.call('create_join_token', 'POST', `/v1/rooms/${encodeURIComponent(roomId)}/join-tokens`, {
      body: input,
      signal: options.signal,
    });
  }

  createWebhook(input: CreateWebhookInput, options: RequestOptions = {}): Promise<CreatedWebhookSubscription> {
    return this.call('create_webhook', 'POST', '/v1/webhooks', { body: input, signal: options.signal });
  }

  deleteWebhook(webhookId: string, options: RequestOptions = {}): Promise<DeleteRoomResponse> {
    return this.call('delete_webhook', 'DELETE', `/v1/webhooks/${encodeURIComponent(webhookId)}`, {
      signal: options.signal,
    });
  }

  private async call<T>(
    operation: string,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    options: {
      body?: unknown;
      headers?: Record<string, string>;
      signal?: AbortSignal | undefined;
      authenticated?: boolean;
      onHeaders?: (headers: Record<string, string>) => void;
    },
    retriedAfter401 = false,
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.authenticated !== false) headers['authorization'] = `Bearer ${await this.tokens.get(options.signal)}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const timeout = this.options.timeoutMs ?? 10_000;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        dispatcher: this.options.dispatcher,
      });
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      // A server that accepted the connection and went silent is not "unreachable": say what happened.
      if (classifyTransportError(error) === 'timeout') {
        throw new TargetUnreachableError(`${operation}: no response within ${formatSeconds(timeout)} from ${this.baseUrl}`, {
          hint: 'check that the server behind --target is healthy (not hung, not a proxy waiting for its upstream); if it is only slow, raise --request-timeout',
          cause: error,
        });
      }
      if (classifyTransportError(error) === 'malformed') {
        const { message, hint } = describeMalformedResponse(this.baseUrl, error);
        throw new TargetUnreachableError(`${operation}: ${message}`, { hint, cause: error });
      }
      throw new TargetUnreachableError(`${operation}: cannot reach ${this.baseUrl}: ${(error as Error).message}`, {
        hint: 'Check --target (or ROOMGATE_TARGET) and that the server is running; omit --target to use the embedded reference server.',
        cause: error,
      });
    }
    // The body within bounds (a cap with bounded decompression, the request's deadline for the whole body, the
    // caller's signal): a gzip bomb, a 200 MB answer or a body dripped a byte a second fails this call by name.
    const read = await readBoundedBody(response, {
      operation,
      deadlineMs: timeout,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(this.options.maxBodyBytes === undefined ? {} : { maxBytes: this.options.maxBodyBytes }),
    });
    if (!read.ok) throw bodyFailure(read.failure, options.signal);
    const text = read.bytes.toString('utf8');
    const flatHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) flatHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    options.onHeaders?.(flatHeaders);
    if (response.statusCode === 401 && options.authenticated !== false) {
      this.tokens.invalidate();
      // A 401 means the request was not processed, so one retry with a fresh token is safe, and it
      // is what a real client does when its cached token expired in flight (on a busy host, or when
      // the token lives only seconds). A second 401 is the target's real answer.
      if (!retriedAfter401) return this.call(operation, method, path, options, true);
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new ApiError(response.statusCode, parseEnvelope(text), text, operation);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new TargetUnreachableError(`${operation} answered ${response.statusCode} with a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}`, {
        hint: "check that --target is the API's base URL (not a web page, a proxy's error page or another service)",
      });
    }
  }
}

/** A body that broke a bound, as the error the call fails with (the caller's own abort stays its abort). */
function bodyFailure(failure: BodyReadFailure, signal: AbortSignal | undefined): unknown {
  if (failure.kind === 'aborted' && signal?.aborted === true) return signal.reason;
  const hint =
    failure.kind === 'timeout'
      ? 'the target sent headers and then kept the body open; check the server behind --target (or raise --request-timeout if it is only slow)'
      : 'a room API answers in a few KB; check what the target sends back (a debug dump, a file, a compressed bomb?)';
  return new TargetUnreachableError(failure.message, { hint, cause: new BodyReadError(failure) });
}

function parseEnvelope(text: string): ErrorEnvelope | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as ErrorEnvelope).error === 'string' &&
      typeof (value as ErrorEnvelope).message === 'string' &&
      typeof (value as ErrorEnvelope).status === 'number'
    ) {
      return value as ErrorEnvelope;
    }
  } catch {
    // not JSON: the caller reports the raw body
  }
  return undefined;
}
