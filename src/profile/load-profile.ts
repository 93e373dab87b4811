import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap } from 'yaml';
import { parseDuration } from '../config/duration.js';
import { validateAgainstSchema } from '../config/schema-validation.js';
import { formatPath, lineOf, parseYamlSource, readYamlSource, type YamlSource } from '../config/yaml-source.js';
import { loadSpec } from '../spec/load-spec.js';
import type { OpenApiDocument } from '../spec/openapi-types.js';
import { SpecIndex } from '../spec/spec-index.js';
import { ConfigError, ConfigErrors } from '../errors.js';
import { BUILTIN_PROFILE } from '../package-assets.js';
import { takeLiteralSecrets } from './literal-secrets.js';
import { resolveOperation } from './resolve-operation.js';
import { templateProblems, type TemplateVariableName } from './template.js';
import {
  PROFILE_FORMAT,
  ROOM_STATES,
  type AuthConfig,
  type BodyEncoding,
  type CloseRole,
  type CreateRole,
  type CredentialSource,
  type GetRole,
  type JoinTokenRole,
  type ListPaging,
  type ListRole,
  type Pointer,
  type RoleName,
  type RoleRequest,
  type RoomFields,
  type RoomState,
  type StatusField,
  type SubscribeRole,
  type TargetProfile,
  type TemplateValue,
  type TokenEndpoint,
  type UnsubscribeRole,
  type WebhooksConfig,
} from './types.js';

/**
 * A target profile file (YAML or JSON) → a validated, defaulted
 * TargetProfile. Errors are ConfigErrors located `file:line path`, all of one
 * pass at once, like scenarios: literal secrets first (so no message repeats
 * one), then the JSON Schema, then what a schema cannot say (an operation the
 * OpenAPI document lacks, a placeholder the role has no value for, a path
 * parameter left unfilled). Paths in the file are relative to the file.
 */
export interface LoadProfileOptions {
  /** An OpenAPI document path that overrides the profile's `spec:` (the `--spec` flag; relative to the current directory). */
  spec?: string;
  /** The OpenAPI document already loaded (e.g. by the gate), used instead of reading `spec` again. */
  specDocument?: { path: string; document: OpenApiDocument };
}

export async function loadProfile(file: string, options: LoadProfileOptions = {}): Promise<TargetProfile> {
  let source: YamlSource;
  try {
    source = await readYamlSource(file);
  } catch (error) {
    if (error instanceof ConfigError && error.message === 'no such file') {
      throw new ConfigError('no such profile file', {
        file,
        hint: 'pass the path of a target profile (--profile acme.yaml), or draft one from your OpenAPI document: roomgate init --from-spec openapi.yaml',
        cause: error,
      });
    }
    throw error;
  }
  return profileFrom(source, dirname(file), options);
}

/** A profile given as text (tests, profiles embedded elsewhere); `file` names it in messages and anchors relative paths. */
export async function parseProfile(text: string, file: string, options: LoadProfileOptions = {}): Promise<TargetProfile> {
  return profileFrom(parseYamlSource(file, text), dirname(file), options);
}

let builtin: Promise<TargetProfile> | undefined;

/** The built-in VideoConnect v1 profile (profiles/videoconnect.yaml from the package), loaded once per process. */
export function loadBuiltinProfile(): Promise<TargetProfile> {
  builtin ??= loadProfile(BUILTIN_PROFILE).catch((error: unknown) => {
    builtin = undefined;
    throw error;
  });
  return builtin;
}

// ---------------------------------------------------------------------------

type Path = (string | number)[];
type Raw = Record<string, unknown>;

/** The variables each role's templates may use (the design's table, by role). */
const COMMON: TemplateVariableName[] = ['uuid', 'clientId'];
const ROLE_VARIABLES: Record<RoleName, readonly TemplateVariableName[]> = {
  create: ['name', 'maxParticipants', 'private', ...COMMON],
  get: ['room.id', 'room.name', ...COMMON],
  list: ['limit', 'cursor', 'status', ...COMMON],
  close: ['room.id', 'room.name', ...COMMON],
  joinToken: ['room.id', 'room.name', 'participant.name', ...COMMON],
  subscribe: ['sink.url', ...COMMON],
  unsubscribe: ['webhook.id', ...COMMON],
  token: [],
};
/** What fills the only path parameter of a role when `params:` does not say. */
const DEFAULT_PATH_PARAM: Partial<Record<RoleName, string>> = {
  get: '{{room.id}}',
  close: '{{room.id}}',
  joinToken: '{{room.id}}',
  unsubscribe: '{{webhook.id}}',
};

