import { ConfigError } from '../errors.js';
import { EMBEDDED_FOR_CONTRACT } from '../contract/options.js';
import { LOCAL_CREDENTIALS } from '../reference/defaults.js';
import { isFaultName, FAULT_NAMES, type FaultName } from '../reference/faults.js';
import type { ReferenceServerOptions } from '../reference/server-types.js';
import { durationOption } from '../config/load-config.js';
import { dirname, isAbsolute, join } from 'node:path';
import { checkRemoteTarget, loadTargetProfile, resolveTarget, type ResolveOptions, type TargetFlags } from './resolve-target.js';
import type { Target } from '../target/target.js';
import type { ScenarioConfig } from '../config/types.js';
import type { TargetProfile } from '../profile/types.js';

/**
 * Where a scenario's steps point. Precedence: --target / ROOMGATE_TARGET, then
 * the scenario's `target.url`, then an embedded reference server started for
 * this scenario alone (with its `embedded:` options) and stopped after it.
 * A scenario with a contract step gets the contract gate's embedded defaults
 * (a small rate-limit quota, short tokens) unless it says otherwise.
 */
export interface OpenedTarget {
  target: Target;
  faults: string[];
  close(): Promise<void>;
}

export function checkEmbeddedFaults(scenario: ScenarioConfig): FaultName[] {
  const faults = scenario.embedded?.faults ?? [];
  for (const fault of faults) {
    if (!isFaultName(fault)) {
      throw new ConfigError(`unknown fault "${fault}"`, {
        file: scenario.file,
        path: 'embedded.faults',
        hint: `known faults: ${FAULT_NAMES.join(', ')}`,
      });
    }
  }
  return faults as FaultName[];
}

/**
 * Everything about a scenario's target that can be wrong without contacting
 * it (a URL that is not one, missing credentials, an unknown embedded fault),
 * checked while planning: exit 2 before any step runs or a report folder
 * exists, said once rather than once per step.
 */
export async function checkScenarioTarget(scenario: ScenarioConfig, flags: TargetFlags): Promise<TargetProfile> {
  // The profile first: a broken profile file is exit 2 at its line, and its auth kind says which credentials are needed.
  const profile = await loadTargetProfile({ profile: profileFor(scenario, flags), spec: flags.spec });
  const fromFlag = nonEmpty(flags.target);
  const url = fromFlag ?? nonEmpty(scenario.target?.url);
  if (url === undefined) {
    checkEmbeddedFaults(scenario);
    return profile;
  }
  checkRemoteTarget(
    url,
    credentialsFor(scenario, flags),
    fromFlag !== undefined ? '--target' : `target.url of ${scenario.file}`,
    flags.profile === undefined && scenario.target?.profile === undefined ? undefined : profile,
  );
  return profile;
}

function credentialsFor(scenario: ScenarioConfig, flags: TargetFlags): Pick<TargetFlags, 'clientId' | 'clientSecret'> {
  return {
    clientId: nonEmpty(flags.clientId) ?? nonEmpty(scenario.target?.clientId),
    clientSecret: nonEmpty(flags.clientSecret) ?? nonEmpty(scenario.target?.clientSecret),
  };
}

export async function openScenarioTarget(
  scenario: ScenarioConfig,
  flags: TargetFlags,
  resolve: ResolveOptions = {},
  loaded?: TargetProfile,
): Promise<OpenedTarget> {
  const url = nonEmpty(flags.target) ?? nonEmpty(scenario.target?.url);
  const profile = profileFor(scenario, flags);
  if (url !== undefined) {
    const requestTimeoutMs = flags.requestTimeoutMs ?? shortestRequestTimeout(scenario);
    const resolved = await resolveTarget(
      {
        target: url,
        ...credentialsFor(scenario, flags),
        ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
        ...(profile === undefined ? {} : { profile }),
        ...(flags.spec === undefined ? {} : { spec: flags.spec }),
        ...(loaded === undefined ? {} : { loadedProfile: loaded }),
      },
      {},
      resolve,
    );
    return { target: resolved.target, faults: [], close: resolved.close };
  }
  const faults = checkEmbeddedFaults(scenario);
  const hasContract = scenario.steps.some((s) => s.type === 'contract');
  const options: ReferenceServerOptions = { port: 0, host: '127.0.0.1', faults };
  const rateLimit = scenario.embedded?.rateLimit ?? (hasContract ? EMBEDDED_FOR_CONTRACT.rateLimit : undefined);
  if (rateLimit !== undefined) options.rateLimit = { ...rateLimit };
  const ttl = scenario.embedded?.tokenTtlSeconds ?? (hasContract ? EMBEDDED_FOR_CONTRACT.tokenTtlSeconds : undefined);
  if (ttl !== undefined) options.tokenTtlSeconds = ttl;
  const targetProfile = loaded ?? (await loadTargetProfile({ profile, spec: flags.spec }));
  const { createReferenceServer } = await import('../reference/server.js');
  const server = await createReferenceServer(options);
  return {
    target: { baseUrl: server.url, credentials: { ...LOCAL_CREDENTIALS }, embedded: true, profile: targetProfile },
    faults,
    close: () => server.close(),
  };
}

/** `--profile` (from the current directory), else the scenario's `target.profile` (relative to the scenario file). */
function profileFor(scenario: ScenarioConfig, flags: TargetFlags): string | undefined {
  const fromFlag = nonEmpty(flags.profile);
  if (fromFlag !== undefined) return fromFlag;
  const written = nonEmpty(scenario.target?.profile);
  return written === undefined || isAbsolute(written) ? written : join(dirname(scenario.file), written);
}

/** The scenario's own bound on a request (its steps' `requestTimeout`), the wait its first request gets too. */
function shortestRequestTimeout(scenario: ScenarioConfig): number | undefined {
  const timeouts = scenario.steps.map((step) => durationOption(step.options['requestTimeout'])).filter((ms): ms is number => ms !== undefined && ms > 0);
  return timeouts.length === 0 ? undefined : Math.min(...timeouts);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
