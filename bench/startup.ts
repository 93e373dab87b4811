/**
 * Start-up time of `roomgate --help` and `roomgate --version`: the built
 * package (dist/, plain Node: what `npx roomgate` runs once installed) against
 * the checkout's sources through tsx (what `node bin/roomgate.js` runs here).
 * Rounds are interleaved (built, tsx, built, tsx, …) so both see the same
 * machine load; the figure is the median wall time of a whole process.
 *
 * Run: npx tsx bench/startup.ts [runs]   (default 15; builds dist/ first)
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 15);
const GOAL_MS = 350;

const build = spawnSync(process.execPath, ['scripts/build.js'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
if (build.status !== 0) throw new Error('npm run build failed');

// The floor: a Node process that does nothing, under the same load.
const variants = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'built --help', args: ['dist/cli/main.js', '--help'] },
  { name: 'tsx   --help', args: ['bin/roomgate.js', '--help'] },
  { name: 'built --version', args: ['dist/cli/main.js', '--version'] },
  { name: 'tsx   --version', args: ['bin/roomgate.js', '--version'] },
] as const;

function timeOnce(args: readonly string[]): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr.toString()}`);
  return ms;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
// One warm-up round each (file-system cache, tsx's transform cache), not counted.
for (const variant of variants) timeOnce(variant.args);
const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (let i = 0; i < runs; i += 1) {
  for (const variant of variants) samples.get(variant.name)!.push(timeOnce(variant.args));
}

const medians = new Map<string, number>();
console.log(`roomgate start-up, ${runs} interleaved runs each, Node ${process.version}, load average before: ${load}`);
console.log('variant           median      p10      p90');
for (const variant of variants) {
  const sorted = samples.get(variant.name)!.sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  medians.set(variant.name, median);
  console.log(
    `${variant.name.padEnd(16)} ${median.toFixed(0).padStart(6)} ms ${quantile(sorted, 0.1).toFixed(0).padStart(5)} ms ${quantile(sorted, 0.9).toFixed(0).padStart(5)} ms`,
  );
}
const floor = medians.get('node -e 0')!;
for (const flag of ['--help', '--version']) {
  const built = medians.get(`built ${flag}`)!;
  const tsx = medians.get(`tsx   ${flag}`)!;
  console.log(
    `${flag}: tsx / built = ${(tsx / built).toFixed(2)}x; built ${built <= GOAL_MS ? 'meets' : 'misses'} the ${GOAL_MS} ms goal (${(built - floor).toFixed(0)} ms above a bare node start)`,
  );
}
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
