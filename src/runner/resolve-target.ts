import { UsageError } from '../errors.js';
import { resolveCredentials } from '../profile/auth/credentials.js';
import { LOCAL_CREDENTIALS } from '../reference/defaults.js';
import type { FaultName } from '../reference/faults.js';
import type { RateLimitPolicy } from '../reference/server-types.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, TargetProbe } from '../target/target-probe.js';
import type { Credentials, Target } from '../target/target.js';
import type { TargetProfile } from '../profile/types.js';

export interface TargetFlags {
  /** Base URL; when absent, an embedded reference server is started. */
  target?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** How long a remote target may take to answer the first request (default 10 s); longer is an invalid run. */
  requestTimeoutMs?: number | undefined;
  /** A target profile file (`--profile`); default the built-in VideoConnect profile. */
  profile?: string | undefined;
  /** The profile already loaded while planning (then `profile` and `spec` are not read again). */
  loadedProfile?: TargetProfile | undefined;
  /** An OpenAPI document that replaces the profile's own `spec:` (`--spec`). */
  spec?: string | undefined;
}

export interface ResolveOptions {
  /** Remembers probe verdicts across the scenarios of one run; a fresh one per call otherwise. */
  probe?: TargetProbe;
  signal?: AbortSignal;
}

export interface EmbeddedOptions {
  faults?: readonly FaultName[];
  rateLimit?: RateLimitPolicy;
  /** Access-token lifetime of the embedded server (the contract gate uses a short one for its expired-token check). */
  tokenTtlSeconds?: number;
  /** Extra accepted clients besides the documented local pair (the contract gate's second client). */
  extraClients?: readonly Credentials[];
}

export interface ResolvedTarget {
  target: Target;
  /** Stops the embedded server, if one was started; a no-op otherwise. */
  close(): Promise<void>;
}

/**
 * Turn flags (already merged with ROOMGATE_* environment by the CLI) into a
 * Target. No `--target` means: start the embedded reference server on a free
 * loopback port, with its documented local credentials. A remote target must
 * answer one request within `requestTimeoutMs` (see TargetProbe), so a hung
 * target is an invalid run found in one bounded wait.
 */
export async function resolveTarget(flags: TargetFlags, embedded: EmbeddedOptions = {}, resolve: ResolveOptions = {}): Promise<ResolvedTarget> {
  const profile = flags.loadedProfile ?? (await loadTargetProfile(flags));
  if (flags.target === undefined || flags.target === '') {
    const { createReferenceServer } = await import('../reference/server.js');
    const server = await createReferenceServer({
      port: 0,
      host: '127.0.0.1',
      ...(embedded.faults === undefined ? {} : { faults: embedded.faults }),
      ...(embedded.rateLimit === undefined ? {} : { rateLimit: embedded.rateLimit }),
      ...(embedded.tokenTtlSeconds === undefined ? {} : { tokenTtlSeconds: embedded.tokenTtlSeconds }),
      ...(embedded.extraClients === undefined ? {} : { clients: [{ ...LOCAL_CREDENTIALS }, ...embedded.extraClients] }),
    });
    return {
      target: { baseUrl: server.url, credentials: { ...LOCAL_CREDENTIALS }, embedded: true, profile },
      close: () => server.close(),
    };
  }
  const { baseUrl, credentials } = checkRemoteTarget(flags.target, flags, '--target', profile);
  await (resolve.probe ?? new TargetProbe()).assertResponds(baseUrl, flags.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, resolve.signal, probePath(profile));
  return {
    target: { baseUrl, credentials, embedded: false, profile },
    close: async () => {},
  };
}

/**
 * The profile the flags name (with `--spec` replacing its document), or the
 * built-in VideoConnect one; `--spec` without a profile drafts one from that
 * document (profile/spec-profile.ts), so a bare `--spec their.yaml` never
 * talks to VideoConnect's paths.
 */
export async function loadTargetProfile(flags: Pick<TargetFlags, 'profile' | 'spec'>): Promise<TargetProfile> {
  const { loadBuiltinProfile, loadProfile } = await import('../profile/load-profile.js');
  if (flags.profile === undefined || flags.profile === '') {
    if (flags.spec === undefined) return loadBuiltinProfile();
    const { profileWithSpec } = await import('../profile/spec-profile.js');
    return profileWithSpec(undefined, flags.spec);
  }
  return loadProfile(flags.profile, flags.spec === undefined ? {} : { spec: flags.spec });
}

/**
 * What the reachability probe asks for: the list operation's path when it has
 * no path parameters (a request the API knows, and the one a room API always
 * has), else the root. Any HTTP answer proves the target responds.
 */
export function probePath(profile: TargetProfile): string {
  const list = profile.rooms.list?.resolved;
  return list === undefined || list.pathParams.length > 0 ? '/' : list.pathTemplate;
}

/**
 * The path prefix every operation of the document shares (`/v1` for
 * VideoConnect), so `--target https://api.example.com/v1` and
 * `--target https://api.example.com` mean the same base URL.
 */
function sharedPrefix(profile: TargetProfile | undefined): string | undefined {
  if (profile === undefined) return '/v1';
  const { create, get, list, close, joinToken } = profile.rooms;
  const templates = [create, get, list, close, joinToken].flatMap((role) => (role === undefined ? [] : [role.resolved.pathTemplate]));
  const first = templates[0] === undefined ? undefined : /^\/[^/{]+/.exec(templates[0])?.[0];
  return first !== undefined && templates.every((t) => t.startsWith(`${first}/`)) ? first : undefined;
}

/**
 * Check a remote target's URL and credentials without contacting it, so a
 * command can refuse bad flags (exit 2) before it starts anything or creates
 * a report folder. `label` names where the URL came from in the message
 * (`--target`, or `target.url` of a scenario file).
 */
export function checkRemoteTarget(
  target: string,
  credentials: Pick<TargetFlags, 'clientId' | 'clientSecret'>,
  label = '--target',
  profile?: TargetProfile,
): { baseUrl: string; credentials: Credentials } {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`${label} "${target}" is not a URL`, {
      hint: "give the API base URL under which the OpenAPI document's paths live, e.g. --target http://127.0.0.1:4010",
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${label} must be http or https, got ${url.protocol}`, {
      hint: 'e.g. --target http://127.0.0.1:4010',
    });
  }
  const prefix = sharedPrefix(profile);
  let baseUrl = url.toString().replace(/\/+$/, '');
  if (prefix !== undefined && baseUrl.endsWith(prefix)) baseUrl = baseUrl.slice(0, -prefix.length);
  if (profile !== undefined) {
    // The profile's auth kind says what it needs (a static API key needs no id) and may name its own environment variables.
    const resolved = resolveCredentials(profile.auth, credentials, process.env, profile.file);
    return { baseUrl, credentials: { clientId: resolved.id ?? '', clientSecret: resolved.secret } };
  }
  if (credentials.clientId === undefined || credentials.clientSecret === undefined) {
    throw new UsageError(`${label === '--target' ? 'a --target' : `the target ${target} (${label})`} needs client credentials`, {
      hint: 'pass --client-id and --client-secret, or set ROOMGATE_CLIENT_ID and ROOMGATE_CLIENT_SECRET',
    });
  }
  return { baseUrl, credentials: { clientId: credentials.clientId, clientSecret: credentials.clientSecret } };
}
