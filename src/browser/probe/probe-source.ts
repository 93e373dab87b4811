import { readFileSync } from 'node:fs';
import { RUNTIME_ASSETS } from '../../package-assets.js';
import type { PagePredicate, RefusalPredicate } from '../options.js';

let cached: string | undefined;

/** probe.js as a string, read once (see the file's header for why it is plain JS). */
export function probeSource(): string {
  cached ??= readFileSync(RUNTIME_ASSETS.probeScript, 'utf8');
  return cached;
}

/** What the probe reads from window.__roomgateConfig: the adapter's predicates. */
export interface ProbeConfig {
  joined: PagePredicate;
  refused: readonly RefusalPredicate[];
  statsPollMs?: number;
}

/** The script that sets the probe's config, injected just before the probe. */
export function probeConfigSource(config: ProbeConfig): string {
  return `window.__roomgateConfig = ${JSON.stringify(config)};`;
}
