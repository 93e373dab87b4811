import { describe, expect, it } from 'vitest';
import { ApiError, VideoConnectClient } from '../../src/target/client.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import { startReferenceServer } from '../helpers/reference-http.js';

/** How the typed client handles a 401 on an authenticated call: one retry with a fresh token, never a loop. */
describe('VideoConnectClient: 401 handling', () => {
  it('retries once with a fresh token when its cached token is refused (a restarted server has a new key)', async () => {
    const first = await startReferenceServer();
    const port = first.port;
    const client = new VideoConnectClient({ baseUrl: first.url, credentials: LOCAL_CREDENTIALS });
    await client.createRoom({ name: 'before restart' });
    await first.close();
    const second = await startReferenceServer({ port });
    try {
      const { room } = await client.createRoom({ name: 'after restart' });
      expect(room.name).toBe('after restart');
      // The stale token's 401, then the retry's 201: one room, nothing lost or doubled.
      expect(second.stats().requests['create_room']).toBe(2);
      expect(second.stats().responsesByStatus).toMatchObject({ '401': 1, '201': 1 });
      expect(second.stats().rooms).toBe(1);
    } finally {
      await second.close();
    }
  });

  it('gives up after the second 401 and reports it (tokens that are expired when issued)', async () => {
    const server = await startReferenceServer({ tokenTtlSeconds: 0 });
    try {
      const client = new VideoConnectClient({ baseUrl: server.url, credentials: LOCAL_CREDENTIALS });
      const error = await client.getRoom('rm_x').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 401, envelope: { error: 'invalid_token', status: 401 } });
      expect(server.stats().requests['get_room']).toBe(2);
    } finally {
      await server.close();
    }
  });
});