class ProfileBuilder {
  readonly problems: ConfigError[] = [];

  constructor(
    readonly source: YamlSource,
    readonly index: SpecIndex,
  ) {}

  error(path: Path, message: string, hint: string, key?: string): void {
    this.problems.push(
      new ConfigError(message, { file: this.source.file, line: lineOf(this.source, path, key === undefined ? {} : { key }), path: formatPath(path), hint }),
    );
  }

  role<R extends RoleName>(role: R, raw: Raw, path: Path): RoleRequest & { role: R } {
    const operation = String(raw['operation']);
    const lookup = resolveOperation(this.index, operation);
    const resolvedOp = lookup.found ? lookup.operation : { operationId: operation, method: 'GET', pathTemplate: '/', pathParams: [] as string[] };
    if (!lookup.found) this.error([...path, 'operation'], `${formatPath(path)} (role ${role}): ${lookup.problem}`, lookup.hint);
    const body = raw['body'] as TemplateValue | undefined;
    const query = (raw['query'] ?? {}) as Record<string, TemplateValue>;
    const headers = (raw['headers'] ?? {}) as Record<string, TemplateValue>;
    const params = { ...((raw['params'] ?? {}) as Record<string, TemplateValue>) };
    const encoding = (raw['encoding'] as BodyEncoding | undefined) ?? (lookup.found ? this.declaredEncoding(lookup.operation.operationId) : 'json');
    if (lookup.found) this.fillPathParams(role, resolvedOp.pathParams, params, path);
    if (encoding === 'form' && body !== undefined && !isFlatForm(body)) {
      this.error([...path, 'body'], 'a form-encoded body must be a mapping of scalars (or lists of scalars)', 'flatten the body, or use encoding: json');
    }
    const allowed = ROLE_VARIABLES[role];
    for (const [part, template] of [
      ['body', body],
      ['query', query],
      ['params', params],
      ['headers', headers],
    ] as const) {
      for (const problem of templateProblems(template, allowed))
        this.error([...path, part], problem, 'see "Templates" in the profile documentation for the placeholders each role provides');
    }
    const metric = typeof raw['metric'] === 'string' ? raw['metric'] : undefined;
    return {
      role,
      operation,
      resolved: resolvedOp,
      encoding,
      ...(body === undefined ? {} : { body }),
      query,
      params,
      headers,
      ...(metric === undefined ? {} : { metric }),
    };
  }

  /** Every `{param}` of the path needs a value: the only one defaults to the room (or webhook) id. */
  private fillPathParams(role: RoleName, pathParams: readonly string[], params: Record<string, TemplateValue>, path: Path): void {
    const fallback = DEFAULT_PATH_PARAM[role];
    const unfilled = pathParams.filter((p) => !(p in params));
    if (unfilled.length === 1 && pathParams.length === 1 && fallback !== undefined) params[unfilled[0]!] = fallback;
    else if (unfilled.length > 0) {
      this.error(
        path,
        `the operation's path has parameters ${unfilled.map((p) => `{${p}}`).join(', ')} that nothing fills`,
        `add params: { ${unfilled.map((p) => `${p}: "${fallback ?? '…'}"`).join(', ')} }`,
      );
    }
    for (const name of Object.keys(params)) {
      if (!pathParams.includes(name))
        this.error(
          [...path, 'params', name],
          `the operation's path has no parameter {${name}} (it has: ${pathParams.map((p) => `{${p}}`).join(', ') || 'none'})`,
          'remove it, or put it under query:',
        );
    }
  }

  /** The body encoding the document declares: form when it accepts form-encoded bodies and no JSON. */
  private declaredEncoding(operationId: string): BodyEncoding {
    const content = this.index.byId(operationId)?.operation.requestBody?.content ?? {};
    const types = Object.keys(content).map((t) => t.split(';')[0]?.trim().toLowerCase());
    return types.includes('application/x-www-form-urlencoded') && !types.some((t) => t === 'application/json' || t?.endsWith('+json')) ? 'form' : 'json';
  }
}

