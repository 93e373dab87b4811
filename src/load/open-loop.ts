import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import type { ArrivalSchedule } from './arrival-schedule.js';
import { classifyTransportError, type TransportErrorKind } from '../http/transport-error.js';

/** One request, ready for the wire. Built by the workload just before its intended time. */
export interface PreparedRequest {
  /** The operation's metric name. */
  operation: string;
  method: Dispatcher.HttpMethod;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Keep the response body (ids of created rooms, schema samples); other bodies are counted (for the cap) and discarded. */
  wantBody: boolean;
  /** Validate this response against the OpenAPI schema (set by the schema sampler). */
  sampled?: boolean;
  /**
   * Sends left when the response is lost (the connection reset or closed
   * before an answer): the same request goes out again at once. Only a
   * request safe to repeat carries it (a create with an idempotency key).
   */
  retriesLeft?: number;
}

/** Where the scheduler reports what happened; the step turns these into registry samples. */
export interface OpenLoopObserver<R extends PreparedRequest = PreparedRequest> {
  /**
   * A response arrived. `correctedMs` runs from the intended send time (what a
   * user arriving on schedule would have waited); `serviceMs` from the moment
   * the request was written to the socket (what a naive closed-loop tool reports).
   */
  response(request: R, status: number, correctedMs: number, serviceMs: number, body: Buffer | undefined): void;
  /** No usable response. `retrying`: the request is sent again at once (its `retriesLeft` allowed it). */
  failure(request: R, kind: TransportErrorKind, correctedMs: number, retrying: boolean): void;
  /** The send happened `lateByMs` after its intended time (over the late threshold). */
  late(request: R, lateByMs: number): void;
  /** The arrival was not sent: the in-flight cap was reached. */
  dropped(request: R): void;
}

export interface OpenLoopOptions<R extends PreparedRequest = PreparedRequest> {
  origin: string;
  /** HTTP/1.1 connections in the pool (one request in flight on each; more wait in the pool's queue). */
  connections: number;
  schedule: ArrivalSchedule;
  maxInFlight: number;
  lateThresholdMs: number;
  /** The whole exchange (queueing, headers and body) must end within this; a drip is cut there. */
  requestTimeoutMs: number;
  /** Largest response body, bytes (kept or not); past it the exchange is aborted and reported `malformed`. */
  maxBodyBytes?: number;
  nextRequest: () => R;
  observer: OpenLoopObserver<R>;
  signal?: AbortSignal;
}

export interface OpenLoopSnapshot {
  elapsedMs: number;
  totalMs: number;
  scheduled: number;
  sent: number;
  completed: number;
  late: number;
  dropped: number;
  inFlight: number;
  /** Largest delay of a send behind its intended time, ms. */
  maxLateMs: number;
  /** Requests sent again after their response was lost (not part of `sent`). */
  retries: number;
  /** The rate the schedule asks for right now, per second. */
  targetRate: number;
}

export interface OpenLoopOutcome extends OpenLoopSnapshot {
  /** True when the signal stopped the schedule before its end. */
  interrupted: boolean;
}

/** The body cap when the caller gives none (DEFAULT_MAX_BODY_BYTES of the bounded body reader). */
const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * After an interruption, in-flight requests get this long to answer before
 * they are cut: the step still has its cleanup to do within the runner's grace.
 */
const DRAIN_AFTER_SIGNAL_MS = 2000;

/** Deferred work waits at most this long for a gap in the schedule; then it runs anyway. */
const MAX_DEFER_MS = 250;

/** A send this close to its due time is not delayed by deferred work (the timer's own granularity is ~1 ms). */
const GAP_MARGIN_MS = 3;

/**
 * An open-loop (constant arrival rate) load generator in wrk2's manner: every
 * request has an intended send time fixed in advance by the schedule, and its
 * latency is measured from that time, so a stalled server cannot slow the
 * generator down and hide its own stall (coordinated omission).
 *
 * It is deliberately not a closed loop: sends never wait for responses.
 * Requests beyond the pool's connections queue inside undici's pool (that
 * queueing is part of the corrected latency); beyond `maxInFlight` arrivals
 * are dropped and counted. A timer wakes at most every millisecond and sends
 * everything that is due; a send later than `lateThresholdMs` is counted
 * late, which is how a generator that cannot keep up is detected.
 *
 * roomgate's own periodic work (sealing a metrics window, progress) is not
 * allowed to make sends late: it is handed to `defer` and runs right after a
 * batch of sends, when the schedule's next send is further away than that
 * work took last time (see `runDeferred`). Only at rates with no such gap does
 * it run in the middle of the schedule, and then it delays a few sends of a
 * long window, not one in twenty.
 *
 * Every exchange is bounded: its body is counted (kept only when asked) and
 * cut past `maxBodyBytes`; its whole life, queueing included, past
 * `requestTimeoutMs` (undici's own timeouts are per chunk, so a target that
 * drips a byte a second would otherwise hold it for ever).
 *
 * The hot path is allocation-light: one small handler object per request,
 * undici's raw `dispatch` (no Response/stream objects), bodies kept only when
 * asked for.
 */
