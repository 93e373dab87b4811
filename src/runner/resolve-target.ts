import { UsageError } from '../errors.js';
import { LOCAL_CREDENTIALS } from '../reference/defaults.js';
import type { FaultName } from '../reference/faults.js';
import type { RateLimitPolicy } from '../reference/server-types.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, TargetProbe } from '../target/target-probe.js';
import type { Credentials, Target } from '../target/target.js';

export interface TargetFlags {
  /** Base URL; when absent, an embedded reference server is started. */
  target?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** How long a remote target may take to answer the first request (default 10 s); longer is an invalid run. */
  requestTimeoutMs?: number | undefined;
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
      target: { baseUrl: server.url, credentials: { ...LOCAL_CREDENTIALS }, embedded: true },
      close: () => server.close(),
    };
  }
  const { baseUrl, credentials } = checkRemoteTarget(flags.target, flags);
  await (resolve.probe ?? new TargetProbe()).assertResponds(baseUrl, flags.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, resolve.signal);
  return {
    target: { baseUrl, credentials, embedded: false },
    close: async () => {},
  };
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
): { baseUrl: string; credentials: Credentials } {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`${label} "${target}" is not a URL`, {
      hint: 'give the API base URL under which /v1/... lives, e.g. --target http://127.0.0.1:4010',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${label} must be http or https, got ${url.protocol}`, {
      hint: 'e.g. --target http://127.0.0.1:4010',
    });
  }
  if (credentials.clientId === undefined || credentials.clientSecret === undefined) {
    throw new UsageError(`${label === '--target' ? 'a --target' : `the target ${target} (${label})`} needs client credentials`, {
      hint: 'pass --client-id and --client-secret, or set ROOMGATE_CLIENT_ID and ROOMGATE_CLIENT_SECRET',
    });
  }
  const baseUrl = url.toString().replace(/\/+$/, '').replace(/\/v1$/, '');
  return { baseUrl, credentials: { clientId: credentials.clientId, clientSecret: credentials.clientSecret } };
}