async function profileFrom(source: YamlSource, baseDir: string, options: LoadProfileOptions): Promise<TargetProfile> {
  if (!isMap(source.doc.contents)) {
    throw new ConfigError('a target profile must be a mapping (profile: 1, name, auth, rooms, fields)', {
      file: source.file,
      line: 1,
      hint: 'start from profiles/videoconnect.yaml, or draft one: roomgate init --from-spec openapi.yaml',
    });
  }
  const { problems, sanitized } = takeLiteralSecrets(source, source.doc.toJS());
  try {
    validateAgainstSchema(source, 'profile', sanitized);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error);
  }
  // Structure errors make every later step guess: report them (and the secrets) alone.
  ConfigErrors.throwIfAny(problems);
  const raw = sanitized as Raw;
  const spec = await specFor(source, baseDir, raw, options);
  const builder = new ProfileBuilder(source, new SpecIndex(spec.document));
  const profile: TargetProfile = {
    format: PROFILE_FORMAT,
    name: String(raw['name']),
    file: source.file,
    spec,
    auth: authFrom(builder, raw['auth'] as Raw),
    rooms: {
      create: createFrom(builder, raw),
      get: getFrom(builder, raw),
      close: closeFrom(builder, raw),
    },
    fields: fieldsFrom(raw['fields'] as Raw),
    conventions: conventionsFrom(raw['conventions'] as Raw | undefined, baseDir),
  };
  const rooms = raw['rooms'] as Raw;
  if (rooms['list'] !== undefined) profile.rooms.list = listFrom(builder, rooms['list'] as Raw, profile.fields.id);
  if (rooms['joinToken'] !== undefined) profile.rooms.joinToken = joinTokenFrom(builder, rooms['joinToken'] as Raw);
  if (rooms['webhooks'] !== undefined) {
    const webhooks = webhooksFrom(builder, rooms['webhooks'] as Raw);
    if (webhooks !== undefined) profile.rooms.webhooks = webhooks;
  }
  ConfigErrors.throwIfAny(builder.problems);
  return profile;
}

async function specFor(source: YamlSource, baseDir: string, raw: Raw, options: LoadProfileOptions): Promise<TargetProfile['spec']> {
  if (options.specDocument !== undefined) return options.specDocument;
  if (options.spec !== undefined) return { path: options.spec, document: await loadSpec(options.spec) };
  const written = raw['spec'];
  if (typeof written !== 'string') {
    throw new ConfigError('the profile names no OpenAPI document', {
      file: source.file,
      line: 1,
      hint: 'add spec: ./openapi.yaml (relative to the profile), or pass --spec',
    });
  }
  const path = isAbsolute(written) ? written : join(baseDir, written);
  if (!existsSync(path)) {
    throw new ConfigError(`the OpenAPI document "${written}" does not exist (looked for ${resolve(path)})`, {
      file: source.file,
      line: lineOf(source, ['spec']),
      path: 'spec',
      hint: 'spec: is relative to the profile file; fix the path, or pass --spec',
    });
  }
  return { path, document: await loadSpec(path) };
}

function credentialsFrom(raw: Raw | undefined): CredentialSource {
  const credentials: CredentialSource = {};
  if (typeof raw?.['id'] === 'string') credentials.idVar = raw['id'];
  if (typeof raw?.['secret'] === 'string') credentials.secretVar = raw['secret'];
  return credentials;
}

const KIND_KEYS: Record<AuthConfig['kind'], readonly string[]> = {
  'client-credentials': ['token'],
  bearer: [],
  basic: [],
  header: ['header', 'prefix'],
  jwt: ['algorithm', 'lifetime', 'claims'],
};

function authFrom(builder: ProfileBuilder, raw: Raw): AuthConfig {
  const kind = raw['kind'] as AuthConfig['kind'];
  const credentials = credentialsFrom(raw['credentials'] as Raw | undefined);
  for (const [other, keys] of Object.entries(KIND_KEYS)) {
    if (other === kind) continue;
    for (const key of keys) {
      if (key in raw && !KIND_KEYS[kind].includes(key))
        builder.error(['auth', key], `"${key}" applies to auth kind ${other}, not ${kind}`, `remove it, or set kind: ${other}`, key);
    }
  }
  switch (kind) {
    case 'client-credentials':
      return { kind, token: tokenFrom(builder, raw['token'] as Raw), credentials };
    case 'bearer':
    case 'basic':
      return { kind, credentials };
    case 'header':
      return { kind, header: String(raw['header']), prefix: typeof raw['prefix'] === 'string' ? raw['prefix'] : '', credentials };
    case 'jwt': {
      const claims = (raw['claims'] ?? {}) as Record<string, TemplateValue>;
      for (const problem of templateProblems(claims, ['clientId', 'uuid']))
        builder.error(['auth', 'claims'], problem, 'claims may use {{clientId}}, {{uuid}} and {{now…}}');
      return { kind, algorithm: 'HS256', lifetimeMs: durationOr(raw['lifetime'], 10 * 60_000), claims, credentials };
    }
  }
}

