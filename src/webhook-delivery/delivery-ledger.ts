import type { MetricsRegistry } from '../metrics/registry.js';
import type { RunEvent } from '../model/events.js';
import type { Delivery } from '../target/webhook-sink.js';
import type { WebhookEventKind } from '../profile/room-api.js';
import type { MissingWebhook, SignatureProblem } from '../model/webhook-sink-summary.js';
import { DELIVERY_COUNTERS as C, DELIVERY_SERIES, OPERATION_OF_KIND, type EventOperation } from './delivery-metrics.js';
import type { SignatureJudge } from './signature-judge.js';

/** A room a watched step created or closed (the load step announces them on the bus). */
export type RoomEvent = Extract<RunEvent, { type: 'room' }>;

/** What a delivery's payload says, read through the target profile's event pointers. */
export interface ClassifiedPayload {
  type?: string;
  kind?: WebhookEventKind;
  roomId?: string;
}

export interface LedgerOptions {
  registry: MetricsRegistry;
  /** How long after its announcement a room event's webhook may arrive before it counts as missing, ms. */
  budgetMs: number;
  /** Reads type, kind and room id out of a payload (RoomApi.webhookEventOf over the parsed body). */
  classify: (body: string) => ClassifiedPayload;
  /** Most webhook-ids remembered for duplicate detection; the oldest are forgotten beyond it. */
  maxRememberedIds?: number;
}

/** Examples kept for the report; the counters hold the totals. */
const MAX_EXAMPLES = 10;
const DEFAULT_MAX_REMEMBERED_IDS = 500_000;

interface Announced {
  operation: EventOperation;
  roomId: string;
  at: number;
  step: string;
  requestId?: string;
}

interface Arrived {
  operation: EventOperation;
  at: number;
}

/**
 * Matches what the run announced (rooms created and closed, from the bus)
 * with what the sink received, and records the figures into the step's
 * registry: delivery latency per event operation (from the announcement to
 * the first accepted delivery), missing events (nothing within the budget),
 * late ones, duplicates and redeliveries by webhook-id, signature and
 * timestamp problems. Either side may come first: a webhook often arrives
 * before the API answer that announces its room has been read.
 *
 * Memory is bounded by what is in flight, not by the run's length: matched
 * events are dropped at once; what stays is the pending announcements (at
 * most one budget's worth), missing ones (until they are late or the run
 * ends) and a capped set of webhook-ids.
 */
export class DeliveryLedger {
  /** Announced, not yet delivered, still within the budget; in announcement order, so deadlines ascend. */
  private readonly pending = new Map<string, Announced>();
  /** Announced and past the budget without a webhook: a later webhook is counted late. */
  private readonly missed = new Map<string, Announced>();
  /** Accepted webhooks no announcement has claimed yet (arrival time); claimed, or unexpected after a budget. */
  private readonly early = new Map<string, Arrived>();
  /** webhook-id → whether the sink accepted (2xx) a delivery of it. */
  private readonly seen = new Map<string, boolean>();
  private readonly typesByOperation = new Map<EventOperation, Set<string>>();
  readonly missingExamples: MissingWebhook[] = [];
  readonly signatureProblems: SignatureProblem[] = [];
  private readonly maxIds: number;
  /** Judges signatures and timestamps once a signing secret is known (never, for `signature: none`). */
  private signatures: SignatureJudge | undefined;

  constructor(private readonly options: LedgerOptions) {
    this.maxIds = options.maxRememberedIds ?? DEFAULT_MAX_REMEMBERED_IDS;
  }

  /** Judge the signatures of deliveries from now on (the secret comes with the subscription). */
  useJudge(judge: SignatureJudge): void {
    this.signatures = judge;
  }

  /** Whether a delivery of this webhook-id has been received (and is still remembered). */
  hasSeen(webhookId: string): boolean {
    return this.seen.has(webhookId);
  }

  /** A room event of a watched step. */
  announce(event: RoomEvent): void {
    const operation = OPERATION_OF_KIND[event.event];
    const key = keyOf(operation, event.roomId);
    const r = this.options.registry;
    r.increment(C.expected, operation);
    const announced: Announced = {
      operation,
      roomId: event.roomId,
      at: event.at,
      step: event.step,
      ...(event.requestId === undefined ? {} : { requestId: event.requestId }),
    };
    const arrived = this.early.get(key);
    if (arrived !== undefined) {
      this.early.delete(key);
      this.delivered(operation, Math.max(0, arrived.at - event.at));
      return;
    }
    this.pending.set(key, announced);
  }

