/**
 * List cursors: opaque to clients, base64url of the last returned room's
 * insertion sequence. A stable position, so rooms created while a client pages
 * appear at the end instead of shifting pages.
 */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s${seq}`).toString('base64url');
}

/** undefined when the cursor is not one this server issued. */
export function decodeCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^s[1-9]\d{0,14}$/.test(text)) return undefined;
  // A round trip check rejects inputs that merely decode to something similar.
  if (encodeCursor(Number(text.slice(1))) !== cursor) return undefined;
  return Number(text.slice(1));
}