function tokenFrom(builder: ProfileBuilder, raw: Raw): TokenEndpoint {
  const base = builder.role('token', raw, ['auth', 'token']);
  const token: TokenEndpoint = {
    role: 'token',
    operation: base.operation,
    resolved: base.resolved,
    encoding: base.encoding,
    idField: typeof raw['idField'] === 'string' ? raw['idField'] : 'client_id',
    secretField: typeof raw['secretField'] === 'string' ? raw['secretField'] : 'client_secret',
    fields: Object.fromEntries(Object.entries((raw['fields'] ?? {}) as Raw).map(([k, v]) => [k, String(v)])),
    clientAuth: raw['clientAuth'] === 'basic' ? 'basic' : 'body',
    accessToken: String(raw['accessToken']),
    lifetimeMs: durationOr(raw['lifetime'], 5 * 60_000),
  };
  if (typeof raw['expiresIn'] === 'string') token.expiresIn = raw['expiresIn'];
  return token;
}

function rolesRaw(raw: Raw): Raw {
  return raw['rooms'] as Raw;
}

function createFrom(builder: ProfileBuilder, raw: Raw): CreateRole {
  const create = rolesRaw(raw)['create'] as Raw;
  const role: CreateRole = { ...builder.role('create', create, ['rooms', 'create']), room: wholeOr(create['room']) };
  if (typeof create['idempotencyKey'] === 'string') role.idempotencyKey = create['idempotencyKey'];
  return role;
}

function getFrom(builder: ProfileBuilder, raw: Raw): GetRole {
  const get = rolesRaw(raw)['get'] as Raw;
  return { ...builder.role('get', get, ['rooms', 'get']), room: wholeOr(get['room']) };
}

function listFrom(builder: ProfileBuilder, raw: Raw, idPointer: Pointer): ListRole {
  const ways = (['nextCursor', 'nextCursorFrom', 'nextPageUrl'] as const).filter((k) => raw[k] !== undefined);
  if (ways.length > 1) builder.error(['rooms', 'list'], `give one way to the next page, not ${ways.join(' and ')}`, 'keep the one the API uses');
  let paging: ListPaging = { kind: 'none' };
  if (typeof raw['nextCursor'] === 'string') paging = { kind: 'cursor', pointer: raw['nextCursor'] };
  else if (typeof raw['nextPageUrl'] === 'string') paging = { kind: 'next-page-url', pointer: raw['nextPageUrl'] };
  else if (raw['nextCursorFrom'] !== undefined) {
    const from = raw['nextCursorFrom'];
    // lastItemId: the id field of the last item; { lastItem: /ptr }: another field of it (Daily pages by id while rooms are addressed by name).
    paging = { kind: 'last-item', pointer: from === 'lastItemId' ? idPointer : String((from as Raw)['lastItem']) };
  }
  return { ...builder.role('list', raw, ['rooms', 'list']), items: wholeOr(raw['items']), paging };
}

function closeFrom(builder: ProfileBuilder, raw: Raw): CloseRole {
  const close = rolesRaw(raw)['close'] as Raw;
  const role: CloseRole = builder.role('close', close, ['rooms', 'close']);
  if (Array.isArray(close['answers'])) role.answers = close['answers'].map(Number);
  if (close['repeat'] !== undefined) role.repeat = close['repeat'] as NonNullable<CloseRole['repeat']>;
  if (close['afterClose'] !== undefined) role.afterClose = close['afterClose'] as NonNullable<CloseRole['afterClose']>;
  return role;
}

function joinTokenFrom(builder: ProfileBuilder, raw: Raw): JoinTokenRole {
  const role: JoinTokenRole = builder.role('joinToken', raw, ['rooms', 'joinToken']);
  if (typeof raw['joinUrl'] === 'string') role.joinUrl = raw['joinUrl'];
  if (typeof raw['token'] === 'string') role.token = raw['token'];
  if (typeof raw['tokenParam'] === 'string') role.tokenParam = raw['tokenParam'];
  if (role.joinUrl === undefined && role.token === undefined) {
    builder.error(
      ['rooms', 'joinToken'],
      'says neither where the join URL nor where the token is in the answer',
      'add joinUrl and/or token: JSON Pointers into the answer, e.g. joinUrl: /url, token: /token',
    );
  }
  return role;
}

