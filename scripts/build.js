#!/usr/bin/env node
// `npm run build` (and `prepack`): compile src/ to dist/ (JS, .d.ts, source
// maps with the sources inlined, since src/ is not shipped), then copy the
// assets tsc does not emit (plain-JS browser scripts, CSS) to the same
// relative places, and check every runtime asset is there. dist/ is removed
// first so a deleted source never survives as a stale .js in the package.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}src`;
const dist = `${root}dist`;

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: ['ignore', 2, 2] });
if (compiled.status !== 0) {
  process.stderr.write('build: tsc failed (see above)\n');
  process.exit(compiled.status ?? 1);
}

// Everything under src/ that is not TypeScript is a runtime asset.
cpSync(src, dist, { recursive: true, filter: (path) => !path.endsWith('.ts') });

const { RUNTIME_ASSETS } = await import(new URL('../dist/package-assets.js', import.meta.url).href);
const missing = Object.entries(RUNTIME_ASSETS).filter(([, path]) => !existsSync(path));
if (missing.length > 0) {
  process.stderr.write(`build: runtime assets missing from dist/: ${missing.map(([name, path]) => `${name} (${path})`).join(', ')}\n`);
  process.exit(1);
}
process.stderr.write(`build: dist/ ready (${Object.keys(RUNTIME_ASSETS).length} runtime assets checked)\n`);
