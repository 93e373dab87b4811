import autocannon from 'autocannon';
import type { PreparedRequest } from './open-loop.js';
import { classifyTransportError, type TransportErrorKind } from '../http/transport-error.js';

export interface BurstPhase {
  connections: number;
  /** Stop after this long (ms) … */
  durationMs?: number;
  /** … or after this many requests. */
  requests?: number;
  /** Cap on requests per second over all connections (autocannon's overallRate). */
  rate?: number;
}

/**
 * A workload that needs no per-request mutation (no creates, no deletes): its
 * requests as a fixed cycle, and a way to hear when the cycle must be rebuilt
 * (a token refresh changes the Authorization header baked into it).
 */
export interface FixedCycle<R extends PreparedRequest> {
  requests: () => R[];
  /** Registers `listener`; returns the unsubscribe function. */
  subscribe: (listener: () => void) => () => void;
}

/** Where the burst reports what happened (the step's LoadRecorder). */
export interface BurstObserver<R extends PreparedRequest> {
  response(request: R, status: number, correctedMs: number, serviceMs: number, body: string | undefined): void;
  /** A request that got no usable response; `operation` is '' when autocannon cannot say which (its connection errors). */
  transportFailure(operation: string, kind: TransportErrorKind, latencyMs: number | undefined): void;
}

export interface BurstOptions<R extends PreparedRequest> {
  origin: string;
  phases: readonly BurstPhase[];
  requestTimeoutMs: number;
  /** Largest response body, bytes: past it the connection is reset and the response counted `malformed`. */
  maxBodyBytes: number;
  nextRequest: () => R;
  /** When set, requests are this cycle (autocannon's prebuilt buffers) instead of `nextRequest`. */
  fixedCycle?: FixedCycle<R> | undefined;
  /** Fixed cycle only: asked once per response whether to schema-check it (dynamic requests carry `sampled`). */
  shouldSample?: (() => boolean) | undefined;
  recorder: BurstObserver<R>;
  signal: AbortSignal;
  /** Called about once a second with autocannon's running totals, for progress. */
  onTick?: (figures: { phase: number; sent: number; inFlight: number }) => void;
}

export interface BurstOutcome {
  /** Requests autocannon itself counted (a cross-check of the registry's counts). */
  autocannonRequests: number;
  autocannonErrors: number;
  interrupted: boolean;
}

/** Per-connection context autocannon hands to setupRequest and onResponse. */
interface ExchangeContext<R> {
  request?: R;
}

/**
 * autocannon 8 appends every response body to a string before anyone asks
 * for it (pipelinedRequestsQueue.addBody), callback or not, with no limit and
 * no public way to drop a response: a 200 MB answer costs 200 MB of string.
 * Its client's private `_resetConnection` (destroy the socket, forget the
 * pipeline, reconnect and go on) is the one way to stop reading one, so the
 * cap guard uses it when it is there (checked, never assumed).
 */
interface ResettableClient {
  _resetConnection(): void;
}

