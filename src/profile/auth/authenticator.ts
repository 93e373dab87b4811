import type { Dispatcher } from 'undici';
import { announceIssuedSecret } from '../../issued-secrets.js';
import type { HttpAnswer } from '../http-exchange.js';
import type { RoomRequest } from '../request-builder.js';

/**
 * How a request to the target is authenticated, whatever the profile's auth
 * kind. Every kind keeps the values it put on the wire so the redaction layer
 * can remove them from logs and reports, and can be told that the target
 * refused its credential (a 401) so the next call fetches or mints a fresh one.
 */
export interface Authenticator {
  readonly kind: 'client-credentials' | 'bearer' | 'basic' | 'header' | 'jwt';
  /** The headers that authenticate one request (a cached token, refreshed before expiry, for the token kinds). */
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /**
   * Every secret value this authenticator holds or derived: the secret itself,
   * every access token obtained, every JWT minted, the Basic encoding. For
   * redaction; never print them.
   */
  issued(): readonly string[];
  /** Forget the current token (after a 401): the next headers() gets or mints a fresh one. A no-op for static credentials. */
  invalidate(): void;
}

/** The credential pair, resolved from the environment or the flags. */
export interface Credentials {
  /** Client id / API key id / account id; not every kind needs one. */
  id: string | undefined;
  secret: string;
}

export interface AuthenticatorOptions {
  /** The target, for kinds that call a token operation. */
  baseUrl: string;
  /** Per-request timeout of the token request; default 10 s. */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  /** Epoch ms; default Date.now (tests pass a clock to cross an expiry without sleeping). */
  now?: () => number;
  /**
   * How a token request reaches the target; default: undici, bounded by
   * `timeoutMs`. The contract gate passes its own exchanger here, so the token
   * operation's answers are judged like every other answer it receives.
   */
  send?: TokenTransport;
  /** Refresh a token this long before it expires (default: the token cache's own margin). */
  refreshBeforeMs?: number;
  /** Told of every token obtained or minted (the gate keeps the first one to see it expire). */
  onToken?: (token: ObtainedToken) => void;
}

/** Sends one token request and returns the answer, whatever its status. */
export type TokenTransport = (request: RoomRequest, signal?: AbortSignal) => Promise<HttpAnswer>;

/** A token as it was obtained: its value, when, and how long it is said to live. */
export interface ObtainedToken {
  value: string;
  obtainedAtMs: number;
  expiresInSeconds: number;
}

/** Collects issued values once each, in order. */
export class IssuedValues {
  private readonly values = new Set<string>();

  add(...values: string[]): void {
    for (const value of values) {
      if (value === '' || this.values.has(value)) continue;
      this.values.add(value);
      announceIssuedSecret(value);
    }
  }

  list(): readonly string[] {
    return [...this.values];
  }
}
