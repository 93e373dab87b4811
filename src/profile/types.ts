import type { OpenApiDocument } from '../spec/openapi-types.js';

/**
 * A target profile, parsed, validated and defaulted: how roomgate talks to one
 * room API, and only that (docs/profiles.md). Checks, the load mix and
 * participants speak the *roles* and *fields* below; nothing outside the
 * built-in VideoConnect profile names a VideoConnect path or field.
 *
 * Everything here is data. Paths are already resolved (relative to the
 * profile file), durations are milliseconds, and every role's operation is
 * resolved against the OpenAPI document (`resolved`).
 */

/** The profile file format version (`profile: 1`). */
export const PROFILE_FORMAT = 1;

/** A JSON Pointer (RFC 6901), e.g. `/room_id`; `''` is the whole value. */
export type Pointer = string;

/**
 * A request template as written: JSON values whose strings may hold
 * `{{placeholders}}` (see template.ts). A string that is exactly one
 * placeholder keeps the variable's type; an unset variable drops its key.
 */
export type TemplateValue = string | number | boolean | null | TemplateValue[] | { [key: string]: TemplateValue };

/** How a request body is encoded: JSON, or `application/x-www-form-urlencoded` (RFC 6749 §4.4, Twilio). */
export type BodyEncoding = 'json' | 'form';

/** The lifecycle states every check speaks; a profile maps its API's own values onto them. */
export type RoomState = 'waiting' | 'active' | 'closed';
export const ROOM_STATES: readonly RoomState[] = ['waiting', 'active', 'closed'];

/** The roles a profile maps to operations of the API. */
export type RoleName = 'create' | 'get' | 'list' | 'close' | 'joinToken' | 'subscribe' | 'unsubscribe' | 'token';

/** An operation of the OpenAPI document, found by its operationId or by `METHOD /path`. */
export interface ResolvedOperation {
  /** The document's operationId, or `METHOD /path` when the operation declares none. */
  operationId: string;
  /** Upper case: `GET`, `POST`, … */
  method: string;
  /** The full path template, the server's base path included, e.g. `/v1/rooms/{room_id}`. */
  pathTemplate: string;
  /** The names of the `{params}` in pathTemplate, in order. */
  pathParams: readonly string[];
}

/** What every role has: the operation and how to fill its request. */
export interface RoleRequest {
  role: RoleName;
  /** The operation as written in the profile (an operationId or `METHOD /path`). */
  operation: string;
  resolved: ResolvedOperation;
  encoding: BodyEncoding;
  /** The body template; undefined when the request has no body. */
  body?: TemplateValue;
  /** Query parameters; a key whose value renders unset is not sent. */
  query: Readonly<Record<string, TemplateValue>>;
  /** Path parameters, every `{param}` of the path filled (defaulted: the only one gets the room or webhook id). */
  params: Readonly<Record<string, TemplateValue>>;
  /** Extra request headers (never credentials: those come from `auth`). */
  headers: Readonly<Record<string, TemplateValue>>;
  /**
   * The name the load step's metrics, mix and SLOs use for this role
   * (`metric:`), e.g. VideoConnect's `create_room`; undefined = derived from
   * the operationId (src/load/load-operations.ts).
   */
  metric?: string;
}

export interface CreateRole extends RoleRequest {
  role: 'create';
  /** The header that carries an idempotency key; undefined = the API makes no such promise (checks skip). */
  idempotencyKey?: string;
  /** Where the room is in the answer ('' = the whole body). */
  room: Pointer;
}

export interface GetRole extends RoleRequest {
  role: 'get';
  /** Where the room is in the answer; nothing there = not found (LiveKit's ListRooms `{names:[id]}` → `/rooms/0`). */
  room: Pointer;
}

/** How the next page of a list is found. */
export type ListPaging =
  /** A cursor in the answer, passed back as `{{cursor}}` (VideoConnect `next_cursor`). Null/absent/'' = last page. */
  | { kind: 'cursor'; pointer: Pointer }
  /** `{{cursor}}` = a field of the last item of the page (Daily `starting_after=<id>`); an empty or short page is the last. */
  | { kind: 'last-item'; pointer: Pointer }
  /** The whole next URL is in the answer (Twilio `meta.next_page_url`); its path and query are requested as they are. */
  | { kind: 'next-page-url'; pointer: Pointer }
  /** One page is everything (LiveKit ListRooms). */
  | { kind: 'none' };

export interface ListRole extends RoleRequest {
  role: 'list';
  /** The array of rooms in the answer. */
  items: Pointer;
  paging: ListPaging;
}

/** What a second close of the same room answers. */
export type CloseRepeat = 'idempotent' | 'not-found' | 'error';
/** What a get of a closed room answers: the room with status closed, or 404 / nothing. */
export type AfterClose = 'readable' | 'gone';

export interface CloseRole extends RoleRequest {
  role: 'close';
  /** Statuses a successful close answers; undefined = any 2xx. */
  answers?: readonly number[];
  /** undefined = the profile makes no promise (checks skip). */
  repeat?: CloseRepeat;
  /** undefined = the profile makes no promise (checks skip). */
  afterClose?: AfterClose;
}