function isResettable(client: object): client is ResettableClient {
  return '_resetConnection' in client && typeof client._resetConnection === 'function';
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT'] as const);
type AutocannonMethod = NonNullable<autocannon.Request['method']>;

/** The method as autocannon's types spell it (the profile's operations use the standard HTTP methods). */
function autocannonMethod(method: string): AutocannonMethod {
  const upper = method.toUpperCase();
  for (const known of HTTP_METHODS) if (known === upper) return known;
  throw new Error(`HTTP method ${method} is not one autocannon sends`);
}

const EMPTY_BODY = Buffer.alloc(0);

/**
 * Copies of the one dynamic request entry. autocannon deep-clones the
 * connection's context each time its iterator wraps around the requests
 * array; with a single entry that is once per request, with 16 once per 16.
 */
const DYNAMIC_ENTRIES = 16;

/**
 * Closed-loop bursts on autocannon's programmatic API, one autocannon run per
 * phase (a ramp is phases of rising connection counts).
 *
 * Two ways to feed autocannon, because its cost differs tenfold between them:
 * a request with a `setupRequest` is rebuilt for every send (defaults copied,
 * a hyperid drawn, the buffer re-encoded), which made roomgate ~0.7x of the
 * raw autocannon CLI; a request without one is encoded once and its buffer
 * reused, as the CLI does. So:
 *
 * - fixed cycle (the mix has no creates or deletes): the workload's requests
 *   are a precomputed cycle of static entries, each with its own `onResponse`
 *   that knows its request, so attribution needs no per-send work at all;
 * - dynamic (creates need unique keys, deletes live ids): one `setupRequest`
 *   takes the workload's next request and leaves it in the connection's
 *   context; with pipelining 1 that context holds exactly the request the
 *   next response answers.
 *
 * Either way the answered request reaches `onResponse`, which autocannon calls
 * synchronously right before it emits `response` with the response time
 * (measured from just before the write to the end of the message), so the
 * `response` listener pairs the two and records one sample. autocannon's own
 * latency histogram is not used (its counts are kept as a cross-check).
 */
export async function runBurst<R extends PreparedRequest>(options: BurstOptions<R>): Promise<BurstOutcome> {
  const outcome: BurstOutcome = { autocannonRequests: 0, autocannonErrors: 0, interrupted: false };
  for (const [index, phase] of options.phases.entries()) {
    if (options.signal.aborted) {
      outcome.interrupted = true;
      break;
    }
    const result = await runPhase(options, phase, index);
    outcome.autocannonRequests += result.requests.total;
    outcome.autocannonErrors += result.errors;
    if (options.signal.aborted) outcome.interrupted = true;
  }
  return outcome;
}

function runPhase<R extends PreparedRequest>(options: BurstOptions<R>, phase: BurstPhase, index: number): Promise<autocannon.Result> {
  const { recorder, fixedCycle, shouldSample } = options;
  // The request just answered, set by onResponse and taken by the `response`
  // listener that autocannon calls synchronously after it (same tick, same client).
  let answered: R | undefined;
  let answeredBody: string | undefined;
  let sent = 0;

  const staticEntries = (): autocannon.Request[] =>
    fixedCycle!.requests().map((prepared) => ({
      method: autocannonMethod(prepared.method),
      path: prepared.path,
      headers: prepared.headers,
      ...(prepared.body === undefined ? {} : { body: prepared.body }),
      onResponse: (_status: number, body: string) => {
        answered = prepared;
        // Held only until the `response` listener, in the same tick: a sampled response is validated from it.
        answeredBody = body;
      },
    }));
  const dynamicEntry: autocannon.Request = {
    setupRequest: (request, context: ExchangeContext<R>) => {
      const prepared = options.nextRequest();
      context.request = prepared;
      // autocannon hands us a fresh copy of its defaults per request; filling it
      // in place avoids copying its ~40 option keys again on the hot path.
      request.method = autocannonMethod(prepared.method);
      request.path = prepared.path;
      request.headers = prepared.headers;
      request.body = prepared.body ?? EMPTY_BODY;
      return request;
    },
    onResponse: (_status, body, context: ExchangeContext<R>) => {
      answered = context.request;
      // Only a body someone reads is kept past this call (created ids, schema samples).
      answeredBody = context.request?.wantBody === true ? body : undefined;
      context.request = undefined;
    },
  };
  // Each connection counts the body of the response it is reading; past the cap it drops the
  // connection (see ResettableClient) and the response is counted as a `malformed` error.
  const guardBody = (client: autocannon.Client) => {
    let bytes = 0;
    let startedAt = 0;
    client.on('headers', () => {
      bytes = 0;
      startedAt = performance.now();
    });
    // The event carries the parser's whole input chunk, not only its body part: the count can
    // run ahead of the body (a cut slightly early near the cap), never behind it.
    client.on('body', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= options.maxBodyBytes || !isResettable(client)) return;
      bytes = 0;
      recorder.transportFailure('', 'malformed', performance.now() - startedAt);
      client._resetConnection();
    });
  };

  const clients: autocannon.Client[] = [];
  // A token refresh changes the cycle's Authorization header: re-encode every
  // connection's buffers (a request in flight keeps its entry, so it is still attributed).
  const unsubscribe = fixedCycle?.subscribe(() => {
    const entries = staticEntries();
    for (const client of clients) client.setRequests(entries);
  });

  return new Promise((resolve, reject) => {
    let ticker: NodeJS.Timeout | undefined;
    const stop = () => instance.stop();
    const instance = autocannon(
      {
        url: options.origin,
        connections: phase.connections,
        pipelining: 1,
        ...(phase.requests !== undefined ? { amount: phase.requests } : { duration: (phase.durationMs ?? 10_000) / 1000 }),
        timeout: Math.max(1, Math.ceil(options.requestTimeoutMs / 1000)),
        // autocannon applies its coordinated-omission "correction" (which assumes a
        // 1 ms interval and is wrong) only when a rate is set, and rejects the flag
        // otherwise; so with a rate we always switch it off, without one it is moot.
        ...(phase.rate !== undefined ? { overallRate: phase.rate, ignoreCoordinatedOmission: true } : {}),
        requests: fixedCycle !== undefined ? staticEntries() : Array.from({ length: DYNAMIC_ENTRIES }, () => dynamicEntry),
        setupClient: (client: autocannon.Client) => {
          guardBody(client);
          if (fixedCycle !== undefined) clients.push(client);
        },
      },
      (error: unknown, result: autocannon.Result) => {
        clearInterval(ticker);
        unsubscribe?.();
        options.signal.removeEventListener('abort', stop);
        if (error !== null && error !== undefined) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(result);
      },
    );
    // Errors carry no request; they are counted under operation '' (they still count in error_rate and availability).
    instance.on('reqError', (error: unknown) => recorder.transportFailure('', classifyTransportError(error), undefined));
    instance.on('response', (_client: autocannon.Client, status: number, _bytes: number, responseTime: number) => {
      sent += 1;
      const request = answered;
      if (request === undefined) return;
      answered = undefined;
      if (fixedCycle !== undefined && shouldSample?.() === true) {
        // Cycle entries are shared; only a sampled response (a few %) gets its own copy.
        recorder.response({ ...request, sampled: true }, status, responseTime, responseTime, answeredBody);
      } else {
        recorder.response(request, status, responseTime, responseTime, request.wantBody ? answeredBody : undefined);
      }
      answeredBody = undefined;
    });
    ticker = setInterval(() => options.onTick?.({ phase: index, sent, inFlight: phase.connections }), 1000);
    ticker.unref();
    options.signal.addEventListener('abort', stop, { once: true });
  });
}
