/**
 * The default bound on the spread of the shards' measured-phase starts. Its own
 * module so the CLI can show it in `--help` without loading the merge code.
 */
export const DEFAULT_MAX_SKEW_MS = 1000;
