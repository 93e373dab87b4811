import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status the sink answered with. */
  answered: number;
  atMs: number;
}

/** Decides the answer to the n-th request (0-based) to a path; default 204. */
export type SinkResponder = (request: { path: string; index: number }) => { status: number; headers?: Record<string, string> };

/**
 * A loopback HTTP receiver on port 0 that records every request, for webhook
 * tests. Real sockets, no mocks: what the dispatcher sends is what arrives.
 */
export class WebhookSink {
  readonly received: ReceivedWebhook[] = [];
  private readonly server: Server;
  private responder: SinkResponder = () => ({ status: 204 });
  private readonly waiters: Array<{ predicate: () => boolean; resolve: () => void }> = [];

  private constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        const index = this.received.filter((r) => r.path === path).length;
        const answer = this.responder({ path, index });
        this.received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answered: answer.status, atMs: Date.now() });
        response.writeHead(answer.status, answer.headers).end();
        for (const waiter of [...this.waiters]) {
          if (waiter.predicate()) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      });
    });
  }

  static async start(): Promise<WebhookSink> {
    const sink = new WebhookSink();
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  respondWith(responder: SinkResponder): void {
    this.responder = responder;
  }

  at(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Resolves when the predicate holds; rejects after timeoutMs with what arrived so far. */
  waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(
          this.waiters.findIndex((w) => w.resolve === done),
          1,
        );
        reject(
          new Error(
            `webhook sink: condition not met within ${timeoutMs} ms; received ${this.received.length}: ${this.received.map((r) => `${r.path} ${r.answered}`).join(', ')}`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ predicate, resolve: done });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
