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

/**
 * The webhook subscriptions of every client, in memory, in creation order,
 * indexed by client: the store's hot path (every room event) only looks at
 * the owner's own subscriptions.
 */
export class SubscriptionRegistry {
  private readonly byOwner = new Map<string, Map<string, StoredSubscription>>();

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
    let own = this.byOwner.get(ownerClientId);
    if (own === undefined) {
      own = new Map();
      this.byOwner.set(ownerClientId, own);
    }
    own.set(subscription.id, subscription);
    return subscription;
  }

  list(ownerClientId: string): StoredSubscription[] {
    return [...(this.byOwner.get(ownerClientId)?.values() ?? [])];
  }

  /**
   * False when there is no such subscription of this client (another client's
   * is not disclosed). `anyOwner` (the `cross-client-webhook-delete` fault)
   * removes another client's too.
   */
  remove(ownerClientId: string, id: string, anyOwner = false): boolean {
    const owner = anyOwner ? ([...this.byOwner].find(([, own]) => own.has(id))?.[0] ?? ownerClientId) : ownerClientId;
    const own = this.byOwner.get(owner);
    const subscription = own?.get(id);
    if (own === undefined || subscription === undefined) return false;
    subscription.active = false;
    own.delete(id);
    return true;
  }

  /** The subscriptions that want an event of this type about a room of this client. */
  matching(ownerClientId: string, type: WebhookEventType): StoredSubscription[] {
    const own = this.byOwner.get(ownerClientId);
    if (own === undefined) return [];
    const out: StoredSubscription[] = [];
    for (const subscription of own.values()) if (subscription.events.includes(type)) out.push(subscription);
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
