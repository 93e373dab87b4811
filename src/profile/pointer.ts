/**
 * JSON Pointer (RFC 6901) reads into parsed JSON. Hand-written: the read is a
 * dozen lines, and the pointer libraries in node_modules (jsonpointer,
 * json-pointer) arrive only as transitive dependencies of other packages, so
 * roomgate could not rely on them being installed.
 */
import type { Pointer } from './types.js';

/** The pointer's reference tokens, unescaped (`~1` → `/`, then `~0` → `~`, in that order per §4). */
export function pointerTokens(pointer: Pointer): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`"${pointer}" is not a JSON Pointer (it must be empty or start with /)`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The pointer for these tokens (`['data', 0, 'a/b']` → `/data/0/a~1b`). */
export function formatPointer(tokens: readonly (string | number)[]): Pointer {
  return tokens.map((token) => `/${String(token).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** The value at `pointer` in `document`, or undefined when nothing is there. */
export function readPointer(document: unknown, pointer: Pointer): unknown {
  let current = document;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(current)) {
      // §4: an array index is 0 or digits without a leading zero; `-` (past the end) never exists for a read.
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      current = current[Number(token)];
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}
