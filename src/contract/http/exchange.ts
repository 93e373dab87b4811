import { randomUUID } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';
import { readBoundedBody, type BodyReadFailure } from '../../http/bounded-body.js';
import type { RecordedRequest, RecordedResponse } from '../../model/evidence.js';
import { curlFor, redactHeaders } from './curl.js';

/** One request the gate sends. `body` is sent as-is when a string, JSON-encoded otherwise. */
export interface OutgoingRequest {
  method: string;
  /** Path and query under the target's base URL, e.g. `/v1/rooms?limit=2`. */
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Send `body` verbatim (for malformed JSON and wrong content types). */
  rawBody?: string | Buffer;
  /**
   * Credentials: true (the default) sends the identity's own (the profile's
   * authenticator), false none at all; a string is sent as a bearer token
   * instead, and `{ headers }` sends exactly those credential headers (a forged
   * API key, a wrong Basic pair).
   */
  auth?: boolean | string | { headers: Record<string, string> };
  /** Leave out the document's required request headers (for the case that tests their absence). */
  omitDefaultHeaders?: boolean;
  signal?: AbortSignal;
  /** What the request is, for failure messages (`CreateRoom`); default `METHOD /path`. */
  operation?: string;
}

/**
 * How a response could not be read, when it could not. Every message starts
 * with the operation (`ListRooms: the response body is a decompression bomb…`),
 * so a failed check's evidence says which request hit the bound.
 */
export type ExchangeFailure =
  /** No complete response (headers and body) within the one deadline: a silent or dripping target. */
  | { kind: 'timeout'; message: string }
  /** The body passed the byte cap (announced by Content-Length, or counted while reading); the rest was not read. */
  | { kind: 'too-large'; message: string }
  /** A compressed body that inflated past the cap at a ratio no real answer has; inflating stopped at the cap. */
  | { kind: 'decompression-bomb'; message: string }
  /** A Content-Encoding that cannot be decoded, or data that is not what its coding says. */
  | { kind: 'bad-encoding'; message: string }
  | { kind: 'connection'; message: string };

/**
 * What came back. `json` is set when the body parsed as JSON; `invalidUtf8`
 * when the bytes were not valid UTF-8 (the body is then decoded lossily for
 * evidence only). `failure` is set when no complete response was read.
 */
export interface Exchange {
  request: RecordedRequest;
  /** Reproduces the request; a bearer token appears as `$TOKEN`, other credentials as `***`. */
  curl: string;
  status: number | undefined;
  headers: Record<string, string>;
  bodyText: string;
  json: unknown;
  isJson: boolean;
  invalidUtf8: boolean;
  failure: ExchangeFailure | undefined;
  durationMs: number;
}

export interface ExchangerOptions {
  baseUrl: string;
  /** The headers that authenticate a request as this identity (the profile's Authenticator). */
  authorize: (signal?: AbortSignal) => Promise<Record<string, string>>;
  /**
   * Forgets a refused credential, so the next `authorize` obtains a fresh one.
   * Given (token-based auth), a 401 to a request sent with the identity's own
   * credentials is sent once more: the request was not processed, and a token
   * may have expired in flight. A second 401 is the target's answer.
   */
  refreshCredentials?: () => void;
  /** Secret values (the client secret, tokens obtained) kept out of evidence and curl lines. */
  secrets?: () => readonly string[];
  /** Deadline for headers and body together. */
  timeoutMs: number;
  /** Largest body kept, after decoding (and largest encoded body read); the rest is not read and the exchange is marked too-large or decompression-bomb. */
  maxBodyBytes: number;
  /** Headers the document requires on this request (e.g. a required API-version header); added unless given. */
  defaultHeaders?: (method: string, path: string) => Record<string, string>;
  /** The document's name for a request (its operationId), for failure messages; else `METHOD /path`. */
  operationOf?: (method: string, path: string) => string | undefined;
}

export type ExchangeObserver = (exchange: Exchange) => void;

/** Body bytes kept as evidence; a check's message never needs more. */
const EVIDENCE_BODY_CHARS = 2000;

/**
 * The only way the contract gate talks HTTP. Every request is bounded: one
 * deadline for headers and body together (a response that never ends, or
 * drips a byte a second, becomes a timeout, not a hang), a byte cap while
 * streaming and while decompressing (readBoundedBody: a 200 MB body or a gzip
 * bomb costs the cap, never the whole), redirects are never followed (a
 * redirect loop is just a 3xx the checks judge), and undecodable bytes are
 * reported, not thrown.
 * Observers see every exchange, which is how schema conformance covers every
 * response the gate receives without each check remembering to validate.
 * Every request carries a fresh `X-Request-Id` (shown in the evidence), so a
 * failure can be found in the target's own logs and on the run's timeline.
 */
