import { UsageError } from '../../errors.js';

/** Where the pacts to verify come from. */
export type PactSource =
  | { kind: 'files'; pactUrls: string[] }
  | {
      kind: 'broker';
      brokerUrl: string;
      /** Pact Broker consumer version selectors; default: the consumers' main branch and what is deployed or released. */
      consumerVersionSelectors?: ConsumerVersionSelector[];
      /** Publish the verification result to the broker; needs `providerVersion`. Off unless asked. */
      publishVerificationResult?: boolean;
      providerVersion?: string;
      providerVersionBranch?: string;
      /** Pending pacts never fail the build (the broker's recommended workflow). Default true. */
      enablePending?: boolean;
    };

/** A subset of Pact's ConsumerVersionSelector (the JSON the broker takes). */
export interface ConsumerVersionSelector {
  mainBranch?: boolean;
  branch?: string;
  deployedOrReleased?: boolean;
  deployed?: boolean;
  released?: boolean;
  environment?: string;
  consumer?: string;
  matchingBranch?: boolean;
  tag?: string;
  latest?: boolean;
}

/** The broker's own recommended default selectors (docs.pact.io, "Recommended configuration"). */
export const DEFAULT_CONSUMER_VERSION_SELECTORS: ConsumerVersionSelector[] = [{ mainBranch: true }, { deployedOrReleased: true }];

/** Environment variables the broker credentials are read from (never flags: flags land in shell history and `ps`). */
export const BROKER_ENV = {
  token: 'PACT_BROKER_TOKEN',
  username: 'PACT_BROKER_USERNAME',
  password: 'PACT_BROKER_PASSWORD',
} as const;

/** The serializable part of @pact-foundation/pact's VerifierOptions that roomgate sets (handlers are added in the child). */
export interface MappedVerifierOptions {
  provider: string;
  providerBaseUrl: string;
  logLevel: 'error';
  timeout: number;
  pactUrls?: string[];
  pactBrokerUrl?: string;
  pactBrokerToken?: string;
  pactBrokerUsername?: string;
  pactBrokerPassword?: string;
  consumerVersionSelectors?: ConsumerVersionSelector[];
  enablePending?: boolean;
  /** Present (true) only when publishing: pact-core validates the key's presence, even when false. */
  publishVerificationResult?: true;
  providerVersion?: string;
  providerVersionBranch?: string;
}

/**
 * Maps roomgate's pact source onto Pact v16 Verifier options. Broker
 * credentials come only from the environment; `publishVerificationResult`
 * is false unless explicitly asked for, and then Pact requires a provider
 * version (checked here, so the user gets a usage error rather than a Pact
 * stack trace).
 */
export function verifierOptionsFor(
  source: PactSource,
  base: { provider: string; providerBaseUrl: string; timeoutMs: number },
  env: Record<string, string | undefined>,
): MappedVerifierOptions {
  const common = { provider: base.provider, providerBaseUrl: base.providerBaseUrl, logLevel: 'error' as const, timeout: base.timeoutMs };
  if (source.kind === 'files') return { ...common, pactUrls: source.pactUrls };

  let url: URL;
  try {
    url = new URL(source.brokerUrl);
  } catch {
    throw new UsageError(`--pact-broker-url "${source.brokerUrl}" is not a URL`, { hint: "pass the broker's base URL, e.g. https://your-org.pactflow.io" });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--pact-broker-url must be http(s), got ${url.protocol}`);
  }
  const publish = source.publishVerificationResult === true;
  if (publish && (source.providerVersion === undefined || source.providerVersion === '')) {
    throw new UsageError('publishing verification results needs the provider version', {
      hint: 'add --provider-version (e.g. your git commit SHA), or drop --publish-verification-results',
    });
  }
  const token = nonEmpty(env[BROKER_ENV.token]);
  const username = nonEmpty(env[BROKER_ENV.username]);
  const password = nonEmpty(env[BROKER_ENV.password]);
  if (token !== undefined && (username !== undefined || password !== undefined)) {
    throw new UsageError(`set either ${BROKER_ENV.token} or ${BROKER_ENV.username}/${BROKER_ENV.password}, not both`);
  }
  if ((username === undefined) !== (password === undefined)) {
    throw new UsageError(`${BROKER_ENV.username} and ${BROKER_ENV.password} go together`);
  }
  return {
    ...common,
    pactBrokerUrl: source.brokerUrl.replace(/\/+$/, ''),
    ...(token === undefined ? {} : { pactBrokerToken: token }),
    ...(username === undefined || password === undefined ? {} : { pactBrokerUsername: username, pactBrokerPassword: password }),
    consumerVersionSelectors: source.consumerVersionSelectors ?? DEFAULT_CONSUMER_VERSION_SELECTORS,
    enablePending: source.enablePending ?? true,
    ...(publish ? { publishVerificationResult: true as const } : {}),
    ...(source.providerVersion === undefined ? {} : { providerVersion: source.providerVersion }),
    ...(source.providerVersionBranch === undefined ? {} : { providerVersionBranch: source.providerVersionBranch }),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
