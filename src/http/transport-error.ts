import { maxHeaderSize } from 'node:http';
import { errors } from 'undici';
import { formatBytes } from '../format-bytes.js';

/**
 * How a request that got no usable response failed; each kind is its own error counter.
 * `malformed`: the target did answer, but not in a form the client can read
 * (headers over the size limit, a body shorter or longer than its
 * Content-Length, bytes that are not HTTP/1.1). It is not a connection
 * problem, and saying "cannot reach" sends the user to check the wrong thing.
 */
export type TransportErrorKind = 'timeout' | 'reset' | 'connection' | 'malformed';

/** Classify an undici/net error by its code (never by message text). */
export function classifyTransportError(error: unknown): TransportErrorKind {
  const code = errorCode(error);
  // autocannon reports its own timeouts as a plain Error with this message and no code.
  if (code === '' && (error as Error | null)?.message === 'request timed out') return 'timeout';
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'reset';
    case 'UND_ERR_HEADERS_OVERFLOW':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return 'malformed';
    default:
      // llhttp's parse errors: undici's HTTPParserError, whose HPE_* code is missing for some of them.
      return error instanceof errors.HTTPParserError || code.startsWith('HPE_') ? 'malformed' : 'connection';
  }
}

/** A `malformed` answer, said as what the target did: "<base URL> answered with …". */
export function describeMalformedResponse(baseUrl: string, error: unknown): { message: string; hint: string } {
  switch (errorCode(error)) {
    case 'UND_ERR_HEADERS_OVERFLOW':
      return {
        message: `${baseUrl} answered with response headers larger than the ${formatBytes(maxHeaderSize)} limit, so its answers cannot be read`,
        hint: `make the target's response headers smaller (a huge cookie or debug header?), or raise the limit: NODE_OPTIONS=--max-http-header-size=${maxHeaderSize * 4}`,
      };
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return {
        message: `${baseUrl} answered with a body whose length differs from its Content-Length`,
        hint: 'the target (or a proxy in front of it) sends a wrong Content-Length; fix the server, not roomgate’s settings',
      };
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return {
        message: `${baseUrl} answered with a body larger than the client's size limit`,
        hint: 'a VideoConnect answer is a few KB; check what the target sends back (a debug dump, a file?)',
      };
    default:
      return {
        message: `${baseUrl} answered with something that is not a valid HTTP/1.1 response (${(error as Error | null)?.message ?? String(error)})`,
        hint: 'check that --target points at an HTTP server (not TLS on an http:// URL, not another protocol on that port)',
      };
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}
