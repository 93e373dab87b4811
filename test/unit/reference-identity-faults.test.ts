import { describe, expect, it } from 'vitest';
import { FAULTS, type FaultName } from '../../src/reference/faults.js';
import { http, startTwoClientServer } from '../helpers/reference-http.js';

/**
 * The identity faults of the reference server, probed as two API clients
 * (alice owns, bob is the other client): on the clean server every promise
 * holds; each fault breaks exactly its own, and the others still hold.
 */
type Probe = (url: string, alice: string, bob: string) => Promise<boolean>;

const createRoom = async (url: string, token: string, json: unknown = { name: 'Alice only' }) =>
  (await http(url, 'POST', '/v1/rooms', { token, json })).body as { room_id: string };

/** Each promise, as "does it still hold?". */
const PROBES: Record<string, Probe> = {
  'another client cannot read a room': async (url, alice, bob) => {
    const { room_id: id } = await createRoom(url, alice);
    // Twice: the first request verifies bob's token through fastify, the second takes the GET hot path.
    const answers = [await http(url, 'GET', `/v1/rooms/${id}`, { token: bob }), await http(url, 'GET', `/v1/rooms/${id}`, { token: bob })];
    return answers.every((a) => a.status === 404 && a.body.error === 'room_not_found');
  },
  'another client cannot close a room': async (url, alice, bob) => {
    const { room_id: id } = await createRoom(url, alice);
    const refused = (await http(url, 'DELETE', `/v1/rooms/${id}`, { token: bob })).status === 404;
    return refused && (await http(url, 'GET', `/v1/rooms/${id}`, { token: alice })).body.status === 'waiting';
  },
  'another client cannot mint a join token': async (url, alice, bob) => {
    const { room_id: id } = await createRoom(url, alice);
    return (await http(url, 'POST', `/v1/rooms/${id}/join-tokens`, { token: bob, json: {} })).status === 404;
  },
  'another client cannot delete a webhook subscription': async (url, alice, bob) => {
    const { webhook_id: id } = (await http(url, 'POST', '/v1/webhooks', { token: alice, json: { url: 'http://127.0.0.1:9/hook', events: ['room.closed'] } }))
      .body as { webhook_id: string };
    const refused = (await http(url, 'DELETE', `/v1/webhooks/${id}`, { token: bob })).status === 404;
    const listed = (await http(url, 'GET', '/v1/webhooks', { token: alice })).body.data as { webhook_id: string }[];
    return refused && listed.some((w) => w.webhook_id === id);
  },
  "another client's list never shows a room": async (url, alice, bob) => {
    const { room_id: id } = await createRoom(url, alice);
    const page = (await http(url, 'GET', '/v1/rooms?limit=100', { token: bob })).body.data as { room_id: string }[];
    return !page.some((r) => r.room_id === id);
  },
  'a client-sent status is not taken on create': async (url, alice) => {
    const answer = await http(url, 'POST', '/v1/rooms', { token: alice, json: { name: 'Closed from the start?', status: 'closed' } });
    return answer.status === 400 && answer.body.error === 'invalid_request';
  },
};

const BROKEN_BY: Record<string, FaultName> = {
  'another client cannot read a room': 'cross-client-read',
  'another client cannot close a room': 'cross-client-close',
  'another client cannot mint a join token': 'cross-client-join-token',
  'another client cannot delete a webhook subscription': 'cross-client-webhook-delete',
  "another client's list never shows a room": 'cross-client-list',
  'a client-sent status is not taken on create': 'read-only-status-writable',
};

async function holding(faults: FaultName[]): Promise<Record<string, boolean>> {
  const { server, alice, bob } = await startTwoClientServer({ faults });
  try {
    const held: Record<string, boolean> = {};
    for (const [promise, probe] of Object.entries(PROBES)) held[promise] = await probe(server.url, alice, bob);
    return held;
  } finally {
    await server.close();
  }
}

describe('reference server: identity faults', () => {
  it('keeps every identity promise when clean', async () => {
    expect(Object.values(await holding([])).every(Boolean)).toBe(true);
  });

  for (const [promise, fault] of Object.entries(BROKEN_BY)) {
    it(`${fault} breaks "${promise}" and no other identity promise`, async () => {
      expect(FAULTS[fault].caughtBy).toMatchObject({ step: 'contract', checks: [expect.stringMatching(/^identity\./)] });
      const held = await holding([fault]);
      expect(
        Object.entries(held)
          .filter(([, ok]) => !ok)
          .map(([p]) => p),
      ).toEqual([promise]);
    });
  }

  it('read-only-status-writable creates the room in the status sent, and keeps every other create rule', async () => {
    const { server, alice } = await startTwoClientServer({ faults: ['read-only-status-writable'] });
    try {
      const closed = await http(server.url, 'POST', '/v1/rooms', { token: alice, json: { name: 'Closed', status: 'closed' } });
      expect(closed.status).toBe(201);
      expect(closed.body).toMatchObject({ status: 'closed', participant_count: 0, duration_seconds: 0 });
      expect((await http(server.url, 'POST', '/v1/rooms', { token: alice, json: { name: 'x', status: 'open' } })).status).toBe(400);
      expect((await http(server.url, 'POST', '/v1/rooms', { token: alice, json: { name: 'x', participant_count: 9 } })).status).toBe(400);
      expect((await http(server.url, 'POST', '/v1/rooms', { token: alice, json: { name: 'x' } })).body.status).toBe('waiting');
    } finally {
      await server.close();
    }
  });

  it("cross-client-list pages through every client's rooms in creation order", async () => {
    const { server, alice, bob } = await startTwoClientServer({ faults: ['cross-client-list'] });
    try {
      const ids = [(await createRoom(server.url, alice)).room_id, (await createRoom(server.url, bob)).room_id, (await createRoom(server.url, alice)).room_id];
      const first = await http(server.url, 'GET', '/v1/rooms?limit=2', { token: bob });
      expect(first.body.data.map((r: { room_id: string }) => r.room_id)).toEqual(ids.slice(0, 2));
      const rest = await http(server.url, 'GET', `/v1/rooms?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`, { token: bob });
      expect(rest.body).toMatchObject({ data: [expect.objectContaining({ room_id: ids[2] })], next_cursor: null, has_more: false });
    } finally {
      await server.close();
    }
  });
});