  /** One HTTP delivery, as the sink received and answered it. */
  receive(delivery: Delivery): void {
    const r = this.options.registry;
    const payload = this.options.classify(delivery.body);
    const operation = payload.kind === undefined ? 'other' : OPERATION_OF_KIND[payload.kind];
    if (payload.type !== undefined) this.typeSeen(operation, payload.type);
    r.increment(C.deliveries, operation);
    const accepted = delivery.answered >= 200 && delivery.answered < 300;
    if (!accepted) r.increment(C.refused, operation);
    this.judge(delivery, operation);

    const id = delivery.headers['webhook-id'];
    if (id !== undefined) {
      const acceptedBefore = this.seen.get(id);
      if (acceptedBefore === true) {
        r.increment(C.duplicates, operation);
        return;
      }
      if (acceptedBefore === false) r.increment(C.redeliveries, operation);
      this.remember(id, accepted);
    }
    if (!accepted || payload.roomId === undefined || (payload.kind !== 'created' && payload.kind !== 'closed')) return;

    const key = keyOf(operation, payload.roomId);
    const announced = this.pending.get(key);
    if (announced !== undefined) {
      this.pending.delete(key);
      this.delivered(operation, Math.max(0, delivery.receivedAt - announced.at));
      return;
    }
    const missed = this.missed.get(key);
    if (missed !== undefined) {
      this.missed.delete(key);
      r.increment(C.late, operation);
      r.record(DELIVERY_SERIES, operation, 'failed', Math.max(0, delivery.receivedAt - missed.at));
      return;
    }
    // Not announced (yet): the API answer may still be on its way to the load step.
    if (!this.early.has(key)) this.early.set(key, { operation, at: delivery.receivedAt });
  }

  /**
   * Settle what the clock decides: announcements past the budget become
   * missing; webhooks no announcement claimed within a budget become unexpected.
   */
  sweep(nowMs: number): void {
    const r = this.options.registry;
    const budget = this.options.budgetMs;
    for (const [key, announced] of this.pending) {
      if (announced.at + budget > nowMs) break;
      this.pending.delete(key);
      this.missed.set(key, announced);
      r.increment(C.missing, announced.operation);
      if (this.missingExamples.length < MAX_EXAMPLES) {
        this.missingExamples.push({
          event: announced.operation,
          roomId: announced.roomId,
          step: announced.step,
          announcedAt: new Date(announced.at).toISOString(),
          ...(announced.requestId === undefined ? {} : { requestId: announced.requestId }),
        });
      }
    }
    for (const [key, arrived] of this.early) {
      if (arrived.at + budget > nowMs) break;
      this.early.delete(key);
      r.increment(C.unexpected, arrived.operation);
    }
  }

  /** Announced events still within their budget. */
  get outstanding(): number {
    return this.pending.size;
  }

  /** When the last outstanding announcement's budget runs out (epoch ms), or undefined when none is outstanding. */
  get lastDeadline(): number | undefined {
    let last: number | undefined;
    for (const announced of this.pending.values()) last = announced.at + this.options.budgetMs;
    return last;
  }

  /**
   * The step is over: webhooks no announcement claimed are unexpected; what
   * is still within its budget (an interrupted run) is reported as pending,
   * neither delivered nor missing. Returns the pending count per operation.
   */
  close(): Map<EventOperation, number> {
    for (const arrived of this.early.values()) this.options.registry.increment(C.unexpected, arrived.operation);
    this.early.clear();
    const pending = new Map<EventOperation, number>();
    for (const { operation } of this.pending.values()) pending.set(operation, (pending.get(operation) ?? 0) + 1);
    this.pending.clear();
    this.missed.clear();
    return pending;
  }

  /** The API's own type names seen per operation (e.g. room_created ← room.created). */
  types(operation: EventOperation): string[] {
    return [...(this.typesByOperation.get(operation) ?? [])].sort();
  }

  private delivered(operation: EventOperation, latencyMs: number): void {
    this.options.registry.increment(C.delivered, operation);
    this.options.registry.record(DELIVERY_SERIES, operation, 'ok', latencyMs);
  }

  private judge(delivery: Delivery, operation: EventOperation): void {
    const judge = this.signatures;
    if (judge === undefined) return;
    const r = this.options.registry;
    const verdict = judge.judge(delivery.body, delivery.headers, delivery.receivedAt);
    r.increment(C.signaturesChecked, operation);
    if (verdict.signature !== 'valid') r.increment(C.badSignatures, operation);
    if (verdict.timestamp !== 'fresh') r.increment(C.staleTimestamps, operation);
    if ((verdict.signature !== 'valid' || verdict.timestamp !== 'fresh') && this.signatureProblems.length < MAX_EXAMPLES) {
      this.signatureProblems.push({
        event: operation,
        ...(delivery.headers['webhook-id'] === undefined ? {} : { webhookId: delivery.headers['webhook-id'] }),
        signature: verdict.signature,
        timestamp: verdict.timestamp,
        ...(delivery.headers['webhook-timestamp'] === undefined ? {} : { webhookTimestamp: delivery.headers['webhook-timestamp'] }),
        receivedAt: new Date(delivery.receivedAt).toISOString(),
        ...(verdict.detail === undefined ? {} : { detail: verdict.detail }),
      });
    }
  }

  private remember(id: string, accepted: boolean): void {
    if (!this.seen.has(id) && this.seen.size >= this.maxIds) {
      const oldest = this.seen.keys().next();
      if (oldest.done !== true) this.seen.delete(oldest.value);
    }
    this.seen.set(id, accepted);
  }

  private typeSeen(operation: EventOperation, type: string): void {
    let types = this.typesByOperation.get(operation);
    if (types === undefined) this.typesByOperation.set(operation, (types = new Set()));
    // A handful of names per operation; a sender inventing a new one per message must not grow this.
    if (types.size < 8) types.add(type);
  }
}

function keyOf(operation: EventOperation, roomId: string): string {
  return `${operation} ${roomId}`;
}
