import { Agent, request } from 'undici';
import type { WebhookEventType } from '../../target/api-types.js';
import { NO_DELIVERY_FAULTS, type DeliveryFaults } from './delivery-faults.js';
import { retryDelayMs, type WebhookDeliveryPolicy } from './delivery-policy.js';
import { isLoopbackUrl } from './loopback-url.js';
import type { StoredSubscription } from './subscription-registry.js';

/** One event, serialized once: every attempt to every subscription sends these exact bytes. */
export interface WebhookMessage {
  /** `msg_…`, the `webhook-id` header: the same on every retry, so receivers can deduplicate. */
  id: string;
  type: WebhookEventType;
  body: string;
}

/** What happened to deliveries so far; tests and stats read it. */
export interface DeliveryCounters {
  /** Deliveries accepted into the queue (one per message per subscription). */
  enqueued: number;
  /** HTTP attempts made, retries included. */
  attempts: number;
  /** Deliveries answered with a 2xx. */
  delivered: number;
  /** Attempts that got a non-2xx (3xx included), timed out or could not connect. */
  failedAttempts: number;
  /** Deliveries whose last allowed attempt failed. */
  gaveUp: number;
  /** Deliveries to non-loopback hosts, never attempted (see WebhookDeliveryPolicy.allowRemoteHosts). */
  blocked: number;
  /** Deliveries not queued because the queue was full, or still pending when the server closed. */
  dropped: number;
  /** Pending deliveries whose subscription was deleted. */
  cancelled: number;
  /** Deliveries never attempted because the `webhook-drop` fault withheld them. */
  withheld: number;
}

export type AttemptOutcome =
  { ok: true; status: number } | { ok: false; failure: 'status'; status: number } | { ok: false; failure: 'timeout' | 'connection'; detail: string };

interface Delivery {
  subscription: StoredSubscription;
  message: WebhookMessage;
  /** Attempts made so far. */
  attempts: number;
}

/** Response bodies of receivers are read (so the connection can be reused) but never kept beyond this. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * At-least-once delivery of signed webhook messages. `dispatch` only queues,
 * so the API call that caused the event never waits for a receiver; a bounded
 * number of attempts run concurrently, and failed attempts are retried after
 * a backoff timer. Each attempt is signed afresh (a new `webhook-timestamp`,
 * so a late retry still passes the receiver's replay window) under the same
 * message id.
 *
 * Redirects are never followed: undici's `request` does not follow them
 * unless a redirect interceptor is installed, so a 3xx is a failed attempt.
 */
export class WebhookDispatcher {
  private readonly queue: Delivery[] = [];
  /** Retries waiting for their backoff, and first attempts the `webhook-delay` fault holds back. */
  private readonly waitingTimers = new Set<NodeJS.Timeout>();
  private dispatched = 0;
  private readonly stopping = new AbortController();
  private readonly agent: Agent;
  private readonly idleWaiters: Array<() => void> = [];
  private inFlight = 0;
  private closed = false;
  private readonly counts: DeliveryCounters = {
    enqueued: 0,
    attempts: 0,
    delivered: 0,
    failedAttempts: 0,
    gaveUp: 0,
    blocked: 0,
    dropped: 0,
    cancelled: 0,
    withheld: 0,
  };

  constructor(
    private readonly policy: Readonly<WebhookDeliveryPolicy>,
    private readonly random: () => number = Math.random,
    private readonly faults: Readonly<DeliveryFaults> = NO_DELIVERY_FAULTS,
  ) {
    this.agent = new Agent({ connect: { timeout: policy.attemptTimeoutMs }, headersTimeout: policy.attemptTimeoutMs, bodyTimeout: policy.attemptTimeoutMs });
  }

  dispatch(subscription: StoredSubscription, message: WebhookMessage): void {
    if (this.closed) return;
    if (!this.policy.allowRemoteHosts && !isLoopbackUrl(subscription.url)) {
      this.counts.blocked++;
      return;
    }
    this.dispatched++;
    if (this.faults.withholdEvery > 0 && this.dispatched % this.faults.withholdEvery === 0) {
      this.counts.withheld++;
      return;
    }
    this.counts.enqueued++;
    const delivery: Delivery = { subscription, message, attempts: 0 };
    if (this.faults.firstAttemptDelayMs > 0) this.later(delivery, this.faults.firstAttemptDelayMs);
    else this.enqueue(delivery);
  }

  counters(): DeliveryCounters {
    return { ...this.counts };
  }

  /** Resolves once nothing is queued, in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops retry timers and aborts attempts in flight; what was pending counts as dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.waitingTimers) clearTimeout(timer);
    this.counts.dropped += this.waitingTimers.size + this.queue.length;
    this.waitingTimers.clear();
    this.queue.length = 0;
    this.stopping.abort();
    await this.agent.destroy().catch(() => undefined);
    this.notifyIfIdle();
  }

  private enqueue(delivery: Delivery): void {
    if (this.queue.length >= this.policy.maxQueued) {
      this.counts.dropped++;
      this.notifyIfIdle();
      return;
    }
    this.queue.push(delivery);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.policy.concurrency && this.queue.length > 0) {
      const delivery = this.queue.shift();
      if (delivery === undefined) break;
      if (!delivery.subscription.active) {
        this.counts.cancelled++;
        continue;
      }
      this.inFlight++;
      void this.attempt(delivery).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    this.notifyIfIdle();
  }

  private async attempt(delivery: Delivery): Promise<void> {
    delivery.attempts++;
    this.counts.attempts++;
    const outcome = await this.send(delivery);
    if (outcome.ok) {
      this.counts.delivered++;
      return;
    }
    if (this.closed) {
      // Aborted by close(), or failed while closing: no retry will come.
      this.counts.dropped++;
      return;
    }
    this.counts.failedAttempts++;
    if (delivery.attempts >= this.policy.maxAttempts) {
      this.counts.gaveUp++;
      return;
    }
    this.later(delivery, retryDelayMs(this.policy, delivery.attempts, this.random));
  }

  /** Queue the delivery after `delayMs` (a retry's backoff, or the `webhook-delay` fault). */
  private later(delivery: Delivery, delayMs: number): void {
    const timer = setTimeout(() => {
      this.waitingTimers.delete(timer);
      this.enqueue(delivery);
    }, delayMs);
    // Pending deliveries alone must not keep a process alive.
    timer.unref();
    this.waitingTimers.add(timer);
  }

  private async send({ subscription, message }: Delivery): Promise<AttemptOutcome> {
    const timestamp = new Date();
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.policy.attemptTimeoutMs)]);
    try {
      const response = await request(subscription.url, {
        method: 'POST',
        dispatcher: this.agent,
        signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'roomgate-reference-webhooks/1',
          'webhook-id': message.id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': subscription.sign(message.id, timestamp, message.body),
        },
        body: message.body,
      });
      await response.body.dump({ limit: MAX_RESPONSE_BYTES }).catch(() => undefined);
      if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true, status: response.statusCode };
      return { ok: false, failure: 'status', status: response.statusCode };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      const timedOut = signal.aborted && !this.stopping.signal.aborted;
      return { ok: false, failure: timedOut ? 'timeout' : 'connection', detail };
    }
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0 && this.waitingTimers.size === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
