import type { Credentials } from '../target/target.js';
import type { FaultName } from './faults.js';
import type { RoomStore } from './rooms/room-store.js';
import type { WebhookDeliveryPolicy } from './webhooks/delivery-policy.js';

export interface RateLimitPolicy {
  /** Requests allowed per window, per client. */
  quota: number;
  windowSeconds: number;
}

export interface ReferenceServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  faults?: readonly FaultName[];
  /** Accepted client credentials; default: the documented local pair. */
  clients?: readonly Credentials[];
  rateLimit?: RateLimitPolicy;
  /** Token lifetime in seconds; default 3600. */
  tokenTtlSeconds?: number;
  /** Webhook retry/backoff/timeout settings (tests shorten them); default DEFAULT_WEBHOOK_DELIVERY. */
  webhookDelivery?: Partial<WebhookDeliveryPolicy>;
  /**
   * Serve GET /v1/rooms/{room_id} on a node:http hot path in front of fastify
   * (default true; see src/reference/rooms/get-room-hot-path.ts). false sends
   * every request through fastify: the test that compares the two uses it.
   */
  hotPath?: boolean;
}

/** Per-operation request counters, so tests can compare a load run's counts with the server's own. */
export interface ReferenceServerStats {
  requests: Record<string, number>;
  responsesByStatus: Record<string, number>;
  rooms: number;
}

export interface ReferenceServer {
  /** e.g. `http://127.0.0.1:43123`; the target base URL. */
  url: string;
  port: number;
  store: RoomStore;
  stats(): ReferenceServerStats;
  close(): Promise<void>;
}
