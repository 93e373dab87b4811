import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where roomgate finds its own files: the bundled contract, pacts, JSON
 * Schemas, suites and scenarios, and the browser/report assets. Everything
 * here resolves from this module's URL, never from the current directory, so
 * the installed package (`node_modules/roomgate/dist/…`) and the checkout
 * (`src/…` through tsx) find the same files: this file sits one level below
 * the package root in both layouts, and the build copies the non-TypeScript
 * assets to the same relative places under dist/.
 *
 * What the *user* names (`--spec`, suite and scenario paths, `--out`) is not
 * resolved here: it resolves from the current directory like any CLI path.
 */

/** The package's own directory (holds package.json, contracts/, schemas/, suites/, scenarios/). */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * True when this code runs from the TypeScript sources (tests, benches, the
 * checkout's bin through tsx), false from the compiled dist/. Decides how
 * child processes are started (the Pact verifier).
 */
export const RUNNING_FROM_SOURCES = import.meta.url.endsWith('.ts');

/**
 * roomgate's own version, from its package.json. (yargs' `.version()` with no
 * argument looks for the package.json nearest the current directory: in a
 * user's project it printed *their* version.)
 */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
}

/** A file of the package, by its path from the package root. */
export function packagePath(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments);
}

/** The published VideoConnect v1 OpenAPI document bundled with roomgate. */
export const BUNDLED_SPEC = packagePath('contracts', 'videoconnect.v1.openapi.yaml');
/** The consumer pact the roomgate client publishes, verified by the pact step. */
export const BUNDLED_PACT = packagePath('contracts', 'pacts', 'roomgate-videoconnect.json');
/** The built-in target profile (VideoConnect v1), a shipped file like any user's profile. */
export const BUILTIN_PROFILE = packagePath('profiles', 'videoconnect.yaml');
/** What `roomgate run` runs when given no file. */
export const BUNDLED_SMOKE_SUITE = packagePath('suites', 'smoke.yaml');

export type SchemaName = 'scenario' | 'suite' | 'profile';

/** The JSON Schema that validates scenario, suite or target profile files (also what editors use via `$schema`). */
export function schemaFile(name: SchemaName): string {
  return packagePath('schemas', `${name}.schema.json`);
}

const require = createRequire(import.meta.url);

/** Plain-JS and CSS assets read at runtime, by their place under src/ (and dist/). */
export const RUNTIME_ASSETS = {
  /** Injected into every browser participant page (src/browser/probe/probe.js). */
  probeScript: fileURLToPath(new URL('./browser/probe/probe.js', import.meta.url)),
  /** The reference join page's client (src/reference/join/client/join-client.js). */
  joinClient: fileURLToPath(new URL('./reference/join/client/join-client.js', import.meta.url)),
  /** report.html's page script and style. */
  reportApp: fileURLToPath(new URL('./report/html/report-app.js', import.meta.url)),
  reportCss: fileURLToPath(new URL('./report/html/report.css', import.meta.url)),
  /** uPlot, resolved from roomgate's own dependencies (not the user's). */
  get uplotJs(): string {
    return require.resolve('uplot/dist/uPlot.iife.min.js');
  },
  get uplotCss(): string {
    return require.resolve('uplot/dist/uPlot.min.css');
  },
} as const;

/**
 * A suite or scenario file the user named, resolved for `roomgate run`: from
 * the current directory first (the user's own files always win); when it
 * does not exist there and the same relative path is one of the bundled
 * `suites/` or `scenarios/`, the bundled file. So the README's
 * `roomgate run suites/pre-release.yaml` works in any project, and a user's
 * own `suites/pre-release.yaml` takes precedence.
 */
export function resolveRunFile(file: string, cwd = process.cwd()): { path: string; bundled: boolean } {
  const local = isAbsolute(file) ? file : join(cwd, file);
  if (isAbsolute(file) || existsSync(local)) return { path: file, bundled: false };
  const normalized = relative('.', file);
  if (!/^(suites|scenarios)[\\/][^\\/]+\.ya?ml$/.test(normalized)) return { path: file, bundled: false };
  const bundled = packagePath(normalized);
  return existsSync(bundled) ? { path: bundled, bundled: true } : { path: file, bundled: false };
}
