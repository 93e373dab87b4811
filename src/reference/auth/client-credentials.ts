import { timingSafeEqual } from 'node:crypto';
import type { Credentials } from '../../target/target.js';

/** The API clients the server accepts; secrets compared in constant time. */
export class ClientRegistry {
  private readonly secrets = new Map<string, Buffer>();

  constructor(clients: readonly Credentials[]) {
    for (const client of clients) this.secrets.set(client.clientId, Buffer.from(client.clientSecret));
  }

  authenticate(clientId: unknown, clientSecret: unknown): boolean {
    if (typeof clientId !== 'string' || typeof clientSecret !== 'string') return false;
    const expected = this.secrets.get(clientId);
    const given = Buffer.from(clientSecret);
    if (expected === undefined || expected.length !== given.length) return false;
    return timingSafeEqual(expected, given);
  }
}
