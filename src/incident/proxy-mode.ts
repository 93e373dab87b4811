/**
 * What the fault proxy does to traffic while an incident is on. One mode at a
 * time (a second proxy incident replaces the first; the schedule refuses
 * overlapping ones). `share` is a percentage, 0–100, of the requests (or
 * WebSocket handshakes) that arrive while the mode is on; each request is
 * decided on its own when it arrives, so a keep-alive connection can see
 * both disturbed and untouched requests.
 */
export type ProxyMode =
  /** Every chosen request waits `delayMs` ± `jitterMs` (uniform, never below 0) before it is forwarded. */
  | { type: 'latency'; delayMs: number; jitterMs: number; share: number }
  /** A chosen request's client connection is reset (TCP RST) instead of forwarded. */
  | { type: 'reset'; share: number }
  /**
   * Requests are accepted and held, never forwarded; open WebSocket tunnels
   * stop moving bytes. When the mode ends, whatever the clients are still
   * waiting for goes through (a partition that heals); past the proxy's hold
   * cap a held connection is reset.
   */
  | { type: 'blackhole' }
  /** A chosen request is forwarded and processed by the target; its response is dropped and the client connection reset. */
  | { type: 'drop-response'; share: number }
  /** A chosen request is answered by the proxy itself with `status` (5xx), never forwarded. */
  | { type: 'error'; share: number; status: number };

export type ProxyModeType = ProxyMode['type'];

export const PROXY_MODE_TYPES: readonly ProxyModeType[] = ['latency', 'reset', 'blackhole', 'drop-response', 'error'];

/** The status the `error` mode answers with unless told otherwise. */
export const DEFAULT_ERROR_STATUS = 503;

/** A share is a percentage of requests: a finite number from 0 to 100. */
export function isShare(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 100;
}

/** The statuses the `error` mode may answer with: server errors, the kind an outage produces. */
export function isInjectableStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 500 && value <= 599;
}

/** Why `mode` cannot be applied, or undefined when it can (for `proxy.set`, whose callers pass typed modes). */
export function proxyModeProblem(mode: ProxyMode): string | undefined {
  if (mode.type !== 'blackhole' && !isShare(mode.share)) return `share must be a percentage from 0 to 100, got ${String(mode.share)}`;
  if (mode.type === 'latency') {
    if (!(Number.isFinite(mode.delayMs) && mode.delayMs >= 0)) return `delayMs must be >= 0, got ${String(mode.delayMs)}`;
    if (!(Number.isFinite(mode.jitterMs) && mode.jitterMs >= 0)) return `jitterMs must be >= 0, got ${String(mode.jitterMs)}`;
  }
  if (mode.type === 'error' && !isInjectableStatus(mode.status)) return `status must be an HTTP status from 500 to 599, got ${String(mode.status)}`;
  return undefined;
}

/** `latency 300ms±50ms on 50%`, `blackhole`: for event labels and timeline bands. */
export function describeProxyMode(mode: ProxyMode): string {
  switch (mode.type) {
    case 'latency':
      return `latency ${mode.delayMs}ms${mode.jitterMs > 0 ? `±${mode.jitterMs}ms` : ''}${onShare(mode.share)}`;
    case 'blackhole':
      return 'blackhole';
    case 'error':
      return `error ${mode.status}${onShare(mode.share)}`;
    case 'reset':
    case 'drop-response':
      return `${mode.type}${onShare(mode.share)}`;
  }
}

function onShare(share: number): string {
  return share === 100 ? '' : ` on ${share}%`;
}
