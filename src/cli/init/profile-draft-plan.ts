import { dirname, join, relative, resolve, sep } from 'node:path';
import { schemaRootFor } from './init-files.js';

/**
 * Where `roomgate init --from-spec SPEC [--out FILE]` writes its draft and
 * how the draft names the document and the schema: both relative to the
 * profile file, since a profile resolves its paths from where it lives.
 */
export interface ProfileDraftPlan {
  /** The profile path as shown to the user (relative to the current directory when inside it). */
  out: string;
  outAbs: string;
  specRef: string;
  schemaRef: string;
  needsInstall: boolean;
}

export const DEFAULT_PROFILE_OUT = 'profile.yaml';

export function planProfileDraft(spec: string, out: string, cwd: string): ProfileDraftPlan {
  const outAbs = resolve(cwd, out);
  const from = dirname(outAbs);
  const posix = (path: string) => path.split(sep).join('/');
  const specRel = posix(relative(from, resolve(cwd, spec)));
  const { schemaRoot, needsInstall } = schemaRootFor(cwd);
  const shown = relative(cwd, outAbs);
  return {
    out: shown.startsWith('..') || shown === '' ? outAbs : posix(shown),
    outAbs,
    specRef: specRel.startsWith('.') ? specRel : `./${specRel}`,
    schemaRef: posix(relative(from, join(schemaRoot, 'schemas', 'profile.schema.json'))),
    needsInstall,
  };
}
