import { connect, Server, type Socket } from 'node:net';

/**
 * The harness's end of the hub: accepts connections on listening sockets that
 * live in the hub namespace (handed over by the namespace agent) and pipes
 * each to the same port on 127.0.0.1 in the root namespace, where the target
 * listens. Hand-written rather than a proxy library: it is a byte pipe with
 * no protocol, and the sockets come from another namespace, which no proxy
 * library accepts.
 */
export class LoopbackForwarder {
  private readonly servers = new Set<Server>();
  private readonly sockets = new Set<Socket>();
  private accepted = 0;

  /** Connections accepted so far (participants that reached the hub). */
  get connections(): number {
    return this.accepted;
  }

  /**
   * Serve `listening` (a socket listening in the hub) by forwarding to
   * 127.0.0.1:`port`. It is re-wrapped in a Server with allowHalfOpen: a
   * client that half-closes (sends its request, then FIN) must still get the
   * whole reply, which Node's default auto-end would cut off.
   */
  async serve(listening: Server, port: number): Promise<void> {
    const server = new Server({ allowHalfOpen: true }, (client) => this.forward(client, port));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listening, () => (server.off('error', reject), resolve()));
    });
    // Accept errors (EMFILE under load) must not crash the harness; the participant sees a refused connection.
    server.on('error', () => undefined);
    this.servers.add(server);
  }

  private forward(client: Socket, port: number): void {
    this.accepted += 1;
    const upstream = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    this.sockets.add(client);
    this.sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }

  /** Stop accepting and cut every forwarded connection. */
  close(): void {
    for (const server of this.servers) server.close();
    for (const socket of this.sockets) socket.destroy();
    this.servers.clear();
    this.sockets.clear();
  }
}
