import type { Socket } from 'node:net';
import type { FaultSet } from '../faults.js';

/**
 * Requests so broken that HTTP parsing fails (bad request line, oversized
 * headers, timeouts) never reach fastify's routing; answer them on the raw
 * socket, still in the envelope, instead of fastify's default body.
 */
export function clientErrorHandler(faults: FaultSet) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    let status = 400;
    let code = 'invalid_request';
    let message = 'The HTTP request could not be parsed.';
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      code = 'request_timeout';
      message = 'The request took too long to arrive.';
    } else if (error.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      code = 'headers_too_large';
      message = 'The request headers are too large.';
    }
    const body = JSON.stringify(faults.has('envelope') ? { error: code, message } : { error: code, message, status });
    const reason = status === 400 ? 'Bad Request' : status === 408 ? 'Request Timeout' : 'Request Header Fields Too Large';
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
