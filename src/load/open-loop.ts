import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { ArrivalSchedule } from './arrival-schedule.js';
import { classifyTransportError, type TransportErrorKind } from '../http/transport-error.js';

/** One request, ready for the wire. Built by the workload just before its intended time. */
export interface PreparedRequest {
  operation: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Keep the response body (ids of created rooms, schema samples); other bodies are discarded unread. */
  wantBody: boolean;
  /** Validate this response against the OpenAPI schema (set by the schema sampler). */
  sampled?: boolean;
}

/** Where the scheduler reports what happened; the step turns these into registry samples. */
export interface OpenLoopObserver {
  /**
   * A response arrived. `correctedMs` runs from the intended send time (what a
   * user arriving on schedule would have waited); `serviceMs` from the moment
   * the request was written to the socket (what a naive closed-loop tool reports).
   */
  response(request: PreparedRequest, status: number, correctedMs: number, serviceMs: number, body: Buffer | undefined): void;
  failure(request: PreparedRequest, kind: TransportErrorKind, correctedMs: number): void;
  /** The send happened `lateByMs` after its intended time (over the late threshold). */
  late(request: PreparedRequest, lateByMs: number): void;
  /** The arrival was not sent: the in-flight cap was reached. */
  dropped(request: PreparedRequest): void;
}

export interface OpenLoopOptions {
  origin: string;
  /** HTTP/1.1 connections in the pool (one request in flight on each; more wait in the pool's queue). */
  connections: number;
  schedule: ArrivalSchedule;
  maxInFlight: number;
  lateThresholdMs: number;
  requestTimeoutMs: number;
  nextRequest: () => PreparedRequest;
  observer: OpenLoopObserver;
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
  /** The rate the schedule asks for right now, per second. */
  targetRate: number;
}

export interface OpenLoopOutcome extends OpenLoopSnapshot {
  /** True when the signal stopped the schedule before its end. */
  interrupted: boolean;
}

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
 * The hot path is allocation-light: one small handler object per request,
 * undici's raw `dispatch` (no Response/stream objects), bodies kept only when
 * asked for.
 */
export class OpenLoopScheduler {
  private readonly pool: Pool;
  private t0 = 0;
  private nextOffset: number | undefined;
  private scheduled = 0;
  private sent = 0;
  private completed = 0;
  private late = 0;
  private dropped = 0;
  private inFlight = 0;
  private maxLateMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private resolveDone: (() => void) | undefined;

  constructor(private readonly options: OpenLoopOptions) {
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
      targetRate: this.options.schedule.rateAt(elapsedMs),
    };
  }

  /** Run the whole schedule (or until the signal fires), then wait for in-flight requests to finish. */
  async run(): Promise<OpenLoopOutcome> {
    const { signal } = this.options;
    const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    const onAbort = () => this.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.t0 = performance.now();
    this.nextOffset = this.options.schedule.next();
    if (signal?.aborted === true) this.stop();
    else this.tick();
    await done;
    signal?.removeEventListener('abort', onAbort);
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
    const now = performance.now() - this.t0;
    while (this.nextOffset !== undefined && this.nextOffset <= now) {
      this.fire(this.nextOffset);
      this.nextOffset = this.options.schedule.next();
    }
    if (this.nextOffset === undefined) {
      this.stopped = true;
      this.maybeDone();
      return;
    }
    // Wake for the next due send; Node timers fire no sooner than 1 ms.
    this.timer = setTimeout(this.tick, Math.max(0, Math.min(this.nextOffset - now, 50) - 0.5));
  };

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
    const exchange = new Exchange(this, request, intendedAt);
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

  /** Called by an Exchange when its response is complete. */
  settle(exchange: Exchange, error: unknown): void {
    this.inFlight -= 1;
    this.completed += 1;
    const end = performance.now();
    const corrected = end - exchange.intendedAt;
    if (error === undefined) {
      const service = end - (exchange.sentAt === 0 ? exchange.intendedAt : exchange.sentAt);
      const body = exchange.chunks === undefined ? undefined : Buffer.concat(exchange.chunks);
      this.options.observer.response(exchange.request, exchange.status, corrected, service, body);
    } else {
      this.options.observer.failure(exchange.request, classifyTransportError(error), corrected);
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

/**
 * The per-request handler, in undici's classic dispatch-handler shape:
 * `onConnect` is called as the request is written to its socket, which is the
 * "actual send" time service time is measured from.
 */
class Exchange {
  sentAt = 0;
  status = 0;
  chunks: Buffer[] | undefined;
  private settled = false;

  constructor(
    private readonly scheduler: OpenLoopScheduler,
    readonly request: PreparedRequest,
    readonly intendedAt: number,
  ) {
    if (request.wantBody) this.chunks = [];
  }

  onConnect(): void {
    this.sentAt = performance.now();
  }

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks?.push(chunk);
    return true;
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
}
