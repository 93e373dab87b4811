import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { loadSpec } from '../spec/load-spec.js';
import { BUILTIN_PROFILE } from '../package-assets.js';
import { draftProfile } from './draft-profile.js';
import { loadBuiltinProfile, loadProfile, parseProfile } from './load-profile.js';
import type { TargetProfile } from './types.js';

/**
 * The profile a run uses when an OpenAPI document is named apart from the
 * profile (`--spec`, a contract step's `spec:`):
 *
 * - with a profile file of the user's: that file, its operations resolved
 *   against the named document;
 * - with no profile of the user's and the bundled VideoConnect document: the
 *   built-in profile;
 * - with no profile of the user's and another document: the profile
 *   `roomgate init --from-spec` would draft from it (roles from paths and
 *   operationIds, auth from securitySchemes, fields from the schemas), so a
 *   bare `--spec their.yaml` talks to their API, never to VideoConnect's
 *   paths. Its guesses are the same as the draft's; when they are wrong, the
 *   fix is to write the draft out and name it with `--profile`.
 */
export async function profileWithSpec(profile: TargetProfile | undefined, spec: string): Promise<TargetProfile> {
  if (profile !== undefined && sameFile(profile.spec.path, spec)) return profile;
  if (profile !== undefined && profile.file !== undefined && !isBuiltin(profile)) {
    return sameFile(profile.spec.path, spec) ? profile : loadProfile(profile.file, { spec });
  }
  const builtin = await loadBuiltinProfile();
  if (sameFile(builtin.spec.path, spec)) return builtin;
  return draftedProfile(spec);
}

/** The profile drafted from a document, loaded like a file would be (validated, operations resolved). */
export async function draftedProfile(spec: string): Promise<TargetProfile> {
  const document = await loadSpec(spec);
  const draft = draftProfile(document, { specRef: spec });
  const label = `${spec} (no --profile: a profile drafted from the document)`;
  try {
    // No file of the user's stands behind it: `file` stays unset, as for any profile parsed from text.
    const parsed = await parseProfile(draft.yaml, resolve(spec), { specDocument: { path: spec, document } });
    return { ...parsed, file: undefined };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`${label}: ${error.message}`, {
      file: spec,
      hint: `write the draft out with \`roomgate init --from-spec ${spec}\`, fix what it lists, and pass it with --profile`,
      cause: error,
    });
  }
}

/** Whether a profile is the built-in VideoConnect one (its file is the package's). */
export function isBuiltin(profile: TargetProfile): boolean {
  return profile.file !== undefined && sameFile(profile.file, BUILTIN_PROFILE);
}

function sameFile(a: string, b: string): boolean {
  return resolve(a) === resolve(b);
}
