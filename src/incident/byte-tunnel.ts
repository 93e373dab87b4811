import type { Duplex } from 'node:stream';

/**
 * The two sockets of an upgraded connection (a WebSocket), relayed byte for
 * byte both ways, with one thing `stream.pipeline` cannot do: `hold()` stops
 * both directions without closing anything (a blackhole: bytes wait in the
 * kernel buffers, as they would behind a dropped route) and `resume()` lets
 * them flow again. Hand-written for that: pipe() resumes a paused source on
 * its own at the next 'drain', which would leak bytes through a hold.
 */
/** How long the surviving side of a closed tunnel may take to flush and close before it is destroyed. */
const CLOSE_GRACE_MS = 2000;

export class ByteTunnel {
  private held = false;
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    private readonly client: Duplex,
    private readonly upstream: Duplex,
  ) {
    this.relay(client, upstream);
    this.relay(upstream, client);
    // Either side closing ends the tunnel: the other is ended gracefully (what is already written still
    // arrives) and destroyed if it has not closed within a grace period, so nothing is left half-open.
    client.on('close', () => this.finish(upstream));
    upstream.on('close', () => this.finish(client));
    client.on('error', () => this.destroy());
    upstream.on('error', () => this.destroy());
  }

  get isHeld(): boolean {
    return this.held;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  hold(): void {
    this.held = true;
    this.client.pause();
    this.upstream.pause();
  }

  resume(): void {
    this.held = false;
    this.client.resume();
    this.upstream.resume();
  }

  /** Close both sides; `reset` sends the client a TCP RST (see resetSocket). */
  destroy(options: { reset?: (socket: Duplex) => void } = {}): void {
    this.closed = true;
    if (options.reset !== undefined) options.reset(this.client);
    else this.client.destroy();
    this.upstream.destroy();
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  private finish(other: Duplex): void {
    if (this.closed) return;
    this.closed = true;
    other.end();
    const timer = setTimeout(() => other.destroy(), CLOSE_GRACE_MS);
    other.once('close', () => clearTimeout(timer));
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  private relay(from: Duplex, to: Duplex): void {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!this.held) from.resume();
    });
    from.on('end', () => to.end());
  }
}
