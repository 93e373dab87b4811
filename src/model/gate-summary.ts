/**
 * `StepResult.summary` of the contract-gate steps (src/model/result.ts keys
 * each step kind to its summary type). The checks themselves are the result;
 * these are the few figures that say what the checks ran against.
 */

/** A `contract` or `webhooks` step: the document and seed it checked, and how many responses it read. */
export interface GateSummary {
  seed: number;
  /** The OpenAPI document the gate checked against (a path, as given). */
  spec: string;
  /** Responses the gate read and judged against the document. */
  requests: number;
}

/** A `pact` step: which pacts it verified, for which provider. */
export interface PactSummary {
  provider: string;
  /** `files`: the consumer pacts in `pacts`; `broker`: the pacts a Pact Broker holds for the provider. */
  source: 'files' | 'broker';
  pacts?: string[];
  brokerUrl?: string;
  /** Interactions cross-checked against the OpenAPI document (pact files only; a broker's are verified, not read). */
  interactions: number;
  /** Rooms the verification created on the target (provider states, the pact's creates), closed afterwards; any left open, with why. */
  rooms?: { created: number; closed: number; leftOpen: { id: string; why: string }[] };
}
