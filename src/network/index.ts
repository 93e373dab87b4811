/**
 * Network cohorts: each cohort's participants run in a network namespace
 * whose link to the rest of the run is shaped (bandwidth, loss, delay,
 * blackouts). The pipeline:
 *
 *   detectNetworkCapabilities() → planNetworkLab(cohorts, { capabilities })   (exit 2 here, before any run)
 *   → createNetworkLab(plan, { exposePorts: [targetPort], signal })            (teardown on the runner's stack)
 *   → per cohort: chromiumExecutable(chromium) for puppeteer, playNetworkChanges() during the hold
 *   → lab.teardown()
 *
 * Imports nothing from browser/, load/, contract/ or cli/.
 */
export { detectNetworkCapabilities, type Capability, type NetworkCapabilities } from './capabilities.js';
export { planNetworkLab, describeConditions, type NetworkLabPlan, type CohortLinkPlan, type PlanNetworkLabOptions } from './plan.js';
export type {
  NetworkProfile,
  NetworkConditions,
  NetworkChange,
  CohortNetworkSpec,
  PlannedShaping,
  PlannedConditions,
  PlannedChange,
  LossMechanism,
  RateMechanism,
} from './profile.js';
export { createNetworkLab, type NetworkLab, type CohortNetwork, type NetworkLabOptions } from './lab.js';
export { playNetworkChanges, type NetworkChangeEvent, type PlayNetworkChangesOptions } from './network-changes.js';
export { removeStaleNetworkLabs } from './stale-labs.js';
export { NetworkProfileError, NetworkLabError } from './network-errors.js';
export { parseBandwidth, parsePercent, formatBandwidth } from './quantities.js';
export { LAB_NAMESPACE_PREFIX } from './lab-names.js';