export class OpenLoopScheduler<R extends PreparedRequest = PreparedRequest> {
  private readonly pool: Pool;
  private readonly maxBodyBytes: number;
  private t0 = 0;
  private nextOffset: number | undefined;
  private scheduled = 0;
  private sent = 0;
  private completed = 0;
  private late = 0;
  private dropped = 0;
  private retries = 0;
  private inFlight = 0;
  private maxLateMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private interruptedAt: number | undefined;
  private resolveDone: (() => void) | undefined;
  /** In-flight exchanges in send order, which is deadline order: the sweep reads from the front. */
  private readonly live = new Set<Exchange<R>>();
  private readonly deferred: { task: () => void; since: number }[] = [];
  /** What deferred work cost the last time it ran, ms (decays, so one slow run does not hold it back for ever). */
  private deferredCostMs = 0;

  constructor(private readonly options: OpenLoopOptions<R>) {
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.pool = new Pool(options.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: options.requestTimeoutMs },
    });
  }

  snapshot(): OpenLoopSnapshot {
    const elapsedMs = this.t0 === 0 ? 0 : performance.now() - this.t0;
    return {
      elapsedMs,
      totalMs: this.options.schedule.totalMs,
      scheduled: this.scheduled,
      sent: this.sent,
      completed: this.completed,
      late: this.late,
      dropped: this.dropped,
      inFlight: this.inFlight,
      maxLateMs: this.maxLateMs,
      retries: this.retries,
      targetRate: this.options.schedule.rateAt(elapsedMs),
    };
  }

  /**
   * Run `task` soon, in a gap of the schedule rather than in the way of a
   * send: after the next batch of sends once the following send is far enough
   * away, or after MAX_DEFER_MS at the latest. Before the run starts and
   * after it ends it runs at once.
   */
  defer(task: () => void): void {
    if (this.t0 === 0 || this.stopped) {
      task();
      return;
    }
    this.deferred.push({ task, since: performance.now() });
  }

  /** Run the whole schedule (or until the signal fires), then wait for in-flight requests to finish. */
  async run(): Promise<OpenLoopOutcome> {
    const { signal } = this.options;
    const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    const onAbort = () => {
      this.interruptedAt = performance.now();
      this.stop();
      this.sweep();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    this.t0 = performance.now();
    this.nextOffset = this.options.schedule.next();
    const sweepEvery = Math.max(10, Math.min(250, this.options.requestTimeoutMs / 4));
    this.sweepTimer = setInterval(() => this.sweep(), sweepEvery);
    this.sweepTimer.unref();
    if (signal?.aborted === true) onAbort();
    else this.tick();
    await done;
    signal?.removeEventListener('abort', onAbort);
    clearInterval(this.sweepTimer);
    this.stopped = true;
    this.runDeferred();
    const outcome = { ...this.snapshot(), interrupted: signal?.aborted === true && this.nextOffset !== undefined };
    await this.pool.close().catch(() => this.pool.destroy());
    return outcome;
  }

  private stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.maybeDone();
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    let now = performance.now() - this.t0;
    let fired = false;
    while (this.nextOffset !== undefined && this.nextOffset <= now) {
      this.fire(this.nextOffset);
      this.nextOffset = this.options.schedule.next();
      fired = true;
    }
    if (this.nextOffset === undefined) {
      this.stopped = true;
      this.runDeferred();
      this.maybeDone();
      return;
    }
    if (this.deferred.length > 0) {
      // Right after a send the next one is as far away as it will ever be: the best moment.
      // Any gap that fits what the work took last time will do too; past MAX_DEFER_MS it runs regardless.
      const gap = this.nextOffset - now;
      const oldest = performance.now() - this.deferred[0]!.since;
      if (fired || gap >= this.deferredCostMs + GAP_MARGIN_MS || oldest >= MAX_DEFER_MS) {
        this.runDeferred();
        now = performance.now() - this.t0;
      }
    }
    // Wake for the next due send; Node timers fire no sooner than 1 ms.
    this.timer = setTimeout(this.tick, Math.max(0, Math.min(this.nextOffset - now, 50) - 0.5));
  };

  /** One deferred task per gap (a window seal hands on its second half as a task of its own). */
  private runDeferred(): void {
    const next = this.deferred.shift();
    if (next === undefined) return;
    const started = performance.now();
    next.task();
    this.deferredCostMs = Math.max(performance.now() - started, this.deferredCostMs * 0.8);
    // At the end of the run everything left goes at once.
    if (this.stopped) while (this.deferred.length > 0) this.deferred.shift()!.task();
  }

  private fire(intendedOffset: number): void {
    this.scheduled += 1;
    const request = this.options.nextRequest();
    if (this.inFlight >= this.options.maxInFlight) {
      this.dropped += 1;
      this.options.observer.dropped(request);
      return;
    }
    const intendedAt = this.t0 + intendedOffset;
    const lateBy = performance.now() - intendedAt;
    if (lateBy > this.maxLateMs) this.maxLateMs = lateBy;
    if (lateBy > this.options.lateThresholdMs) {
      this.late += 1;
      this.options.observer.late(request, lateBy);
    }
    this.sent += 1;
    this.inFlight += 1;
    this.dispatch(request, intendedAt);
  }

  private dispatch(request: R, intendedAt: number): void {
    const exchange = new Exchange(this, request, intendedAt, performance.now() + this.options.requestTimeoutMs, this.maxBodyBytes);
    this.live.add(exchange);
    this.pool.dispatch(
      {
        origin: this.options.origin,
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body ?? null,
        headersTimeout: this.options.requestTimeoutMs,
        bodyTimeout: this.options.requestTimeoutMs,
      },
      exchange,
    );
  }

  /** Cut every exchange past its deadline (or, after an interruption, past the drain time). */
  private sweep(): void {
    const now = performance.now();
    const drainEnd = this.interruptedAt === undefined ? Number.POSITIVE_INFINITY : this.interruptedAt + DRAIN_AFTER_SIGNAL_MS;
    for (const exchange of this.live) {
      // Deadlines grow in send order (one timeout for all): past the first one not yet due, none is, unless draining.
      if (exchange.deadline > now && drainEnd > now) break;
      exchange.expire(exchange.deadline <= now ? 'deadline' : 'interrupted');
    }
  }

  /** Called by an Exchange when its response is complete, or it failed. */
  settle(exchange: Exchange<R>, error: unknown): void {
    this.live.delete(exchange);
    const end = performance.now();
    const corrected = end - exchange.intendedAt;
    if (error === undefined) {
      this.inFlight -= 1;
      this.completed += 1;
      const service = end - (exchange.sentAt === 0 ? exchange.intendedAt : exchange.sentAt);
      const body = exchange.chunks === undefined ? undefined : Buffer.concat(exchange.chunks);
      this.options.observer.response(exchange.request, exchange.status, corrected, service, body);
    } else {
      const kind = error instanceof ExchangeCut ? error.kind : classifyTransportError(error);
      const left = exchange.request.retriesLeft ?? 0;
      // A lost answer (reset/closed before the response) to a request that is safe to repeat: send it again at once.
      const retrying = kind === 'reset' && left > 0 && this.interruptedAt === undefined;
      this.options.observer.failure(exchange.request, kind, corrected, retrying);
      if (retrying) {
        this.retries += 1;
        this.dispatch({ ...exchange.request, retriesLeft: left - 1 }, exchange.intendedAt);
        return;
      }
      this.inFlight -= 1;
      this.completed += 1;
    }
    this.maybeDone();
  }

  private maybeDone(): void {
    if (this.stopped && this.inFlight === 0 && this.resolveDone !== undefined) {
      const resolve = this.resolveDone;
      this.resolveDone = undefined;
      resolve();
    }
  }
}

