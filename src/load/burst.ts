import autocannon from 'autocannon';
import type { LoadRecorder } from './load-recorder.js';
import type { PreparedRequest } from './open-loop.js';
import { classifyTransportError } from '../http/transport-error.js';

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
export interface FixedCycle {
  requests: () => PreparedRequest[];
  /** Registers `listener`; returns the unsubscribe function. */
  subscribe: (listener: () => void) => () => void;
}

export interface BurstOptions {
  origin: string;
  phases: readonly BurstPhase[];
  requestTimeoutMs: number;
  nextRequest: () => PreparedRequest;
  /** When set, requests are this cycle (autocannon's prebuilt buffers) instead of `nextRequest`. */
  fixedCycle?: FixedCycle | undefined;
  /** Fixed cycle only: asked once per response whether to schema-check it (dynamic requests carry `sampled`). */
  shouldSample?: (() => boolean) | undefined;
  recorder: LoadRecorder;
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
interface ExchangeContext {
  request?: PreparedRequest;
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
export async function runBurst(options: BurstOptions): Promise<BurstOutcome> {
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

function runPhase(options: BurstOptions, phase: BurstPhase, index: number): Promise<autocannon.Result> {
  const { recorder, fixedCycle, shouldSample } = options;
  // The request just answered, set by onResponse and taken by the `response`
  // listener that autocannon calls synchronously after it (same tick, same client).
  let answered: PreparedRequest | undefined;
  let answeredBody: string | undefined;
  let sent = 0;

  const staticEntries = (): autocannon.Request[] =>
    fixedCycle!.requests().map((prepared) => ({
      method: prepared.method,
      path: prepared.path,
      headers: prepared.headers,
      ...(prepared.body === undefined ? {} : { body: prepared.body }),
      onResponse: (_status: number, body: string) => {
        answered = prepared;
        answeredBody = body;
      },
    }));
  const dynamicEntry: autocannon.Request = {
    setupRequest: (request, context) => {
      const prepared = options.nextRequest();
      (context as ExchangeContext).request = prepared;
      // autocannon hands us a fresh copy of its defaults per request; filling it
      // in place avoids copying its ~40 option keys again on the hot path.
      request.method = prepared.method;
      request.path = prepared.path;
      request.headers = prepared.headers;
      request.body = prepared.body ?? EMPTY_BODY;
      return request;
    },
    onResponse: (_status, body, context) => {
      const ctx = context as ExchangeContext;
      answered = ctx.request;
      answeredBody = body;
      ctx.request = undefined;
    },
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
        ...(fixedCycle !== undefined ? { setupClient: (client: autocannon.Client) => void clients.push(client) } : {}),
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
