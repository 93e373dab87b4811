/**
 * What a check saw, kept so a failure can be understood and reproduced without
 * re-running: the request (secrets redacted), the response (body truncated),
 * what was expected, and a curl line.
 */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Body as sent, truncated; secrets redacted. */
  body?: string;
}

export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  /** Body as received, decoded as UTF-8 and truncated. */
  body?: string;
  /** True when `body` was cut short. */
  truncated?: boolean;
  durationMs?: number;
}

export interface Evidence {
  request?: RecordedRequest;
  response?: RecordedResponse;
  /** What the contract promises, in words. */
  expected: string;
  /** What happened instead, in words. */
  actual?: string;
  /** Where the expectation is written down (OpenAPI pointer, README rule, standard). */
  cites?: string[];
  /** A command that reproduces the request (token replaced by `$TOKEN`). */
  curl?: string;
}