/** Why the scheduler itself ended an exchange: its kind is what the recorder counts. */
class ExchangeCut extends Error {
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ExchangeCut';
  }
}

/**
 * The per-request handler, in undici's classic dispatch-handler shape:
 * `onConnect` is called as the request is written to its socket, which is the
 * "actual send" time service time is measured from, and hands over the abort
 * that ends the exchange when its body passes the cap or its deadline passes.
 */
class Exchange<R extends PreparedRequest> {
  sentAt = 0;
  status = 0;
  chunks: Buffer[] | undefined;
  private bytes = 0;
  private settled = false;
  private abort: ((error?: Error) => void) | undefined;
  /** Set when the exchange was cut before undici handed over its abort (still queued in the pool). */
  private pendingCut: ExchangeCut | undefined;

  constructor(
    private readonly scheduler: OpenLoopScheduler<R>,
    readonly request: R,
    readonly intendedAt: number,
    readonly deadline: number,
    private readonly maxBodyBytes: number,
  ) {
    if (request.wantBody) this.chunks = [];
  }

  onConnect(abort: (error?: Error) => void): void {
    this.sentAt = performance.now();
    this.abort = abort;
    if (this.pendingCut !== undefined) abort(this.pendingCut);
  }

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBodyBytes) {
      this.cut(new ExchangeCut('malformed', `the response body passed the ${this.maxBodyBytes}-byte cap`));
      return false;
    }
    this.chunks?.push(chunk);
    return true;
  }

  /** The deadline (or the drain after an interruption) passed: end it as a timeout. */
  expire(why: 'deadline' | 'interrupted'): void {
    this.cut(
      new ExchangeCut('timeout', why === 'deadline' ? 'no complete response within the request timeout' : 'still unanswered when the run was interrupted'),
    );
  }

  onComplete(): void {
    if (this.settled) return;
    this.settled = true;
    this.scheduler.settle(this, undefined);
  }

  onError(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.scheduler.settle(this, error);
  }

  private cut(error: ExchangeCut): void {
    if (this.settled) return;
    this.chunks = undefined;
    if (this.abort !== undefined) this.abort(error);
    else this.pendingCut = error;
    // undici calls onError with our error; settle now in case it never does (a queued request).
    this.onError(error);
  }
}
