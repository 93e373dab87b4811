import type { CheckResult } from '../model/result.js';
import type { VideoConnectClient } from '../target/client.js';
import { eventTypeOf, WebhookSink } from '../target/webhook-sink.js';

const PARTICIPANT_EVENTS = ['participant.joined', 'participant.left'] as const;
type ParticipantEvent = (typeof PARTICIPANT_EVENTS)[number];

/**
 * participant.joined / participant.left deliveries on the loopback webhook
 * sink, counted per participant name. Signatures are the webhooks step's
 * business; here only "one event per participant" is checked.
 */
export class ParticipantWebhookSink {
  private webhookId: string | undefined;

  private constructor(private readonly sink: WebhookSink) {}

  static async start(): Promise<ParticipantWebhookSink> {
    const sink = new WebhookSink();
    await sink.start();
    return new ParticipantWebhookSink(sink);
  }

  async subscribe(client: VideoConnectClient, signal: AbortSignal): Promise<void> {
    const created = await client.createWebhook({ url: this.sink.url, events: [...PARTICIPANT_EVENTS] }, { signal });
    this.webhookId = created.webhook_id;
  }

  /** Wait (up to the budget) until each name has exactly one joined and one left event. */
  async check(names: readonly string[], budgetMs: number, signal: AbortSignal): Promise<CheckResult> {
    const started = Date.now();
    const base = { name: 'webhooks.one-joined-and-left-per-participant', group: 'api-consistency' };
    const complete = () => {
      const counts = this.counts();
      return names.every((n) => (counts.get(n)?.joined ?? 0) >= 1 && (counts.get(n)?.left ?? 0) >= 1);
    };
    await this.sink.waitFor(complete, started + budgetMs, signal);
    const counts = this.counts();
    const wrong = names.filter((n) => {
      const c = counts.get(n);
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
        actual: `joined ${counts.get(n)?.joined ?? 0}, left ${counts.get(n)?.left ?? 0}`,
      })),
    };
  }

  async close(client: VideoConnectClient): Promise<void> {
    if (this.webhookId !== undefined) await client.deleteWebhook(this.webhookId).catch(() => undefined);
    await this.sink.close();
  }

  /** Joined and left deliveries per participant name, from what the sink has received so far. */
  private counts(): Map<string, { joined: number; left: number }> {
    const counts = new Map<string, { joined: number; left: number }>();
    for (const delivery of this.sink.deliveries) {
      const type = eventTypeOf(delivery.body);
      const name = participantNameOf(delivery.body);
      if (name === undefined || !isParticipantEvent(type)) continue;
      const entry = counts.get(name) ?? { joined: 0, left: 0 };
      entry[type === 'participant.joined' ? 'joined' : 'left']++;
      counts.set(name, entry);
    }
    return counts;
  }
}

function isParticipantEvent(type: string | undefined): type is ParticipantEvent {
  return PARTICIPANT_EVENTS.some((event) => event === type);
}

function participantNameOf(body: string): string | undefined {
  try {
    const name = (JSON.parse(body) as { data?: { participant?: { name?: unknown } } }).data?.participant?.name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined; // not JSON: not counted
  }
}
