#!/usr/bin/env node
// The roomgate CLI entry.
//
// - Installed from npm (no src/ in the package): runs the compiled dist/,
//   plain Node, no loader.
// - In a checkout (src/ present, tsx installed as a dev dependency): runs the
//   TypeScript sources through tsx, so `npm ci && npx roomgate run` works on a
//   fresh clone without a build, and a developer never runs a stale dist/.
//   `node dist/cli/main.js` runs the build from a checkout after `npm run build`.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node >= 22.1 can cache compiled code on disk between runs (a faster start,
// like npm and tsc use it); Node 20 has no such API and starts as before.
module.enableCompileCache?.();

const sources = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return undefined; // a checkout installed without dev dependencies
  }
}

const tsx = existsSync(sources) ? await loadTsx() : undefined;
if (tsx !== undefined) {
  tsx.register();
  await import(sources.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write(
    'roomgate: neither dist/ (the build) nor tsx (to run the sources) is installed\n' +
      '  hint: in a checkout run `npm ci` (installs tsx) or `npm run build`; from npm, reinstall roomgate\n',
  );
  process.exit(2);
}
