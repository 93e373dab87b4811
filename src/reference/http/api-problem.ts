/**
 * Thrown by any route of the reference server to answer with the
 * `{error, message, status}` envelope. The server's single error handler
 * renders it (and every framework error) in that shape.
 */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. `Allow`, `Retry-After`, `WWW-Authenticate`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiProblem';
  }
}
