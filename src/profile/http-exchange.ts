import { randomUUID } from 'node:crypto';
import { request as undiciRequest, type Dispatcher } from 'undici';
import { TargetUnreachableError } from '../errors.js';
import { readBoundedBody } from '../http/bounded-body.js';
import { formatSeconds } from '../http/format-seconds.js';
import { classifyTransportError } from '../http/transport-error.js';
import type { RoomRequest } from './request-builder.js';

/**
 * Send one rendered request over undici with a bounded time for headers and
 * body, and turn a missing answer into the typed error the CLI maps to
 * exit 3. Every status is returned as it is: judging it is the caller's job.
 *
 * The body is read within bounds (readBoundedBody): a byte cap with bounded
 * decompression and one deadline for the whole exchange. undici's own
 * bodyTimeout is per chunk, so a target that drips a byte a second would
 * otherwise hold a setup, a token request or a cleanup forever, and a 200 MB
 * or gzip-bomb answer would be held in memory whole.
 */
export interface HttpAnswer {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface ExchangeOptions {
  baseUrl: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  dispatcher?: Dispatcher | undefined;
  /** Largest body read (decoded), bytes; default DEFAULT_MAX_BODY_BYTES. */
  maxBodyBytes?: number | undefined;
}

export async function exchange(request: RoomRequest, options: ExchangeOptions): Promise<HttpAnswer> {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const startedAt = performance.now();
  let response: Dispatcher.ResponseData;
  try {
    response = await undiciRequest(`${baseUrl}${request.path}`, {
      method: request.method as Dispatcher.HttpMethod,
      // Every request roomgate sends names itself, so a run's timeline and the target's logs can be joined.
      headers: { 'x-request-id': randomUUID(), ...request.headers },
      body: request.body,
      signal: options.signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      dispatcher: options.dispatcher,
    });
  } catch (error) {
    if (options.signal?.aborted === true) throw error;
    // A server that accepted the connection and went silent is not "unreachable": say what happened.
    if (classifyTransportError(error) === 'timeout') {
      throw new TargetUnreachableError(`${request.operationId}: no response within ${formatSeconds(options.timeoutMs)} from ${baseUrl}`, {
        hint: 'check that the server behind --target is healthy (not hung, not a proxy waiting for its upstream); if it is only slow, raise --request-timeout',
        cause: error,
      });
    }
    throw new TargetUnreachableError(`${request.operationId}: cannot reach ${baseUrl}: ${(error as Error).message}`, {
      hint: 'check --target (or ROOMGATE_TARGET) and that the server is running',
      cause: error,
    });
  }
  const read = await readBoundedBody(response, {
    operation: request.operationId,
    deadlineMs: Math.max(1, startedAt + options.timeoutMs - performance.now()),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.maxBodyBytes === undefined ? {} : { maxBytes: options.maxBodyBytes }),
  });
  if (!read.ok) {
    // The caller's own cancellation stays its cancellation (SIGINT, a step's deadline).
    if (read.failure.kind === 'aborted' && options.signal?.aborted === true) throw options.signal.reason;
    throw new TargetUnreachableError(read.failure.message, {
      hint:
        read.failure.kind === 'timeout'
          ? 'the target sent headers and then kept the body open; check the server behind --target (or raise --request-timeout if it is only slow)'
          : 'a room API answers in a few KB; check what the target sends back (a debug dump, a file, a compressed bomb?)',
    });
  }
  const text = read.bytes.toString('utf8');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status: response.statusCode, headers, text, json: parseJson(text) };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The target answered, but not what the role promises (a non-2xx, or a body without the mapped field). */
export class ProfileApiError extends Error {
  constructor(
    readonly operationId: string,
    readonly status: number,
    readonly rawBody: string,
    detail?: string,
  ) {
    super(`${operationId} answered ${status}${detail === undefined ? '' : ` ${detail}`}: ${rawBody.slice(0, 200) || '(empty body)'}`);
    this.name = 'ProfileApiError';
  }
}
