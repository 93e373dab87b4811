import type { GateFacts, GivenFacts } from '../../src/contract/check-preconditions.js';
import { loadBuiltinProfile } from '../../src/profile/load-profile.js';
import { profileWithSpec } from '../../src/profile/spec-profile.js';
import { SpecIndex } from '../../src/spec/spec-index.js';

/**
 * What the gate knows before it sends a request, for a document as the CLI
 * would take it: the built-in VideoConnect profile, or (for another document
 * and no profile) the one drafted from it.
 */
export async function gateFactsFor(spec?: string, given?: GivenFacts): Promise<GateFacts> {
  const profile = spec === undefined ? await loadBuiltinProfile() : await profileWithSpec(undefined, spec);
  return { spec: new SpecIndex(profile.spec.document), profile, ...(given === undefined ? {} : { given }) };
}

/** The facts of a profile file (`examples/daily/profile.yaml`) and its own document. */
export async function gateFactsForProfile(file: string, given?: GivenFacts): Promise<GateFacts> {
  const { loadProfile } = await import('../../src/profile/load-profile.js');
  const profile = await loadProfile(file);
  return { spec: new SpecIndex(profile.spec.document), profile, ...(given === undefined ? {} : { given }) };
}
