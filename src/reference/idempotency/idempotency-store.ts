import { createHash } from 'node:crypto';

/**
 * Idempotency-Key bookkeeping (draft-ietf-httpapi-idempotency-key-header):
 * per client and key, the request fingerprint and, once it completed, the
 * response to replay. Bounded (oldest entries evicted first) and expiring.
 */

export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

type Entry =
  { state: 'in-flight'; fingerprint: string; expiresAtMs: number } | { state: 'completed'; fingerprint: string; expiresAtMs: number; response: StoredResponse };

export type IdempotencyClaim =
  | { kind: 'proceed'; complete(response: StoredResponse): void; abandon(): void }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'in-flight' }
  | { kind: 'reused' };

export interface IdempotencyStoreOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: IdempotencyStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? IDEMPOTENCY_TTL_MS;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Claim `key` for a request with `fingerprint`. `proceed` means: do the work,
   * then `complete` (the response is stored for replays) or `abandon` (a
   * failed attempt may be retried with the same key).
   */
  claim(clientId: string, key: string, fingerprint: string): IdempotencyClaim {
    const id = `${clientId}\u0000${key}`;
    const now = this.now();
    const existing = this.entries.get(id);
    if (existing !== undefined && existing.expiresAtMs > now) {
      if (existing.fingerprint !== fingerprint) return { kind: 'reused' };
      if (existing.state === 'in-flight') return { kind: 'in-flight' };
      return { kind: 'replay', response: existing.response };
    }
    if (existing !== undefined) this.entries.delete(id);
    this.evict(now);
    const expiresAtMs = now + this.ttlMs;
    const entry: Entry = { state: 'in-flight', fingerprint, expiresAtMs };
    this.entries.set(id, entry);
    return {
      kind: 'proceed',
      complete: (response) => {
        if (this.entries.get(id) === entry) this.entries.set(id, { state: 'completed', fingerprint, expiresAtMs, response });
      },
      abandon: () => {
        if (this.entries.get(id) === entry) this.entries.delete(id);
      },
    };
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(now: number): void {
    // Entries are in insertion order, which is also expiry order (one TTL for all).
    for (const [id, entry] of this.entries) {
      if (entry.expiresAtMs > now && this.entries.size < this.maxEntries) break;
      this.entries.delete(id);
    }
  }
}

/** A fingerprint of a JSON body that does not depend on key order or whitespace. */
export function fingerprintOf(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('base64url');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}

/**
 * The header's value: the draft defines it as a Structured Field String
 * (`"abc"`); unquoted tokens are accepted too, as most clients send them.
 * undefined when the header is absent; null when it is malformed.
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined | null {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) return null;
  let key = header.trim();
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
  if (key.length < 1 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key) || key.includes('"')) return null;
  return key;
}
