import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CheckResult } from '../model/result.js';
import type { VideoConnectClient } from '../target/client.js';

/**
 * A local receiver for participant.joined / participant.left deliveries,
 * counted per participant name. Signatures are the webhooks step's business;
 * here only "one event per participant" is checked. Loopback only: the target
 * must be able to reach 127.0.0.1 (true for the embedded server).
 */
export class ParticipantWebhookSink {
  private webhookId: string | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly counts: Map<string, { joined: number; left: number }>,
  ) {}

  static async start(): Promise<ParticipantWebhookSink> {
    const counts = new Map<string, { joined: number; left: number }>();
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c.length + body.length > 1_000_000 ? '' : c));
      req.on('end', () => {
        try {
          const event = JSON.parse(body) as { type?: string; data?: { participant?: { name?: string } } };
          const name = event.data?.participant?.name;
          if (name !== undefined && (event.type === 'participant.joined' || event.type === 'participant.left')) {
            const entry = counts.get(name) ?? { joined: 0, left: 0 };
            entry[event.type === 'participant.joined' ? 'joined' : 'left']++;
            counts.set(name, entry);
          }
        } catch {
          // not JSON: not counted
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new ParticipantWebhookSink(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, counts);
  }

  async subscribe(client: VideoConnectClient, signal: AbortSignal): Promise<void> {
    const created = await client.createWebhook({ url: this.url, events: ['participant.joined', 'participant.left'] }, { signal });
    this.webhookId = created.webhook_id;
  }

  /** Wait (up to the budget) until each name has exactly one joined and one left event. */
  async check(names: readonly string[], budgetMs: number, signal: AbortSignal): Promise<CheckResult> {
    const started = Date.now();
    const base = { name: 'webhooks.one-joined-and-left-per-participant', group: 'api-consistency' };
    const complete = () => names.every((n) => (this.counts.get(n)?.joined ?? 0) >= 1 && (this.counts.get(n)?.left ?? 0) >= 1);
    while (!complete() && Date.now() - started < budgetMs && !signal.aborted) await new Promise((r) => setTimeout(r, 100));
    const wrong = names.filter((n) => {
      const c = this.counts.get(n);
      return c?.joined !== 1 || c.left !== 1;
    });
    const durationMs = Date.now() - started;
    if (wrong.length === 0) return { ...base, status: 'passed', observations: names.length * 2, durationMs };
    return {
      ...base,
      status: 'failed',
      durationMs,
      message: `${wrong.length} of ${names.length} participants did not get exactly one participant.joined and one participant.left`,
      evidence: wrong.map((n) => ({
        expected: `one participant.joined and one participant.left for ${n} within ${budgetMs} ms of leaving`,
        actual: `joined ${this.counts.get(n)?.joined ?? 0}, left ${this.counts.get(n)?.left ?? 0}`,
      })),
    };
  }

  async close(client: VideoConnectClient): Promise<void> {
    if (this.webhookId !== undefined) await client.deleteWebhook(this.webhookId).catch(() => undefined);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
