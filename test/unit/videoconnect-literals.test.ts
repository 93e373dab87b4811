import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN.md "VideoConnect lives in one profile": outside the reference server
 * and the built-in profile, no `/v1/rooms` path and no VideoConnect field name
 * may steer what roomgate sends or reads, or another API's gate, load and
 * participants would quietly talk VideoConnect. Only code is scanned (string
 * and template literals); comments may use VideoConnect as the example.
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

const VIDEOCONNECT_LITERALS = [/\/v1\/rooms/, /\broom_id\b/, /\bparticipant_count\b/, /\bmax_participants\b/, /\bjoin_url\b/];

/** Code that is VideoConnect by definition, each with the reason. */
const VIDEOCONNECT_BY_DESIGN: Readonly<Record<string, string>> = {
  'reference/': 'the embedded VideoConnect v1 server itself',
  'target/client.ts': "the typed VideoConnect client: the bundled pact's provider states and VideoConnect's participant webhook events",
  'target/api-types.ts': "that client's response types",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every literal text of a file with its line: strings, template heads, middles and tails. */
function literalsOf(file: string): { line: number; text: string }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { line: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      found.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('VideoConnect lives in one profile', () => {
  it('no /v1/rooms path or VideoConnect field name in src/ outside the reference server and its typed client', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const path = relative(SRC, file).split('\\').join('/');
      if (Object.keys(VIDEOCONNECT_BY_DESIGN).some((allowed) => path === allowed || (allowed.endsWith('/') && path.startsWith(allowed)))) continue;
      for (const { line, text } of literalsOf(file)) {
        const hit = VIDEOCONNECT_LITERALS.find((pattern) => pattern.test(text));
        if (hit !== undefined) offenders.push(`src/${path}:${line}: ${JSON.stringify(text.slice(0, 80))}`);
      }
    }
    expect(offenders.join('\n')).toBe('');
  });
});
