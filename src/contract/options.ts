import type { ConsumerVersionSelector } from './pact/verifier-options.js';
import { BUNDLED_PACT, BUNDLED_SPEC } from '../package-assets.js';

/**
 * Options of the contract-gate steps. Plain, serializable data (no functions,
 * no class instances) so a scenario YAML maps onto them one to one. Every field
 * is optional; the defaults are in `CONTRACT_DEFAULTS`.
 */

/** The check families of the contract step, in the order they run (rate-limits last: its burst spends quota). */
export const CONTRACT_GROUPS = [
  'schema',
  'envelope',
  'routing',
  'lifecycle',
  'auth',
  'coverage',
  'generated',
  'idempotency',
  'webhooks',
  'identity',
  'rate-limit',
] as const;
export type ContractGroup = (typeof CONTRACT_GROUPS)[number];

export interface ContractStepOptions {
  /**
   * Path of the OpenAPI document; default the target profile's own (`spec:`
   * of the profile; the built-in VideoConnect profile's is the bundled
   * contracts/videoconnect.v1.openapi.yaml). Another document re-resolves the
   * profile's operations against it; with no profile of the user's, a profile
   * is drafted from it (as `roomgate init --from-spec` would).
   */
  spec?: string;
  /** Seed of the generated cases; the same seed sends the same requests. Default 1. */
  seed?: number;
  /** Valid and invalid generated bodies per operation with a request body. Default 6 each. */
  casesPerOperation?: number;
  /** Run only these families (default: all of `CONTRACT_GROUPS`). */
  groups?: ContractGroup[];
  /** Per-request deadline for headers and body together, in ms. Default 5000. */
  requestTimeoutMs?: number;
  /** Largest response body read, in bytes; a longer body fails the check that saw it. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Most requests the rate-limit burst may send. A target whose quota is larger
   * has its burst check skipped (with a reason), never silently passed. Default 2000.
   */
  rateLimitBudget?: number;
  /** Concurrent duplicate requests sent with one Idempotency-Key. Default 8. */
  concurrentDuplicates?: number;
  /**
   * A second client's credentials, for "keys of one client never return another
   * client's response". Without it that check is skipped with a reason.
   */
  secondClient?: { clientId: string; clientSecret: string };
  /**
   * An access token known to be expired (correctly signed by the target). When
   * absent, the gate waits for a fresh token to expire if the target's
   * `expires_in` is at most `expiredTokenMaxWaitSeconds`; otherwise the
   * expired-token check is skipped with a reason.
   */
  expiredToken?: string;
  /** Longest the gate waits for its own token to expire. Default 5 s. */
  expiredTokenMaxWaitSeconds?: number;
  /**
   * Least share (0–100) of the coverage map's provokable cells (declared
   * responses, invalid inputs) that must be provoked; below it the
   * `coverage.minimum` check fails. Unset: the map is reported, never judged.
   */
  minCoverage?: number;
  /** Options of the `webhooks` group (also usable as its own step, see createWebhooksStep). */
  webhooks?: WebhooksStepOptions;
}

export interface WebhooksStepOptions {
  /** Path of the OpenAPI document whose `webhooks` section defines the payloads. */
  spec?: string;
  /** Deadline for each expected delivery after the API call that caused it (the seed's propagation budget). Default 5000 ms. */
  deliveryBudgetMs?: number;
  /** Allowed skew of `webhook-timestamp` from the sink's clock, in seconds. Default 300 (Standard Webhooks' default). */
  timestampToleranceSeconds?: number;
  /**
   * Participant events need someone to join a room (the browser step checks
   * them). The webhooks step marks them skipped unless this is true and the
   * caller drives joins itself.
   */
  expectParticipantEvents?: boolean;
  /** Per-request deadline for API calls, in ms. Default 5000. */
  requestTimeoutMs?: number;
}

export interface PactStepOptions {
  /** Pact files to verify; default the target profile's `conventions.pacts` (the built-in VideoConnect profile names the bundled pact; none: the step is skipped). */
  pacts?: string[];
  /** OpenAPI document the pact interactions are cross-checked against; default the target profile's. */
  spec?: string;
  /** Provider name as written in the pact. Default `videoconnect`. */
  provider?: string;
  /** Verification timeout in ms. Default 30000. */
  timeoutMs?: number;
  /**
   * Verify the pacts a Pact Broker (or PactFlow) holds for `provider` instead
   * of local files. Credentials come from PACT_BROKER_TOKEN (or
   * PACT_BROKER_USERNAME/PACT_BROKER_PASSWORD), never from options.
   */
  broker?: {
    url: string;
    /** Default: `[{mainBranch: true}, {deployedOrReleased: true}]`, the broker's recommended selectors. */
    consumerVersionSelectors?: ConsumerVersionSelector[];
    /** Off unless true; needs `providerVersion`. */
    publishVerificationResults?: boolean;
    providerVersion?: string;
    providerVersionBranch?: string;
  };
}

/** The bundled documents, resolved from the package (not the current directory). */
export const DEFAULT_SPEC_PATH = BUNDLED_SPEC;
export const DEFAULT_PACT_PATH = BUNDLED_PACT;

export const CONTRACT_DEFAULTS = {
  seed: 1,
  casesPerOperation: 6,
  requestTimeoutMs: 5000,
  maxBodyBytes: 1024 * 1024,
  rateLimitBudget: 2000,
  concurrentDuplicates: 8,
  expiredTokenMaxWaitSeconds: 5,
  deliveryBudgetMs: 5000,
  timestampToleranceSeconds: 300,
} as const;

/**
 * What the embedded reference server is started with for the gate: a modest
 * quota so the burst to 429 costs ~300 requests, and 3 s tokens so the
 * expired-token check can obtain a genuinely expired, correctly signed token.
 */
export const EMBEDDED_FOR_CONTRACT = {
  rateLimit: { quota: 300, windowSeconds: 10 },
  tokenTtlSeconds: 3,
} as const;
