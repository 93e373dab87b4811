/**
 * Where a run points: the API's base URL (under which `/v1/...` lives) and the
 * client credentials. Secrets never leave this object in logs or reports; use
 * `describeTarget` to print one.
 */
export interface Credentials {
  clientId: string;
  clientSecret: string;
}

export interface Target {
  /** e.g. `http://127.0.0.1:4010`; no trailing slash; `/v1` is appended per request. */
  baseUrl: string;
  credentials: Credentials;
  /** True when roomgate started its own reference server for this run. */
  embedded: boolean;
}

export function describeTarget(target: Target): string {
  return `${target.baseUrl}${target.embedded ? ' (embedded reference server)' : ''} as client ${target.credentials.clientId}`;
}

/** Only loopback targets may be loaded hard by default; others need an explicit opt-in. */
export function isLoopback(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
