import { open } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError } from '../errors.js';
import { formatBytes } from '../format-bytes.js';
import { checkYamlStructure, DEFAULT_YAML_LIMITS, lineAtByte, type YamlLimits } from './yaml-limits.js';

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

export async function readYamlSource(file: string, limits: YamlLimits = DEFAULT_YAML_LIMITS): Promise<YamlSource> {
  let bytes: Buffer;
  try {
    bytes = await readAtMost(file, limits.maxBytes + 1);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? 'no such file' : `cannot read: ${code ?? (error as Error).message}`, {
      file,
      hint: 'pass a scenario or suite file, e.g. `roomgate run suites/smoke.yaml` (see the scenarios/ and suites/ folders)',
      cause: error,
    });
  }
  if (bytes.length > limits.maxBytes) throw tooLarge(file, bytes, limits);
  return parseYamlSource(file, bytes.toString('utf8'), limits);
}

/**
 * Read at most `max` bytes: a config path may name a multi-GB file or a
 * device that never ends (/dev/zero), and reading it whole is the failure.
 */
async function readAtMost(file: string, max: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(max, 64 * 1024));
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < max) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, max - total), null);
      if (bytesRead === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
      total += bytesRead;
    }
    return Buffer.concat(chunks);
  } finally {
    await handle.close();
  }
}

function tooLarge(file: string, bytes: Buffer, limits: YamlLimits): ConfigError {
  return new ConfigError(`is larger than ${formatBytes(limits.maxBytes)}; roomgate reads scenario and suite files up to that size`, {
    file,
    line: lineAtByte(bytes, limits.maxBytes),
    hint: 'a scenario or suite is a few KB: is this the right file? Long lists (e.g. joinUrls) belong in fewer, shorter entries',
  });
}

export function parseYamlSource(file: string, text: string, limits: YamlLimits = DEFAULT_YAML_LIMITS): YamlSource {
  if (Buffer.byteLength(text) > limits.maxBytes) throw tooLarge(file, Buffer.from(text), limits);
  const lines = new LineCounter();
  // uniqueKeys: false because yaml's check is quadratic; checkYamlStructure keeps duplicates an error, in linear time.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: false });
  const first = doc.errors[0];
  if (first !== undefined) {
    const line = first.linePos?.[0]?.line ?? lines.linePos(first.pos[0]).line;
    // yaml's message continues with a code frame; the first line says what is wrong.
    const message = (first.message.split('\n')[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, '');
    const tooDeep = message.startsWith('Maximum call stack size exceeded');
    throw new ConfigError(tooDeep ? 'YAML nested too deeply to read' : `YAML syntax error: ${message}`, {
      file,
      line,
      hint: tooDeep
        ? 'a scenario or suite nests a few levels deep: is this the right file?'
        : 'fix the YAML syntax at that line (indentation, a missing colon, an unclosed quote or bracket)',
    });
  }
  checkYamlStructure(doc, lines, file, limits);
  return { file, doc, lines };
}

/**
 * The document as plain data. yaml's own alias guard (maxAliasCount) is off:
 * checkYamlStructure already bounded the expanded size and named the line,
 * where yaml's guard throws a bare ReferenceError (and refuses an ordinary
 * anchor used more than 100 times).
 */
export function yamlData(source: YamlSource): unknown {
  return source.doc.toJS({ maxAliasCount: -1 });
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
