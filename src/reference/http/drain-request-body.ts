import type { IncomingMessage } from 'node:http';

/** Bodies up to this size are read and discarded before a 413 is sent. */
export const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;
/** …and for at most this long. */
export const DRAIN_LIMIT_MS = 10_000;

/**
 * Reads and discards what is left of a request body (bounded in bytes and
 * time), so an early answer such as a 413 reaches the client. fastify rejects
 * an oversized body before reading it; answering then and closing the
 * connection while the client is still writing makes the client's write fail
 * (EPIPE/ECONNRESET) and many HTTP clients (undici among them) then drop the
 * 413 they were sent: the client sees "connection failed", not the envelope.
 * Past the bounds the connection is closed as before.
 */
export function drainRequestBody(raw: IncomingMessage, maxBytes = DRAIN_LIMIT_BYTES, maxMs = DRAIN_LIMIT_MS): Promise<void> {
  if (raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let received = 0;
    const finish = () => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', finish);
      raw.off('error', finish);
      raw.off('close', finish);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) finish();
    };
    const timer = setTimeout(finish, maxMs);
    raw.on('data', onData);
    raw.once('end', finish);
    raw.once('error', finish);
    raw.once('close', finish);
    raw.resume();
  });
}