export interface JoinTokenRole extends RoleRequest {
  role: 'joinToken';
  /** A join URL in the answer (at least one of joinUrl and token is set). */
  joinUrl?: Pointer;
  /** A participant token in the answer. */
  token?: Pointer;
  /** With a token and no join URL: the query parameter that carries it on the room's join URL (Daily `?t=`). */
  tokenParam?: string;
}

export interface SubscribeRole extends RoleRequest {
  role: 'subscribe';
  /** The subscription's id in the answer (what unsubscribe is called with, `{{webhook.id}}`). */
  id: Pointer;
  /** The signing secret in the answer, when the API returns one. */
  secret?: Pointer;
}

export interface UnsubscribeRole extends RoleRequest {
  role: 'unsubscribe';
}

/** How webhook payloads are read: event names the API uses and where type and room id are. */
export interface WebhookEvents {
  type: Pointer;
  roomId: Pointer;
  created?: string;
  closed?: string;
  joined?: string;
  left?: string;
}

export type WebhookSignature = 'standard-webhooks' | 'none';

export type WebhooksConfig =
  | {
      kind: 'api';
      subscribe: SubscribeRole;
      unsubscribe?: UnsubscribeRole;
      signature: WebhookSignature;
      events: WebhookEvents;
    }
  | {
      /** Configured in the vendor's console: roomgate only listens. */
      kind: 'out-of-band';
      /** NAME of the environment variable that holds the sink URL the vendor delivers to. */
      urlVar: string;
      /** NAME of the environment variable that holds the signing secret. */
      secretVar?: string;
      signature: WebhookSignature;
      events: WebhookEvents;
    };

export interface RoomRoles {
  create: CreateRole;
  get: GetRole;
  list?: ListRole;
  close: CloseRole;
  joinToken?: JoinTokenRole;
  webhooks?: WebhooksConfig;
}

/** The API's status values for each state (a state with no values never occurs in this API). */
export interface StatusField {
  pointer: Pointer;
  values: Readonly<Record<RoomState, readonly string[]>>;
}

/** JSON Pointers into the room representation. */
export interface RoomFields {
  id: Pointer;
  name?: Pointer;
  joinUrl?: Pointer;
  status?: StatusField;
  participantCount?: Pointer;
}

/**
 * Where the credential pair comes from: NAMES of environment variables, never
 * values. Unset = `--client-id` / `--client-secret` (ROOMGATE_CLIENT_ID /
 * ROOMGATE_CLIENT_SECRET).
 */
export interface CredentialSource {
  idVar?: string;
  secretVar?: string;
}

export interface TokenEndpoint {
  role: 'token';
  operation: string;
  resolved: ResolvedOperation;
  encoding: BodyEncoding;
  /** Body field names for the pair (unless clientAuth is basic). */
  idField: string;
  secretField: string;
  /** Constant extra body fields, e.g. `grant_type: client_credentials`. */
  fields: Readonly<Record<string, string>>;
  /** RFC 6749 §2.3.1: the pair in the body (default) or as HTTP Basic on the token request. */
  clientAuth: 'body' | 'basic';
  accessToken: Pointer;
  expiresIn?: Pointer;
  /** Used when the answer carries no lifetime. */
  lifetimeMs: number;
}

export type AuthKind = 'client-credentials' | 'bearer' | 'basic' | 'header' | 'jwt';

export type AuthConfig =
  | { kind: 'client-credentials'; token: TokenEndpoint; credentials: CredentialSource }
  /** `Authorization: Bearer <secret>` (a static API key). */
  | { kind: 'bearer'; credentials: CredentialSource }
  /** `Authorization: Basic base64(<id>:<secret>)`. */
  | { kind: 'basic'; credentials: CredentialSource }
  /** `<header>: <prefix><secret>`. */
  | { kind: 'header'; header: string; prefix: string; credentials: CredentialSource }
  /** `Authorization: Bearer <JWT signed with the secret>`, claims from a template plus iat/nbf/exp. */
  | { kind: 'jwt'; algorithm: 'HS256'; lifetimeMs: number; claims: Readonly<Record<string, TemplateValue>>; credentials: CredentialSource };

export type ErrorConvention = 'spec' | 'envelope' | 'none';
export type RateLimitConvention = 'ietf' | 'x-ratelimit' | 'none';

export interface Conventions {
  /** spec: the document's error schemas judge error bodies; envelope: VideoConnect's {error,message,status}; none. */
  errors: ErrorConvention;
  rateLimitHeaders: RateLimitConvention;
  /** The user's own pact files, absolute paths. */
  pacts: readonly string[];
}

export interface TargetProfile {
  format: typeof PROFILE_FORMAT;
  /** Shown in reports. */
  name: string;
  /** The profile file as the user named it; undefined for a profile parsed from text with no file. */
  file: string | undefined;
  /** The OpenAPI document the operations were resolved against (dereferenced). */
  spec: { path: string; document: OpenApiDocument };
  auth: AuthConfig;
  rooms: RoomRoles;
  fields: RoomFields;
  conventions: Conventions;
}
