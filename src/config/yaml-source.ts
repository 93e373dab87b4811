import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError } from '../errors.js';

/**
 * A YAML file parsed with its source positions kept (yaml's parseDocument +
 * LineCounter), so every later error (schema, env, SLO) can name the line
 * the user has to edit.
 */
export interface YamlSource {
  /** The path as the user gave it (relative paths stay relative in messages). */
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export async function readYamlSource(file: string): Promise<YamlSource> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? 'no such file' : `cannot read: ${code ?? (error as Error).message}`, {
      file,
      hint: 'pass a scenario or suite file, e.g. `roomgate run suites/smoke.yaml` (see the scenarios/ and suites/ folders)',
      cause: error,
    });
  }
  return parseYamlSource(file, text);
}

export function parseYamlSource(file: string, text: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const line = first.linePos?.[0]?.line ?? lines.linePos(first.pos[0]).line;
    // yaml's message continues with a code frame; the first line says what is wrong.
    const message = (first.message.split('\n')[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`YAML syntax error: ${message}`, {
      file,
      line,
      hint: 'fix the YAML syntax at that line (indentation, a missing colon, an unclosed quote or bracket)',
    });
  }
  return { file, doc, lines };
}

/** The 1-based line of the node at `path` (or of its nearest existing ancestor). */
export function lineOf(source: YamlSource, path: readonly (string | number)[], options: { key?: string } = {}): number | undefined {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = source.doc.getIn(path.slice(0, depth), true) as Node | undefined;
    if (node === undefined || node === null) continue;
    if (options.key !== undefined && depth === path.length && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === options.key);
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range != null) return source.lines.linePos(keyNode.range[0]).line;
    }
    if (node.range != null) return source.lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** `['steps', 0, 'options', 'rate']` → `steps[0].options.rate`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  return out;
}

/** JSON pointer (ajv's instancePath) → path segments, array indexes as numbers. */
export function pointerToPath(source: YamlSource, pointer: string): (string | number)[] {
  if (pointer === '') return [];
  const segments = pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const path: (string | number)[] = [];
  for (const segment of segments) {
    const parent = source.doc.getIn(path, true);
    path.push(isSeq(parent) && /^\d+$/.test(segment) ? Number(segment) : segment);
  }
  return path;
}
