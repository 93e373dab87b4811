import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` random base62 characters (rejection sampling keeps them uniform). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** `rm_` + 10 base62 characters, like the seed's `rm_8xKp2mNqLz`. */
export function newRoomId(withPrefix = true): string {
  return `${withPrefix ? 'rm_' : ''}${randomBase62(10)}`;
}

export function newParticipantId(): string {
  return `pt_${randomBase62(12)}`;
}