export class Exchanger {
  private readonly observers: ExchangeObserver[] = [];
  // Our own pool, so closing it at the end tears down sockets a hostile server keeps open.
  private readonly agent: Agent;
  readonly baseUrl: string;

  constructor(private readonly options: ExchangerOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.agent = new Agent({ connections: 64, pipelining: 1, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
  }

  observe(observer: ExchangeObserver): void {
    this.observers.push(observer);
  }

  async send(outgoing: OutgoingRequest): Promise<Exchange> {
    const own = outgoing.auth === undefined || outgoing.auth === true;
    const first = await this.sendOnce(outgoing);
    if (!own || first.status !== 401 || this.options.refreshCredentials === undefined || outgoing.signal?.aborted === true) return first;
    this.options.refreshCredentials();
    return this.sendOnce(outgoing);
  }

  /** The credential headers a request carries, by its `auth`. */
  private async credentialsFor(outgoing: OutgoingRequest): Promise<Record<string, string>> {
    const auth = outgoing.auth ?? true;
    if (auth === false) return {};
    if (auth === true) return this.options.authorize(outgoing.signal);
    if (typeof auth === 'string') return { authorization: `Bearer ${auth}` };
    return auth.headers;
  }

  private async sendOnce(outgoing: OutgoingRequest): Promise<Exchange> {
    const defaults = outgoing.omitDefaultHeaders === true ? {} : (this.options.defaultHeaders?.(outgoing.method, outgoing.path) ?? {});
    const credentials = lowerKeys(await this.credentialsFor(outgoing));
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-request-id': randomUUID(),
      ...lowerKeys(defaults),
      ...lowerKeys(outgoing.headers ?? {}),
    };
    for (const [name, value] of Object.entries(credentials)) headers[name] ??= value;
    let body: string | Buffer | undefined;
    if (outgoing.rawBody !== undefined) body = outgoing.rawBody;
    else if (outgoing.body !== undefined) {
      body = JSON.stringify(outgoing.body);
      headers['content-type'] ??= 'application/json';
    }
    const url = `${this.baseUrl}${outgoing.path}`;
    const secretHeaders = new Set(Object.keys(credentials));
    const secrets = this.options.secrets?.() ?? [];
    const shownUrl = redactText(url, secrets);
    const shownBody = body === undefined ? undefined : redactText(body.toString(), secrets);
    const recorded: RecordedRequest = {
      method: outgoing.method,
      url: shownUrl,
      headers: redactHeaders(headers, secretHeaders),
      ...(shownBody === undefined ? {} : { body: truncate(shownBody, EVIDENCE_BODY_CHARS) }),
    };
    const curl = curlFor(outgoing.method, shownUrl, headers, shownBody, secretHeaders);
    const started = performance.now();
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    const signal = outgoing.signal === undefined ? deadline : AbortSignal.any([deadline, outgoing.signal]);
    const result: Exchange = {
      request: recorded,
      curl,
      status: undefined,
      headers: {},
      bodyText: '',
      json: undefined,
      isJson: false,
      invalidUtf8: false,
      failure: undefined,
      durationMs: 0,
    };
    const operation =
      outgoing.operation ?? this.options.operationOf?.(outgoing.method, outgoing.path) ?? `${outgoing.method} ${outgoing.path.split('?')[0] ?? outgoing.path}`;
    const fail = (error: unknown): void => {
      if (outgoing.signal?.aborted === true) throw outgoing.signal.reason;
      const message = (error as Error).message;
      result.failure =
        deadline.aborted || /timeout/i.test(message)
          ? { kind: 'timeout', message: `${operation}: no complete response within ${this.options.timeoutMs} ms` }
          : { kind: 'connection', message: `${operation}: the request failed: ${message}` };
    };
    const receive = (dispatcher: Dispatcher) => this.receive(result, { url, method: outgoing.method, headers, body, signal, operation }, dispatcher);
    try {
      await receive(this.agent);
    } catch (error) {
      if (body !== undefined && !deadline.aborted && outgoing.signal?.aborted !== true && isConnectionDrop(error)) {
        // A server that answers a large body early (a 413) and closes can cut a pooled
        // keep-alive connection mid-write (EPIPE/ECONNRESET) before its answer is read:
        // a false alarm against real servers. Once more on a fresh connection reads that
        // answer; a second drop is the target's own answer and is reported.
        const fresh = new Agent({ connections: 1, pipelining: 1, headersTimeout: this.options.timeoutMs, bodyTimeout: this.options.timeoutMs });
        try {
          Object.assign(result, { status: undefined, headers: {}, bodyText: '', json: undefined, isJson: false, invalidUtf8: false, failure: undefined });
          await receive(fresh);
        } catch (retryError) {
          fail(retryError);
        } finally {
          await fresh.destroy().catch(() => undefined);
        }
      } else {
        fail(error);
      }
    }
    // An interrupt is no answer of the target's: it ends the check, it is not judged.
    if (outgoing.signal?.aborted === true) throw outgoing.signal.reason;
    result.durationMs = Math.round((performance.now() - started) * 10) / 10;
    for (const observer of this.observers) observer(result);
    return result;
  }

  /**
   * One request on `dispatcher`, read into `result`: status, headers, and the
   * body through readBoundedBody (the cap, bounded decompression, and the same
   * signal as the request, so one deadline covers headers and body). A body
   * that cannot be read whole is a typed failure on the result; a transport
   * error before the answer is thrown (send decides whether to retry).
   */
  private async receive(result: Exchange, req: PreparedRequest, dispatcher: Dispatcher): Promise<void> {
    const response = await request(req.url, {
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body,
      signal: req.signal,
      dispatcher,
    });
    result.status = response.statusCode;
    result.headers = flattenHeaders(response.headers);
    const read = await readBoundedBody(response, { maxBytes: this.options.maxBodyBytes, signal: req.signal, operation: req.operation });
    const bytes = read.ok ? read.bytes : read.partial;
    if (!read.ok) result.failure = exchangeFailure(read.failure, this.options.timeoutMs, req.operation);
    try {
      result.bodyText = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      result.invalidUtf8 = true;
      result.bodyText = bytes.toString('utf8');
    }
    if (result.failure === undefined && !result.invalidUtf8 && result.bodyText !== '') {
      try {
        result.json = JSON.parse(result.bodyText);
        result.isJson = true;
      } catch {
        // Not JSON: the checks judge bodyText and isJson.
      }
    }
  }

  close(): Promise<void> {
    return this.agent.destroy();
  }
}

/** One request as receive() sends it. */
interface PreparedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  /** The deadline and the caller's signal together. */
  signal: AbortSignal;
  operation: string;
}

