import { fileURLToPath } from 'node:url';
import { MatchersV3, PactV3 } from '@pact-foundation/pact';
import { describe, expect, it } from 'vitest';
import { VideoConnectClient } from '../../src/target/client.js';
import { awaitRecordedMatches } from './await-recorded-matches.js';

/**
 * Consumer pact: roomgate's own typed client (the class every step uses)
 * against the Pact mock server. Writes contracts/pacts/roomgate-videoconnect.json,
 * which the provider verification replays against any target, with provider
 * states satisfied through the public API.
 */
const { like, regex, fromProviderState, integer, datetime } = MatchersV3;
const PACT_DIR = fileURLToPath(new URL('../../contracts/pacts', import.meta.url));
// Placeholders, never a real secret: provider verification swaps in the
// target's own credentials (src/contract/pact/credential-filter.ts).
const credentials = { clientId: 'placeholder-client-id', clientSecret: 'placeholder-client-secret' };

const tokenInteraction = {
  uponReceiving: 'a client-credentials token request',
  withRequest: {
    method: 'POST',
    path: '/v1/auth/token',
    headers: { 'content-type': 'application/json' },
    body: { client_id: credentials.clientId, client_secret: credentials.clientSecret },
  },
  willRespondWith: {
    status: 200,
    body: { access_token: regex('^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$', 'aaa.bbb.ccc'), token_type: 'Bearer', expires_in: integer(3600) },
  },
};

const room = (id: unknown, status: string) => ({
  room_id: id,
  name: like('standup'),
  status,
  max_participants: integer(10),
  is_private: like(false),
  recording: like(false),
  join_url: like('http://127.0.0.1:4010/join/rm_8xKp2mNqLz'),
  participant_count: integer(0),
  duration_seconds: integer(0),
  created_at: datetime("yyyy-MM-dd'T'HH:mm:ss.SSSX", '2025-01-01T00:00:00.000Z'),
});

// Response content types are left to the OpenAPI checks: Pact's header matcher compares the
// media-type parameters too, so a charset difference would fail an otherwise equal response.
const newPact = () => new PactV3({ consumer: 'roomgate', provider: 'videoconnect', dir: PACT_DIR, logLevel: 'warn' });
const auth = { authorization: regex('^Bearer .+', 'Bearer aaa.bbb.ccc') };

describe('VideoConnectClient as a Pact consumer', () => {
  it('creates a room', async () => {
    const pact = newPact();
    pact.addInteraction(tokenInteraction);
    pact.addInteraction({
      uponReceiving: 'a request to create a room',
      withRequest: {
        method: 'POST',
        path: '/v1/rooms',
        headers: { ...auth, 'content-type': 'application/json' },
        body: { name: 'standup', max_participants: 4 },
      },
      willRespondWith: {
        status: 201,
        headers: { location: regex('^/v1/rooms/rm_[0-9A-Za-z]+$', '/v1/rooms/rm_8xKp2mNqLz') },
        body: { ...room(regex('^rm_[0-9A-Za-z]{10}$', 'rm_8xKp2mNqLz'), 'waiting'), name: 'standup', max_participants: 4 },
      },
    });
    await pact.executeTest(async (mock) => {
      const client = new VideoConnectClient({ baseUrl: mock.url, credentials });
      const created = await client.createRoom({ name: 'standup', max_participants: 4 });
      expect(created.room.room_id).toMatch(/^rm_/);
      expect(created.location).toBe(`/v1/rooms/${created.room.room_id}`);
      await awaitRecordedMatches(pact, mock.port);
    });
  });

  it('reads and closes an existing room', async () => {
    const pact = newPact();
    pact.addInteraction(tokenInteraction);
    pact.addInteraction({
      states: [{ description: 'a room exists' }],
      uponReceiving: 'a request for an existing room',
      withRequest: { method: 'GET', path: fromProviderState('/v1/rooms/${room_id}', '/v1/rooms/rm_8xKp2mNqLz'), headers: auth },
      willRespondWith: { status: 200, body: room(fromProviderState('${room_id}', 'rm_8xKp2mNqLz'), 'waiting') },
    });
    pact.addInteraction({
      states: [{ description: 'a room exists' }],
      uponReceiving: 'a request to close an existing room',
      withRequest: { method: 'DELETE', path: fromProviderState('/v1/rooms/${room_id}', '/v1/rooms/rm_8xKp2mNqLz'), headers: auth },
      willRespondWith: { status: 200, body: { message: regex('^Room \\S+ has been closed\\.$', 'Room rm_8xKp2mNqLz has been closed.') } },
    });
    await pact.executeTest(async (mock) => {
      const client = new VideoConnectClient({ baseUrl: mock.url, credentials });
      const got = await client.getRoom('rm_8xKp2mNqLz');
      expect(got.status).toBe('waiting');
      const closed = await client.deleteRoom('rm_8xKp2mNqLz');
      expect(closed.message).toBe('Room rm_8xKp2mNqLz has been closed.');
      await awaitRecordedMatches(pact, mock.port);
    });
  });

  it('gets room_not_found in the error envelope for an unknown room', async () => {
    const pact = newPact();
    pact.addInteraction(tokenInteraction);
    pact.addInteraction({
      uponReceiving: 'a request for a room that does not exist',
      withRequest: { method: 'GET', path: '/v1/rooms/rm_doesnotexist0', headers: auth },
      willRespondWith: { status: 404, body: { error: 'room_not_found', message: like('No room with id rm_doesnotexist0 exists.'), status: 404 } },
    });
    await pact.executeTest(async (mock) => {
      const client = new VideoConnectClient({ baseUrl: mock.url, credentials });
      await expect(client.getRoom('rm_doesnotexist0')).rejects.toMatchObject({ status: 404, envelope: { error: 'room_not_found', status: 404 } });
      await awaitRecordedMatches(pact, mock.port);
    });
  });
});
