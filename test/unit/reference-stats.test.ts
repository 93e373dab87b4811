import { describe, expect, it } from 'vitest';
import { http, withReferenceServer } from '../helpers/reference-http.js';

describe('reference server: stats()', () => {
  it('counts requests per operation and responses per status', async () => {
    await withReferenceServer({}, async (server, token) => {
      const { body: room } = await http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'a' } });
      for (let i = 0; i < 3; i += 1) await http(server.url, 'GET', `/v1/rooms/${room.room_id}`, { token });
      await http(server.url, 'GET', '/v1/rooms/rm_0000000000', { token });
      await http(server.url, 'GET', '/v1/rooms', { token });
      await http(server.url, 'POST', `/v1/rooms/${room.room_id}/join-tokens`, { token });
      await http(server.url, 'DELETE', `/v1/rooms/${room.room_id}`, { token });
      await http(server.url, 'GET', '/nowhere');
      const stats = server.stats();
      expect(stats.requests).toMatchObject({
        issue_token: 1,
        create_room: 1,
        get_room: 4,
        list_rooms: 1,
        delete_room: 1,
        create_join_token: 1,
        other: 1,
      });
      expect(stats.responsesByStatus).toEqual({ '200': 6, '201': 2, '404': 2 });
      expect(stats.rooms).toBe(1);
    });
  });
});
