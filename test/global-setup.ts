import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The e2e tests run the built CLI (dist/cli/main.js), as users of the package
 * do: starting it takes half the time of compiling the sources through tsx on
 * every spawn, and the suite spawns the CLI a few hundred times. The build is
 * `npm run build` itself (scripts/build.js), made once here before any test
 * file starts, and skipped when dist/ is newer than every file under src/
 * (running one test file twice does not rebuild).
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(ROOT, 'dist', '.built');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export default function buildOnce(): void {
  if (existsSync(STAMP) && statSync(STAMP).mtimeMs > newestSource(join(ROOT, 'src'))) return;
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.js')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) throw new Error('npm run build failed (see above): the e2e tests run the built CLI');
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}
