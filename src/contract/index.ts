/** The contract gate's public surface: steps for the runner and their serializable options. */
export { createContractStep, createWebhooksStep, resolveContractOptions, runContractGate } from './contract-step.js';
export { createPactStep } from './pact/pact-step.js';
export {
  CONTRACT_DEFAULTS,
  CONTRACT_GROUPS,
  DEFAULT_PACT_PATH,
  DEFAULT_SPEC_PATH,
  EMBEDDED_FOR_CONTRACT,
  type ContractGroup,
  type ContractStepOptions,
  type PactStepOptions,
  type WebhooksStepOptions,
} from './options.js';