/**
 * A bounded read's failure as the gate reports it. `aborted` is the caller's
 * interrupt (send rethrows it); a deadline reached while reading the body is
 * the same timeout as one reached while waiting for headers.
 */
function exchangeFailure(failure: BodyReadFailure, timeoutMs: number, operation: string): ExchangeFailure {
  switch (failure.kind) {
    case 'timeout':
      return {
        kind: 'timeout',
        message: `${operation}: no complete response within ${timeoutMs} ms (${failure.readBytes} body bytes read; the target kept the response open)`,
      };
    case 'too-large':
    case 'decompression-bomb':
    case 'bad-encoding':
    case 'connection':
      return { kind: failure.kind, message: failure.message };
    case 'aborted':
      return { kind: 'connection', message: failure.message };
  }
}

/** The connection went away under the request (not a timeout, not an HTTP answer). */
function isConnectionDrop(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    code === 'EPIPE' ||
    code === 'ECONNRESET' ||
    code === 'UND_ERR_SOCKET' ||
    /EPIPE|ECONNRESET|other side closed/.test((error as Error | undefined)?.message ?? '')
  );
}

/** The response side of an exchange, as evidence (body truncated). */
export function recordResponse(exchange: Exchange): RecordedResponse | undefined {
  if (exchange.status === undefined) return undefined;
  const truncated = exchange.bodyText.length > EVIDENCE_BODY_CHARS || exchange.failure?.kind === 'too-large' || exchange.failure?.kind === 'decompression-bomb';
  return {
    status: exchange.status,
    headers: exchange.headers,
    body: truncate(exchange.bodyText, EVIDENCE_BODY_CHARS),
    ...(truncated ? { truncated: true } : {}),
    durationMs: exchange.durationMs,
  };
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Every secret value (a token request's client secret, in JSON or a form; a
 * token in a query string), as it is and URL-encoded, replaced by `***`.
 */
function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // A very short value would blank out unrelated text; real secrets and tokens are longer.
    if (secret.length < 6) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])) {
      out = out.split(form).join('***');
    }
  }
  return out;
}
