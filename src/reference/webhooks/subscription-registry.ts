import { randomBytes } from 'node:crypto';
import type { WebhookEventType, WebhookSubscription } from '../../target/api-types.js';
import { randomBase62 } from '../rooms/room-id.js';
import { createSigner, type SignAttempt } from './webhook-signer.js';

export interface StoredSubscription {
  id: string;
  /** The API client that created it; it receives events of this client's rooms only. */
  ownerClientId: string;
  url: string;
  events: readonly WebhookEventType[];
  secret: string;
  createdAtMs: number;
  sign: SignAttempt;
  /** False once deleted: pending retries to it are cancelled. */
  active: boolean;
}

/** `whsec_` + base64 of 24 random bytes: the Standard Webhooks secret format. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The webhook subscriptions of every client, in memory, in creation order. */
export class SubscriptionRegistry {
  private readonly byId = new Map<string, StoredSubscription>();

  constructor(
    private readonly signWrongContent: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  create(ownerClientId: string, url: string, events: readonly WebhookEventType[]): StoredSubscription {
    const secret = newWebhookSecret();
    const subscription: StoredSubscription = {
      id: `wh_${randomBase62(16)}`,
      ownerClientId,
      url,
      events: [...new Set(events)],
      secret,
      createdAtMs: this.now(),
      sign: createSigner(secret, this.signWrongContent),
      active: true,
    };
    this.byId.set(subscription.id, subscription);
    return subscription;
  }

  list(ownerClientId: string): StoredSubscription[] {
    return [...this.byId.values()].filter((subscription) => subscription.ownerClientId === ownerClientId);
  }

  /** False when there is no such subscription of this client (another client's is not disclosed). */
  remove(ownerClientId: string, id: string): boolean {
    const subscription = this.byId.get(id);
    if (subscription === undefined || subscription.ownerClientId !== ownerClientId) return false;
    subscription.active = false;
    this.byId.delete(id);
    return true;
  }

  /** The subscriptions that want an event of this type about a room of this client. */
  matching(ownerClientId: string, type: WebhookEventType): StoredSubscription[] {
    const out: StoredSubscription[] = [];
    for (const subscription of this.byId.values()) {
      if (subscription.ownerClientId === ownerClientId && subscription.events.includes(type)) out.push(subscription);
    }
    return out;
  }
}

/** The wire form, without the secret (it is shown once, on creation). */
export function toSubscriptionRepresentation(subscription: StoredSubscription): WebhookSubscription {
  return {
    webhook_id: subscription.id,
    url: subscription.url,
    events: [...subscription.events],
    created_at: new Date(subscription.createdAtMs).toISOString(),
  };
}
