import type { ProxyMode } from './proxy-mode.js';

/**
 * What the fault proxy reports, one event per mode switch and per request it
 * disturbed, each stamped with wall-clock ms (`Date.now()`, the run's one
 * clock) so the runner can put them on the run's timeline. Untouched
 * requests produce no event: the proxy is silent unless it did something.
 */
export type ProxyEvent =
  | { type: 'proxy-mode'; at: number; mode: ProxyMode | null; previous: ProxyMode | null }
  | ProxyDisturbance
  /** The target could not be reached or broke off; the client connection was reset, as a direct connection would have failed. */
  | { type: 'proxy-upstream-error'; at: number; request: ProxiedRequest; code: string; message: string };

/** The request a disturbance happened to, as the client sent it. */
export interface ProxiedRequest {
  method: string;
  /** Path and query as sent (never the target's origin: that is the run's own configuration). */
  path: string;
  /** The client's `X-Request-Id`, when it sent one: the key that joins the proxy's events to the client's evidence. */
  requestId?: string;
  /** True for a WebSocket (or other) upgrade handshake and the tunnel that follows it. */
  upgrade: boolean;
}

export type ProxyDisturbance =
  | { type: 'proxy-disturbed'; at: number; action: 'delayed'; delayMs: number; request: ProxiedRequest }
  | { type: 'proxy-disturbed'; at: number; action: 'reset'; request: ProxiedRequest }
  /** A request (or an open tunnel) is held by a blackhole. */
  | { type: 'proxy-disturbed'; at: number; action: 'held'; request: ProxiedRequest }
  /** A held request or tunnel let go: see `outcome`. */
  | { type: 'proxy-disturbed'; at: number; action: 'released'; heldMs: number; outcome: ReleaseOutcome; request: ProxiedRequest }
  /** The target processed the request and answered `status`; the client got a reset instead. */
  | { type: 'proxy-disturbed'; at: number; action: 'response-dropped'; status: number; request: ProxiedRequest }
  /** The proxy answered `status` itself; the target never saw the request. */
  | { type: 'proxy-disturbed'; at: number; action: 'error-answered'; status: number; request: ProxiedRequest };

/**
 * - `resumed`: the blackhole ended while the client still waited; the request went on to the target (a tunnel moves bytes again).
 * - `client-gone`: the client gave up first (its deadline, its abort).
 * - `cap-reset`: held longer than the proxy's hold cap; the connection was reset.
 * - `proxy-closed`: the proxy closed while it held the connection.
 */
export type ReleaseOutcome = 'resumed' | 'client-gone' | 'cap-reset' | 'proxy-closed';

export type ProxyEventListener = (event: ProxyEvent) => void;
