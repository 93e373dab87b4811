import { existsSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../../errors.js';
import type { Adapter } from '../options.js';
import { compileDeclarativeAdapter, loadAdapterFile, validateAdapter } from './declarative.js';
import { REFERENCE_ADAPTER } from './reference.js';
import type { PageAdapter } from './types.js';

/**
 * An adapter as a scenario or the CLI names it: a module or adapter-file path
 * (relative to the scenario file, or to the current directory on the CLI),
 * optionally with options for a module that exports a factory.
 */
export type AdapterReference = string | { module: string; options?: Record<string, unknown> };

/** Everything `BrowserStepOptions.adapter` accepts. */
export type AdapterInput = Adapter | PageAdapter | AdapterReference;

const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
const FILE_EXTENSIONS = ['.json', '.yaml', '.yml'];
const HOOKS = ['createRoom', 'deleteRoom', 'url', 'beforeLoad', 'join', 'leave'] as const;

/** Resolve any adapter input to a `PageAdapter` (loading modules and files); undefined → the reference page's adapter. */
export async function resolveAdapter(input: AdapterInput | undefined, baseDir: string = process.cwd()): Promise<PageAdapter> {
  if (input === undefined) return REFERENCE_ADAPTER;
  if (typeof input === 'string') return loadAdapterReference({ module: input }, baseDir);
  if (isReference(input)) return loadAdapterReference(input, baseDir);
  return toPageAdapter(input);
}

/** An adapter object (declarative or `PageAdapter`) as a validated `PageAdapter`. */
export function toPageAdapter(input: Adapter | PageAdapter, file?: string): PageAdapter {
  // A hook may live on a class's prototype: read it as a property, not an own key.
  const hasHooks = HOOKS.some((hook) => typeof Reflect.get(input, hook) === 'function');
  return hasHooks ? validatePageAdapter(input, file) : compileDeclarativeAdapter(validateAdapter(input, file));
}

/**
 * Node 20 cannot import TypeScript, so a .ts/.mts adapter goes through tsx's
 * loader (scoped to this one import, not registered for the whole process).
 * tsx is not a dependency of the package (it would pull esbuild into every
 * install): a project with TypeScript adapters has it already, or adds it.
 */
async function importModule(file: string): Promise<unknown> {
  const url = pathToFileURL(file).href;
  if (extname(file) !== '.ts' && extname(file) !== '.mts') return import(url);
  let tsx: { tsImport(specifier: string, parentUrl: string): Promise<unknown> };
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    throw new ConfigError('a TypeScript adapter needs tsx to load it, and tsx is not installed in this project', {
      file,
      hint: 'npm install --save-dev tsx, or compile the adapter to .js (or .mjs) and name that file',
    });
  }
  return tsx.tsImport(url, import.meta.url);
}

function isReference(input: object): input is { module: string; options?: Record<string, unknown> } {
  return typeof (input as Record<string, unknown>)['module'] === 'string';
}

async function loadAdapterReference(reference: { module: string; options?: Record<string, unknown> }, baseDir: string): Promise<PageAdapter> {
  const file = isAbsolute(reference.module) ? reference.module : resolve(baseDir, reference.module);
  const extension = extname(file);
  if (!existsSync(file)) {
    throw new ConfigError(`adapter file ${file} does not exist`, {
      path: 'adapter',
      hint: 'paths in a scenario are relative to the scenario file; on the CLI, to the current directory',
    });
  }
  if (FILE_EXTENSIONS.includes(extension)) {
    if (reference.options !== undefined)
      throw new ConfigError('adapter options need a module adapter (.ts/.js), not a JSON/YAML file', { file, path: 'adapter.options' });
    return toPageAdapter(await loadAdapterFile(file), file);
  }
  if (!MODULE_EXTENSIONS.includes(extension)) {
    throw new ConfigError(`adapter ${file}: unknown kind of file "${extension}"`, {
      file,
      hint: `a module (${MODULE_EXTENSIONS.join(', ')}) or a declarative file (${FILE_EXTENSIONS.join(', ')})`,
    });
  }
  let module: Record<string, unknown>;
  try {
    module = (await importModule(file)) as Record<string, unknown>;
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError(`cannot load adapter module: ${(cause as Error).message}`, { file, cause });
  }
  const exported = module['default'] ?? module['adapter'];
  if (exported === undefined) {
    throw new ConfigError('the adapter module exports neither `default` nor `adapter`', { file, hint: 'export default defineAdapter({ name, joined, ... })' });
  }
  let adapter: unknown = exported;
  if (typeof exported === 'function') {
    try {
      adapter = await (exported as (options: Record<string, unknown>) => unknown)(reference.options ?? {});
    } catch (cause) {
      if (cause instanceof ConfigError)
        throw new ConfigError(cause.message, { file, path: 'adapter.options', ...(cause.hint === undefined ? {} : { hint: cause.hint }), cause });
      throw new ConfigError(`the adapter factory failed: ${(cause as Error).message}`, { file, path: 'adapter.options', cause });
    }
  } else if (reference.options !== undefined) {
    throw new ConfigError('adapter options were given, but the module exports an adapter object, not a factory', {
      file,
      path: 'adapter.options',
      hint: 'export default (options) => defineAdapter({...})',
    });
  }
  if (typeof adapter !== 'object' || adapter === null) throw new ConfigError('the adapter module did not give an adapter object', { file });
  return toPageAdapter(adapter as PageAdapter, file);
}

/** Check a `PageAdapter` from a module: a name, valid predicates, and hooks that are functions. */
function validatePageAdapter(input: Adapter | PageAdapter, file?: string): PageAdapter {
  // What a module exported is known only at run time: its fields are read by name and checked.
  const v = (key: string): unknown => Reflect.get(input, key);
  const at = (path: string) => ({ ...(file === undefined ? {} : { file }), path });
  const name = v('name');
  if (typeof name !== 'string' || name === '') throw new ConfigError('an adapter needs a `name`', { ...at('adapter.name'), hint: "e.g. name: 'my join page'" });
  const known = ['name', 'joined', 'refused', 'chromiumArgs', 'loopbackUrls', ...HOOKS];
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) throw new ConfigError(`unknown adapter key "${key}"`, { ...at(`adapter.${key}`), hint: `a PageAdapter has ${known.join(', ')}` });
  }
  for (const hook of HOOKS) {
    if (v(hook) !== undefined && typeof v(hook) !== 'function') throw new ConfigError(`adapter.${hook} must be a function`, at(`adapter.${hook}`));
  }
  const chromiumArgs = v('chromiumArgs');
  if (chromiumArgs !== undefined && !(Array.isArray(chromiumArgs) && chromiumArgs.every((a) => typeof a === 'string'))) {
    throw new ConfigError('adapter.chromiumArgs must be a list of strings', at('adapter.chromiumArgs'));
  }
  const loopbackUrls = v('loopbackUrls');
  if (loopbackUrls !== undefined && !(Array.isArray(loopbackUrls) && loopbackUrls.every((a) => typeof a === 'string'))) {
    throw new ConfigError('adapter.loopbackUrls must be a list of URLs', at('adapter.loopbackUrls'));
  }
  // The predicates are the same as in the declarative form: reuse its checks.
  validateAdapter({ joined: v('joined'), ...(v('refused') === undefined ? {} : { refused: v('refused') }) }, file);
  return input as PageAdapter;
}
