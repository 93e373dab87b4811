/**
 * The declarative adapter form (JSON/YAML: steps, joined, refused, leave),
 * validated by hand and compiled into a `PageAdapter`, so the participant
 * only ever drives the one typed interface.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'puppeteer-core';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../errors.js';
import { FAILURE_LABELS, type Adapter, type AdapterAction, type FailureLabel, type PagePredicate } from '../options.js';
import type { AdapterCallContext, PageAdapter, ParticipantInfo } from './types.js';

/** Load an adapter from a JSON or YAML file and validate its shape (errors name the file and path). */
export async function loadAdapterFile(file: string): Promise<Adapter> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read adapter file: ${(cause as Error).message}`, { file, hint: 'pass a JSON or YAML file to --adapter' });
  }
  let value: unknown;
  try {
    value = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new ConfigError(`adapter file is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(cause as Error).message}`, { file });
  }
  return validateAdapter(value, file);
}

/**
 * Check an adapter written by hand. Hand-written rather than a JSON Schema
 * because the messages can then say exactly which step or predicate is wrong
 * and what it should look like.
 */
export function validateAdapter(value: unknown, file?: string, basePath = 'adapter'): Adapter {
  const fail = (path: string, message: string, hint?: string): never => {
    throw new ConfigError(message, { ...(file === undefined ? {} : { file }), path, ...(hint === undefined ? {} : { hint }) });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(basePath, 'must be an object with at least `joined`');
  const v = value as Record<string, unknown>;
  const known = ['name', 'nameParam', 'steps', 'joined', 'refused', 'leave'];
  for (const key of Object.keys(v)) if (!known.includes(key)) fail(`${basePath}.${key}`, `unknown key "${key}"`, `an adapter has ${known.join(', ')}`);
  const predicate = (p: unknown, path: string): PagePredicate => {
    const o = p as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null) return fail(path, 'must be { selector } or { expression }');
    const hasSelector = typeof o['selector'] === 'string' && o['selector'] !== '';
    const hasExpression = typeof o['expression'] === 'string' && o['expression'] !== '';
    if (hasSelector === hasExpression)
      fail(path, 'needs exactly one of `selector` (CSS) or `expression` (JS)', 'e.g. joined: { selector: "#call[data-live]" }');
    return hasSelector ? { selector: o['selector'] as string } : { expression: o['expression'] as string };
  };
  const actions = (list: unknown, path: string): AdapterAction[] => {
    if (!Array.isArray(list)) return fail(path, 'must be a list of steps');
    return list.map((step, i) => {
      const s = step as Record<string, unknown>;
      const where = `${path}[${i}]`;
      const timeoutMs = s?.['timeoutMs'];
      if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || timeoutMs <= 0)) fail(`${where}.timeoutMs`, 'must be a positive number of ms');
      const t = timeoutMs === undefined ? {} : { timeoutMs: timeoutMs as number };
      if (typeof s?.['fill'] === 'string' && typeof s['text'] === 'string') return { fill: s['fill'], text: s['text'], ...t };
      if (typeof s?.['click'] === 'string') return { click: s['click'], ...t };
      if (typeof s?.['waitFor'] === 'string') return { waitFor: s['waitFor'], ...t };
      return fail(where, 'must be { fill: SELECTOR, text: TEXT }, { click: SELECTOR } or { waitFor: SELECTOR }');
    });
  };
  if (v['joined'] === undefined) fail(`${basePath}.joined`, 'is required', 'say how to tell the participant is in: { selector } or { expression }');
  const adapter: Adapter = { joined: predicate(v['joined'], `${basePath}.joined`) };
  if (v['name'] !== undefined) adapter.name = String(v['name']);
  if (v['nameParam'] !== undefined) {
    if (typeof v['nameParam'] !== 'string') fail(`${basePath}.nameParam`, 'must be a string');
    adapter.nameParam = v['nameParam'] as string;
  }
  if (v['steps'] !== undefined) adapter.steps = actions(v['steps'], `${basePath}.steps`);
  if (v['leave'] !== undefined) adapter.leave = actions(v['leave'], `${basePath}.leave`);
  if (v['refused'] !== undefined) {
    if (!Array.isArray(v['refused'])) fail(`${basePath}.refused`, 'must be a list');
    adapter.refused = (v['refused'] as unknown[]).map((r, i) => {
      const label = (r as Record<string, unknown>)?.['label'];
      if (label !== undefined && !FAILURE_LABELS.includes(label as FailureLabel)) {
        fail(`${basePath}.refused[${i}].label`, `unknown label "${String(label)}"`, `one of ${FAILURE_LABELS.join(', ')}`);
      }
      return { ...predicate(r, `${basePath}.refused[${i}]`), ...(label === undefined ? {} : { label: label as FailureLabel }) };
    });
  }
  return adapter;
}

/** A declarative adapter as a `PageAdapter`: its steps become `join`, `nameParam` becomes `url`. */
export function compileDeclarativeAdapter(spec: Adapter): PageAdapter {
  const { nameParam, steps, leave } = spec;
  return {
    name: spec.name ?? 'custom adapter',
    joined: spec.joined,
    ...(spec.refused === undefined ? {} : { refused: spec.refused }),
    ...(nameParam === undefined
      ? {}
      : {
          url: (p: ParticipantInfo) => {
            const url = new URL(p.joinUrl);
            url.searchParams.set(nameParam, p.name);
            return url.toString();
          },
        }),
    ...(steps === undefined || steps.length === 0 ? {} : { join: (page: Page, p: ParticipantInfo, c: AdapterCallContext) => runActions(page, steps, p, c) }),
    ...(leave === undefined || leave.length === 0 ? {} : { leave: (page: Page, p: ParticipantInfo, c: AdapterCallContext) => runActions(page, leave, p, c) }),
  };
}

/** Do the actions in order; the first that cannot be done throws with the action in the message. */
async function runActions(page: Page, actions: readonly AdapterAction[], p: ParticipantInfo, context: AdapterCallContext): Promise<void> {
  for (const action of actions) {
    const timeout = Math.max(1, Math.min(action.timeoutMs ?? 10_000, context.deadline - Date.now()));
    try {
      if ('fill' in action) {
        const text = action.text.replaceAll('{name}', p.name).replaceAll('{room}', p.room.label);
        await page.locator(action.fill).setTimeout(timeout).fill(text);
      } else if ('click' in action) {
        await page.locator(action.click).setTimeout(timeout).click();
      } else {
        await page.waitForSelector(action.waitFor, { timeout });
      }
    } catch (error) {
      throw new Error(`adapter step ${JSON.stringify(action)} failed: ${(error as Error).message}`);
    }
  }
}
