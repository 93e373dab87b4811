import type { Step } from '../model/step.js';
import { resolveAdapter, type AdapterInput } from './adapters/load-adapter.js';
import { createBrowserStep } from './browser-step.js';
import { hostNetworkCapabilities } from './cohorts/cohort-network.js';
import type { BrowserStepOptions } from './options.js';

/** Browser step options as a scenario gives them: the adapter may still be a module or file path. */
export type BrowserStepConfig = Omit<BrowserStepOptions, 'adapter'> & { adapter?: AdapterInput };

/**
 * The browser step from scenario or command-line options: loads the adapter
 * module or file first, so a missing or broken adapter is a config error
 * before anything runs, and with cohorts finds out what this host can do
 * for their networks (a throwaway namespace is tried), so a profile the
 * host cannot give, or a run not allowed to create namespaces, is a config
 * error (exit 2) before anything runs too. Relative paths are taken from the
 * current directory; the scenario loader has already made a scenario's paths
 * absolute (relative to the scenario file).
 */
export async function buildBrowserStep(options: BrowserStepConfig = {}): Promise<Step> {
  const { adapter, ...rest } = options;
  const networkCapabilities = rest.cohorts === undefined ? undefined : await hostNetworkCapabilities();
  return createBrowserStep(
    { ...rest, ...(adapter === undefined ? {} : { adapter: await resolveAdapter(adapter) }) },
    networkCapabilities === undefined ? {} : { networkCapabilities },
  );
}