function webhooksFrom(builder: ProfileBuilder, raw: Raw): WebhooksConfig | undefined {
  const path = ['rooms', 'webhooks'];
  const events = raw['events'] as WebhooksConfig['events'];
  const signature = raw['signature'] === 'none' ? 'none' : 'standard-webhooks';
  const subscribeRaw = raw['subscribe'] as Raw | undefined;
  const outOfBand = raw['outOfBand'] as Raw | undefined;
  if ((subscribeRaw === undefined) === (outOfBand === undefined)) {
    builder.error(
      path,
      subscribeRaw === undefined ? 'says neither how to subscribe nor that subscriptions are out of band' : 'has both subscribe and outOfBand',
      'keep subscribe: (the API has a subscription operation) or outOfBand: (configured in the vendor console)',
    );
    return undefined;
  }
  if (outOfBand !== undefined) {
    if (raw['unsubscribe'] !== undefined)
      builder.error([...path, 'unsubscribe'], 'an out-of-band subscription has no unsubscribe', 'remove unsubscribe:', 'unsubscribe');
    return {
      kind: 'out-of-band',
      urlVar: String(outOfBand['url']),
      ...(typeof outOfBand['secret'] === 'string' ? { secretVar: outOfBand['secret'] } : {}),
      signature,
      events,
    };
  }
  const subscribe: SubscribeRole = { ...builder.role('subscribe', subscribeRaw!, [...path, 'subscribe']), id: String(subscribeRaw!['id']) };
  if (typeof subscribeRaw!['secret'] === 'string') subscribe.secret = subscribeRaw!['secret'];
  const config: WebhooksConfig = { kind: 'api', subscribe, signature, events };
  if (raw['unsubscribe'] !== undefined) {
    const unsubscribe: UnsubscribeRole = builder.role('unsubscribe', raw['unsubscribe'] as Raw, [...path, 'unsubscribe']);
    config.unsubscribe = unsubscribe;
  }
  return config;
}

function fieldsFrom(raw: Raw): RoomFields {
  const fields: RoomFields = { id: String(raw['id']) };
  if (typeof raw['name'] === 'string') fields.name = raw['name'];
  if (typeof raw['joinUrl'] === 'string') fields.joinUrl = raw['joinUrl'];
  if (typeof raw['participantCount'] === 'string') fields.participantCount = raw['participantCount'];
  const status = raw['status'];
  if (typeof status === 'string') fields.status = { pointer: status, values: { waiting: ['waiting'], active: ['active'], closed: ['closed'] } };
  else if (status !== undefined) fields.status = statusFrom(status as Raw);
  return fields;
}

function statusFrom(raw: Raw): StatusField {
  const written = (raw['values'] ?? {}) as Partial<Record<RoomState, string | string[]>>;
  const values = Object.fromEntries(
    ROOM_STATES.map((state) => {
      const v = written[state];
      return [state, v === undefined ? [] : Array.isArray(v) ? v : [v]];
    }),
  ) as Record<RoomState, string[]>;
  return { pointer: String(raw['pointer']), values };
}

function conventionsFrom(raw: Raw | undefined, baseDir: string): TargetProfile['conventions'] {
  return {
    errors: (raw?.['errors'] as TargetProfile['conventions']['errors'] | undefined) ?? 'spec',
    rateLimitHeaders: (raw?.['rateLimitHeaders'] as TargetProfile['conventions']['rateLimitHeaders'] | undefined) ?? 'none',
    pacts: ((raw?.['pacts'] ?? []) as string[]).map((p) => (isAbsolute(p) ? p : resolve(baseDir, p))),
  };
}

/** `/` as a *room* or *items* pointer means the whole answer, as the design writes it (RFC 6901 would read the key ""). */
function wholeOr(value: unknown): Pointer {
  return value === undefined || value === '/' ? '' : String(value);
}

function durationOr(value: unknown, fallback: number): number {
  return typeof value === 'string' ? (parseDuration(value) ?? fallback) : fallback;
}

function isFlatForm(body: TemplateValue): boolean {
  const scalar = (v: TemplateValue) => v === null || typeof v !== 'object';
  return (
    typeof body === 'object' && body !== null && !Array.isArray(body) && Object.values(body).every((v) => scalar(v) || (Array.isArray(v) && v.every(scalar)))
  );
}
