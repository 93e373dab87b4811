/** How a request that got no response failed; each kind is its own error counter. */
export type TransportErrorKind = 'timeout' | 'reset' | 'connection';

/** Classify an undici/net error by its code (never by message text). */
export function classifyTransportError(error: unknown): TransportErrorKind {
  const code = (error as { code?: string } | null)?.code ?? '';
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
    default:
      return 'connection';
  }
}
