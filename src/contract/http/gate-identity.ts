import type { Authenticator, ObtainedToken } from '../../profile/auth/authenticator.js';
import { tokenRequest } from '../../profile/auth/client-credentials.js';
import { createAuthenticator } from '../../profile/auth/create-authenticator.js';
import type { HttpAnswer } from '../../profile/http-exchange.js';
import type { RoomRequest } from '../../profile/request-builder.js';
import type { TargetProfile } from '../../profile/types.js';
import { requiredHeadersFor } from '../../spec/required-headers.js';
import type { SpecIndex } from '../../spec/spec-index.js';
import type { Credentials } from '../../target/target.js';
import { describeExchange, UnexpectedResponse } from '../check.js';
import { Exchanger, type Exchange, type ExchangeObserver, type OutgoingRequest } from './exchange.js';

/**
 * One API client of the target as the gate sees it: an Exchanger whose
 * requests carry this client's credentials the way the profile says (a
 * client-credentials token, a static key, Basic, an API-key header, a
 * self-signed JWT). For client credentials the token request itself goes
 * through the same Exchanger, so its answers are judged like every other
 * (conformance, the readable-response tally) and a broken token endpoint is
 * evidence, not an exception.
 *
 * The refresh margin is a fixed 2 s rather than the token cache's 10 %: JWT
 * `exp` has whole-second resolution, so a token announced as 3 s may live
 * only 2; the embedded server issues the gate 3 s tokens.
 *
 * A failed token request is remembered: when the token endpoint is broken
 * every check fails fast with the same evidence instead of each waiting out
 * its own timeout.
 */
export interface GateIdentityOptions {
  baseUrl: string;
  profile: TargetProfile;
  spec: SpecIndex;
  credentials: Credentials;
  timeoutMs: number;
  maxBodyBytes: number;
  /** Watch every exchange of this identity (conformance, rate-limit headers). */
  observers?: readonly ExchangeObserver[];
  /** How messages name this client when its credentials are refused ("the second client (id)"). */
  label?: string;
  /**
   * Where the credentials came from, when they are the run's input rather than
   * the target's promise (a second client's flags): a refused token request is
   * then no verdict on the target (the check errors) and the message says
   * what to fix.
   */
  credentialsHint?: string;
}

/** The first token this identity obtained (or minted), kept for the expired-token check. */
export interface AgingToken {
  token: string;
  issuedAtMs: number;
  expiresInSeconds: number;
}

const REFRESH_BEFORE_MS = 2000;

export class GateIdentity {
  readonly http: Exchanger;
  readonly authenticator: Authenticator;
  readonly clientId: string;
  /** The first token obtained or minted (client-credentials, jwt); undefined for static credentials. */
  first: AgingToken | undefined;
  private failure: UnexpectedResponse | undefined;
  private lastTokenExchange: Exchange | undefined;

  constructor(private readonly options: GateIdentityOptions) {
    this.clientId = options.credentials.clientId;
    this.authenticator = createAuthenticator(options.profile, toProfileCredentials(options.credentials), {
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      refreshBeforeMs: REFRESH_BEFORE_MS,
      send: (request, signal) => this.sendTokenRequest(request, signal),
      onToken: (token: ObtainedToken) => {
        this.first ??= { token: token.value, issuedAtMs: token.obtainedAtMs, expiresInSeconds: token.expiresInSeconds };
      },
    });
    const tokenBased = this.authenticator.kind === 'client-credentials' || this.authenticator.kind === 'jwt';
    this.http = new Exchanger({
      baseUrl: options.baseUrl,
      authorize: (signal) => this.authorize(signal),
      ...(tokenBased ? { refreshCredentials: () => this.authenticator.invalidate() } : {}),
      secrets: () => this.authenticator.issued(),
      timeoutMs: options.timeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      defaultHeaders: requiredHeadersFor(options.spec),
    });
    for (const observer of options.observers ?? []) this.http.observe(observer);
  }

  /** The headers that authenticate a request as this client; a refused token request fails the check that needed it, with its evidence. */
  async authorize(signal?: AbortSignal): Promise<Record<string, string>> {
    if (this.failure !== undefined) throw this.failure;
    try {
      return await this.authenticator.headers(signal);
    } catch (error) {
      if (signal?.aborted === true) throw error;
      const exchange = this.lastTokenExchange;
      const who = this.options.label === undefined ? '' : ` for ${this.options.label}`;
      if (this.options.credentialsHint !== undefined) {
        const reason =
          exchange === undefined
            ? (error as Error).message.replace(/\.$/, '')
            : `${exchange.request.method} ${new URL(exchange.request.url).pathname} answered ${describeExchange(exchange)}`;
        throw new Error(`could not obtain an access token${who}: ${reason}; ${this.options.credentialsHint}`, { cause: error });
      }
      if (exchange === undefined) throw error;
      this.failure = new UnexpectedResponse(
        `could not obtain an access token${who}: ${exchange.request.method} ${new URL(exchange.request.url).pathname} answered ${describeExchange(exchange)}`,
        exchange,
        `a 2xx with the access token where the profile says (auth.token.accessToken)`,
      );
      throw this.failure;
    }
  }

  /**
   * A fresh, uncached token exchange for these credentials (default: this
   * client's own), as the profile's token operation takes them; undefined
   * when the profile's auth has no token operation.
   */
  issueToken(credentials: Credentials = this.options.credentials, signal?: AbortSignal): Promise<Exchange> | undefined {
    const { auth } = this.options.profile;
    if (auth.kind !== 'client-credentials') return undefined;
    const { request } = tokenRequest(auth.token, toProfileCredentials(credentials));
    return this.http.send({ ...outgoingOf(request), auth: false, ...(signal === undefined ? {} : { signal }) });
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async sendTokenRequest(request: RoomRequest, signal?: AbortSignal): Promise<HttpAnswer> {
    const exchange = await this.http.send({ ...outgoingOf(request), auth: false, ...(signal === undefined ? {} : { signal }) });
    this.lastTokenExchange = exchange;
    if (exchange.status === undefined) {
      throw new UnexpectedResponse(`the token request got no answer: ${describeExchange(exchange)}`, exchange, 'an answer to the token request');
    }
    return { status: exchange.status, headers: exchange.headers, text: exchange.bodyText, json: exchange.isJson ? exchange.json : undefined };
  }
}

/** How the second API client of a run is named, and what to fix when its credentials are refused. */
export const SECOND_CLIENT = (clientId: string) => ({
  label: `the second client (${clientId})`,
  credentialsHint: 'check --second-client-id and --second-client-secret',
});

/** A role request (RoomApi) as the Exchanger sends it: the rendered body verbatim, with its content type. */
export function outgoingOf(request: RoomRequest): OutgoingRequest {
  return {
    method: request.method,
    path: request.path,
    headers: request.headers,
    ...(request.body === undefined ? {} : { rawBody: request.body }),
  };
}

/** The target's pair as the profile's authenticators take it (an empty id is no id: a static API key). */
function toProfileCredentials(credentials: Credentials): { id: string | undefined; secret: string } {
  return { id: credentials.clientId === '' ? undefined : credentials.clientId, secret: credentials.clientSecret };
}
