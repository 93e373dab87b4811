import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  receivedAt: number;
  headers: Record<string, string>;
  /** The raw body, exactly as received: signatures are over these bytes. */
  body: string;
  /** What the sink answered. */
  answered: number;
}

/** Largest delivery the sink reads; a webhook payload is one room, a few hundred bytes. */
const MAX_DELIVERY_BYTES = 256 * 1024;

export const DEFAULT_SINK_PATH = '/roomgate-webhook-sink';

export interface WebhookSinkOptions {
  /**
   * Keep every delivery in `deliveries` (default true: the contract gate's
   * checks read them after the fact). A long run turns it off and reads each
   * delivery once through `onDelivery`, so memory does not grow with the run.
   */
  keep?: boolean;
  /** Called with every delivery, after it was answered. */
  onDelivery?: (delivery: Delivery) => void;
  /**
   * The status to answer a delivery with (default 204); runs before the
   * answer is sent, so a receiver can refuse an attempt to make the sender retry.
   */
  answer?: (delivery: Omit<Delivery, 'answered'>) => number;
  /** Port on 127.0.0.1 (default 0: a free one). A subscription made out of band names a fixed URL. */
  port?: number;
  /** The path of `url` (default /roomgate-webhook-sink). Deliveries to any path are received. */
  path?: string;
}

/**
 * The one loopback webhook receiver (node:http on 127.0.0.1, port 0), where
 * the target calls us back: the contract gate's webhook checks, the browser
 * step's participant events and the webhook-sink step's delivery figures all
 * read its deliveries. It records every delivery (or hands each to a
 * listener) and can answer 500 to the first attempt of one event type, or
 * whatever `answer` decides, to force the sender to retry. Loopback only: the
 * target must be able to reach 127.0.0.1 (true for the embedded server; a
 * remote one needs a tunnel, see docs/webhooks-under-load.md).
 */
export class WebhookSink {
  readonly deliveries: Delivery[] = [];
  private readonly waiters = new Set<() => void>();
  private failOnceFor: ((body: string) => boolean) | undefined;
  private failedIds = new Set<string>();
  private server: Server | undefined;
  url = '';

  constructor(private readonly options: WebhookSinkOptions = {}) {}

  /** Answer 500 to the first attempt of the first message of this event type (a `type` field's value, or a test of the raw body for another payload shape). */
  failFirstAttemptOf(event: string | ((body: string) => boolean)): void {
    this.failOnceFor = typeof event === 'string' ? (body) => eventTypeOf(body) === event : event;
  }

  /** Listen on 127.0.0.1 (`port`, else the options' port, else 0: a free one; a fixed one for a sink URL configured in the vendor's console). */
  async start(port?: number): Promise<void> {
    this.server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === 'string') headers[name] = value;
        }
        const received = { receivedAt: Date.now(), headers, body: body ?? '' };
        let answered = this.options.answer?.(received) ?? 204;
        const id = headers['webhook-id'] ?? '';
        if (this.failOnceFor !== undefined && body !== undefined && this.failOnceFor(body) && this.failedIds.size === 0) {
          this.failedIds.add(id);
          answered = 500;
        }
        const delivery: Delivery = { ...received, answered };
        if (this.options.keep !== false) this.deliveries.push(delivery);
        res.writeHead(answered).end();
        this.options.onDelivery?.(delivery);
        for (const wake of this.waiters) wake();
      });
    });
    const server = this.server;
    // A fixed port may be taken: that is an error to report, not a wait that never ends.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port ?? this.options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${this.options.path ?? DEFAULT_SINK_PATH}`;
  }

  /** Resolves when `done()` holds or the deadline passes. */
  async waitFor(done: () => boolean, deadlineMs: number, signal: AbortSignal): Promise<void> {
    while (!done() && Date.now() < deadlineMs && !signal.aborted) {
      await new Promise<void>((resolve) => {
        // Every way out removes every hook, so a long wait loop leaves no listener behind on the run's signal.
        const finish = () => {
          clearTimeout(timer);
          this.waiters.delete(finish);
          signal.removeEventListener('abort', finish);
          resolve();
        };
        const timer = setTimeout(finish, Math.max(0, deadlineMs - Date.now()));
        this.waiters.add(finish);
        signal.addEventListener('abort', finish, { once: true });
      });
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export function eventTypeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { type?: unknown };
    return typeof parsed.type === 'string' ? parsed.type : undefined;
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DELIVERY_BYTES) {
        req.destroy();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}
