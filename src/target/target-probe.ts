import { Agent, request } from 'undici';
import { TargetUnreachableError } from '../errors.js';
import { classifyTransportError, describeMalformedResponse } from '../http/transport-error.js';
import { formatSeconds } from '../http/format-seconds.js';

/**
 * How long a target may take to send its first answer before the run is
 * invalid: the load step's default request timeout, and the seed's budget
 * for a control operation.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * One request before any step talks to a remote target, so a target that is
 * down or hung is found in one bounded wait instead of by every step and
 * every check in turn (a server that accepted connections and never answered
 * took a contract step 207 s of per-check timeouts, reported as 22 contract
 * failures). Any HTTP answer at all, even a 401 or a 500, proves the target
 * responds; the steps judge the answers.
 *
 * Fatal (exit 3, TargetUnreachableError): no connection (refused, no such
 * host), no response within the timeout, or an answer no client can read
 * (headers over the size limit, bytes that are not HTTP), said as what the
 * target answered, never as "cannot reach". A reset is left to the steps,
 * which report it as what the target did.
 *
 * Only the status line and headers are awaited: the body is discarded
 * unread, so a target that drips its body a byte a second (which resets
 * undici's idle bodyTimeout with every byte) cannot hold the probe.
 *
 * Verdicts are remembered per base URL for the probe's lifetime (one run): a
 * suite of three scenarios against one hung target waits once, not three
 * times.
 */
export class TargetProbe {
  private readonly verdicts = new Map<string, Promise<void>>();

  /** `path`: what to ask for (the profile's list operation, so the probe is a request the API knows); any answer will do. */
  assertResponds(baseUrl: string, timeoutMs: number = DEFAULT_REQUEST_TIMEOUT_MS, signal?: AbortSignal, path = '/'): Promise<void> {
    let verdict = this.verdicts.get(baseUrl);
    if (verdict === undefined) {
      verdict = probe(baseUrl, timeoutMs, signal, path);
      this.verdicts.set(baseUrl, verdict);
      // An interrupted probe proves nothing; let the next caller ask again.
      verdict.catch(() => {
        if (signal?.aborted === true) this.verdicts.delete(baseUrl);
      });
    }
    return verdict;
  }
}

async function probe(baseUrl: string, timeoutMs: number, signal: AbortSignal | undefined, path: string): Promise<void> {
  const url = `${baseUrl.replace(/\/+$/, '')}${path}`;
  // Its own agent: the connect timeout is part of the bound, and no pooled socket outlives the probe.
  const dispatcher = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  try {
    // Unauthenticated on purpose: it needs no credentials and spends no token or rate-limit quota worth counting.
    const response = await request(url, { method: 'GET', headers: { accept: 'application/json' }, dispatcher, ...(signal === undefined ? {} : { signal }) });
    // undici's body emits an AbortError when destroyed unread: expected, so it is swallowed.
    response.body.on('error', () => undefined);
    response.body.destroy();
  } catch (error) {
    if (signal?.aborted === true) throw error;
    const seconds = formatSeconds(timeoutMs);
    const kind = classifyTransportError(error);
    if (kind === 'timeout') {
      throw new TargetUnreachableError(
        `no response within ${seconds} from ${baseUrl}: it accepted the connection (or is still connecting) but sent nothing back`,
        {
          hint: 'check that the server behind --target is healthy (not hung, not a proxy waiting for its upstream); if it is only slow, raise --request-timeout',
          cause: error,
        },
      );
    }
    if (kind === 'malformed') {
      const { message, hint } = describeMalformedResponse(baseUrl, error);
      throw new TargetUnreachableError(message, { hint, cause: error });
    }
    if (kind === 'connection') {
      throw new TargetUnreachableError(`cannot reach ${baseUrl}: ${describeConnectionError(error)}`, {
        hint: 'check --target (or ROOMGATE_TARGET) and that the server is running; omit --target to use the embedded reference server',
        cause: error,
      });
    }
  } finally {
    void dispatcher.destroy().catch(() => undefined);
  }
}

function describeConnectionError(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  const message = (error as Error | null)?.message ?? String(error);
  return code === undefined || message.includes(code) ? message : `${message} (${code})`;
}
