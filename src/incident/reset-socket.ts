import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * End a client connection the way a failing network or a crashed server
 * does: a TCP RST (`resetAndDestroy`), which clients report as ECONNRESET,
 * rather than the orderly FIN of `destroy()`, which some clients read as a
 * clean end of the response. Anything that is not a TCP socket is destroyed.
 */
export function resetSocket(socket: Duplex): void {
  if (socket.destroyed) return;
  // A socket that lost its handle already errors with ERR_SOCKET_CLOSED here; that error is expected, not a crash.
  socket.on('error', ignore);
  if (socket instanceof Socket) socket.resetAndDestroy();
  else socket.destroy();
}

function ignore(): void {}
