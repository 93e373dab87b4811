import { randomUUID } from 'node:crypto';
import { closest, distance } from 'fastest-levenshtein';
import { parseDuration } from '../config/duration.js';
import type { TemplateValue } from './types.js';

/**
 * Request templates: JSON values whose strings hold `{{placeholders}}`
 * (docs/profiles.md "Templates"). A string that is exactly one placeholder
 * keeps the variable's type (`"{{limit}}"` → 20, a number); placeholders in a
 * longer string are interpolated; a value that renders *unset* is dropped
 * from its object or array, so an optional `cursor` disappears on the first
 * page. Hand-written: the grammar is small and roomgate's own (typed single
 * placeholders, dropped keys, `now±duration` in the project's one duration
 * grammar), which no general template engine does.
 */

/** What a variable can hold: a scalar, nested variables (`room.id`), or unset. */
export type TemplateVariable = string | number | boolean | undefined | TemplateVariables;
export interface TemplateVariables {
  readonly [name: string]: TemplateVariable;
}

/** A rendered template: plain JSON. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface RenderContext {
  /** Epoch ms; default Date.now. Read once per render so every `{{now…}}` of one request agrees. */
  now?: () => number;
  /** Default crypto.randomUUID. */
  uuid?: () => string;
}

/** Every variable name a profile may use (the design's table); `now…` expressions are checked separately. */
export const TEMPLATE_VARIABLES = [
  'name',
  'uuid',
  'room.id',
  'room.name',
  'clientId',
  'participant.name',
  'limit',
  'cursor',
  'status',
  'maxParticipants',
  'private',
  'sink.url',
  'webhook.id',
] as const;
export type TemplateVariableName = (typeof TEMPLATE_VARIABLES)[number];

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const SINGLE = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const NOW = /^now(?:\s*([+-])\s*([0-9][0-9.a-z]*))?(?:\s*\|\s*(\w+))?$/;
const VARIABLE = /^([A-Za-z][\w.]*)(?:\s*\|\s*(\w+))?$/;

/** A parsed placeholder. */
export type Placeholder = { kind: 'now'; offsetMs: number; format: 'iso' | 'unix' | 'unixMs' } | { kind: 'variable'; name: string; format: 'as-is' | 'string' };

/** Parse the inside of `{{…}}`; a string is what is wrong with it. */
export function parsePlaceholder(expression: string): Placeholder | string {
  const now = NOW.exec(expression);
  if (now !== null) {
    const [, sign, duration, format = 'iso'] = now;
    if (format !== 'iso' && format !== 'unix' && format !== 'unixMs') return `{{${expression}}}: unknown format "${format}" (use iso, unix or unixMs)`;
    let offsetMs = 0;
    if (duration !== undefined) {
      const ms = parseDuration(duration);
      if (ms === undefined) return `{{${expression}}}: "${duration}" is not a duration (write e.g. 30s, 15m, 1h or 1h30m)`;
      offsetMs = sign === '-' ? -ms : ms;
    }
    return { kind: 'now', offsetMs, format };
  }
  const variable = VARIABLE.exec(expression);
  if (variable === null) return `{{${expression}}} is not a placeholder (write e.g. {{name}}, {{room.id}} or {{now+1h}})`;
  const [, name = '', format = 'as-is'] = variable;
  if (format !== 'as-is' && format !== 'string') return `{{${expression}}}: unknown format "${format}" (only |string, or |unix / |unixMs after now)`;
  return { kind: 'variable', name, format };
}

/** Every placeholder expression in a template, in order. */
export function placeholdersIn(template: TemplateValue | undefined): string[] {
  const found: string[] = [];
  const visit = (value: TemplateValue | undefined): void => {
    if (typeof value === 'string') for (const match of value.matchAll(PLACEHOLDER)) found.push(match[1] ?? '');
    else if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(visit);
  };
  visit(template);
  return found;
}

/**
 * What is wrong with the placeholders of `template` given the variables the
 * role provides (empty when nothing is): unknown names get a did-you-mean.
 */
export function templateProblems(template: TemplateValue | undefined, allowed: readonly string[]): string[] {
  const problems: string[] = [];
  for (const expression of placeholdersIn(template)) {
    const parsed = parsePlaceholder(expression);
    if (typeof parsed === 'string') {
      problems.push(parsed);
      continue;
    }
    if (parsed.kind === 'now' || allowed.includes(parsed.name)) continue;
    const known = (TEMPLATE_VARIABLES as readonly string[]).includes(parsed.name);
    if (known) {
      problems.push(`{{${parsed.name}}} has no value here (available: ${[...allowed, 'now'].map((n) => `{{${n}}}`).join(', ')})`);
      continue;
    }
    const guess = closest(parsed.name, [...allowed, 'now']);
    const near = distance(parsed.name, guess) <= Math.max(2, Math.floor(parsed.name.length / 3));
    problems.push(
      `unknown placeholder {{${parsed.name}}}${near ? `; did you mean {{${guess}}}?` : ''} (available here: ${[...allowed, 'now'].map((n) => `{{${n}}}`).join(', ')})`,
    );
  }
  return problems;
}

/** Render a template; undefined when the whole value is unset. */
export function renderTemplate(template: TemplateValue | undefined, variables: TemplateVariables, context: RenderContext = {}): JsonValue | undefined {
  if (template === undefined) return undefined;
  const now = (context.now ?? Date.now)();
  const uuid = context.uuid ?? randomUUID;
  const render = (value: TemplateValue): JsonValue | undefined => {
    if (typeof value === 'string') return renderString(value, variables, now, uuid);
    if (Array.isArray(value)) return value.map(render).filter((item): item is JsonValue => item !== undefined);
    if (typeof value === 'object' && value !== null) {
      const out: { [key: string]: JsonValue } = {};
      for (const [key, item] of Object.entries(value)) {
        const rendered = render(item);
        if (rendered !== undefined) out[key] = rendered;
      }
      return out;
    }
    return value;
  };
  return render(template);
}

function renderString(text: string, variables: TemplateVariables, now: number, uuid: () => string): JsonValue | undefined {
  const single = SINGLE.exec(text);
  if (single !== null) return evaluate(single[1] ?? '', variables, now, uuid);
  let unset = false;
  const out = text.replace(PLACEHOLDER, (_whole, expression: string) => {
    const value = evaluate(expression, variables, now, uuid);
    if (value === undefined) unset = true;
    return value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  });
  return unset ? undefined : out;
}

function evaluate(expression: string, variables: TemplateVariables, now: number, uuid: () => string): JsonValue | undefined {
  const placeholder = parsePlaceholder(expression);
  // Profiles are checked when loaded (templateProblems), so a bad placeholder here is a template built in code.
  if (typeof placeholder === 'string') throw new Error(placeholder);
  if (placeholder.kind === 'now') {
    const at = now + placeholder.offsetMs;
    if (placeholder.format === 'unix') return Math.floor(at / 1000);
    if (placeholder.format === 'unixMs') return at;
    return new Date(at).toISOString();
  }
  const value = placeholder.name === 'uuid' ? uuid() : lookup(variables, placeholder.name);
  if (value === undefined || typeof value === 'object') return undefined;
  return placeholder.format === 'string' ? String(value) : value;
}

function lookup(variables: TemplateVariables, name: string): TemplateVariable {
  let current: TemplateVariable = variables;
  for (const part of name.split('.')) {
    if (typeof current !== 'object') return undefined;
    current = current[part];
  }
  return current;
}
