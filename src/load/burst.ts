import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import type { LoadRecorder } from './load-recorder.js';
import type { PreparedRequest } from './open-loop.js';
import { classifyTransportError } from './transport-error.js';

export interface BurstPhase {
  connections: number;
  /** Stop after this long (ms) … */
  durationMs?: number;
  /** … or after this many requests. */
  requests?: number;
  /** Cap on requests per second over all connections (autocannon's overallRate). */
  rate?: number;
}

export interface BurstOptions {
  origin: string;
  phases: readonly BurstPhase[];
  requestTimeoutMs: number;
  nextRequest: () => PreparedRequest;
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
  sentAt?: number;
}

const EMPTY_BODY = Buffer.alloc(0);

/**
 * Closed-loop bursts on autocannon's programmatic API, one autocannon run per
 * phase (a ramp is phases of rising connection counts).
 *
 * Why requests go through `setupRequest`/`onResponse` rather than autocannon's
 * `response` event: that event carries only status and time, not which
 * request it answers, and per-operation metrics need the operation. With one
 * request in flight per connection (pipelining 1), the connection's context
 * holds exactly the request being answered, so each response is attributed
 * and timed (send → complete) without guessing. autocannon's own latency
 * histogram is not used (its counts are kept as a cross-check).
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
  const { recorder } = options;
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
        requests: [
          {
            setupRequest: (request, context) => {
              const ctx = context as ExchangeContext;
              const prepared = options.nextRequest();
              ctx.request = prepared;
              ctx.sentAt = performance.now();
              // autocannon hands us a fresh copy of its defaults per request; filling it
              // in place avoids copying its ~40 option keys again on the hot path.
              request.method = prepared.method;
              request.path = prepared.path;
              request.headers = prepared.headers;
              request.body = prepared.body ?? EMPTY_BODY;
              return request;
            },
            onResponse: (status, body, context) => {
              const ctx = context as ExchangeContext;
              if (ctx.request === undefined || ctx.sentAt === undefined) return;
              const latency = performance.now() - ctx.sentAt;
              recorder.response(ctx.request, status, latency, latency, body);
              ctx.request = undefined;
            },
          },
        ],
      },
      (error: unknown, result: autocannon.Result) => {
        clearInterval(ticker);
        options.signal.removeEventListener('abort', stop);
        if (error !== null && error !== undefined) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(result);
      },
    );
    // Errors carry no request; they are counted under operation '' (they still count in error_rate and availability).
    instance.on('reqError', (error: unknown) => recorder.transportFailure('', classifyTransportError(error), undefined));
    let sent = 0;
    instance.on('response', () => (sent += 1));
    ticker = setInterval(() => options.onTick?.({ phase: index, sent, inFlight: phase.connections }), 1000);
    ticker.unref();
    options.signal.addEventListener('abort', stop, { once: true });
  });
}
