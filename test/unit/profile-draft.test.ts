import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load-spec.js';
import { BUNDLED_SPEC } from '../../src/package-assets.js';
import { draftProfile } from '../../src/profile/draft-profile.js';
import { loadBuiltinProfile, parseProfile } from '../../src/profile/load-profile.js';
import { createProfileClient } from '../../src/profile/profile-client.js';
import type { TargetProfile } from '../../src/profile/types.js';
import { runCli } from '../helpers/run-cli.js';
import {
  DAILY_KEY,
  DAILY_SPEC,
  LIVEKIT_KEY,
  LIVEKIT_SECRET,
  LIVEKIT_SPEC,
  TWILIO_SID,
  TWILIO_SPEC,
  TWILIO_TOKEN,
  dailyServer,
  liveKitServer,
  startLoopback,
  twilioServer,
  writeFiles,
  type Handler,
} from './profile-vendor-shapes.js';

/** What a profile says about the API, without where it was read from. */
function semantics(profile: TargetProfile) {
  return {
    auth: profile.auth,
    rooms: withoutMetricNames(profile.rooms),
    fields: profile.fields,
    errors: profile.conventions.errors,
    rateLimitHeaders: profile.conventions.rateLimitHeaders,
  };
}

/**
 * The rooms without their `metric:` names: a metric name is the profile's own choice (VideoConnect keeps the
 * create_room… names its load has always reported), not something a document says; a draft leaves it to the
 * default, the operationId.
 */
function withoutMetricNames(rooms: TargetProfile['rooms']): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(rooms).map(([role, value]) => {
      if (typeof value !== 'object' || value === null || !('metric' in value)) return [role, value];
      const { metric: _metric, ...rest } = value as Record<string, unknown>;
      return [role, rest];
    }),
  );
}

async function draftOf(specText: string) {
  const dir = writeFiles({ 'api.openapi.yaml': specText });
  const draft = draftProfile(await loadSpec(join(dir, 'api.openapi.yaml')), { specRef: './api.openapi.yaml' });
  return { dir, draft, load: (yaml = draft.yaml) => parseProfile(yaml, join(dir, 'drafted.yaml')) };
}

/** Create, read, close and read again through the drafted profile, against a server of the shape. */
async function lifecycle(profile: TargetProfile, handler: Handler, credentials: { clientId?: string; clientSecret: string }) {
  const server = await startLoopback(handler);
  try {
    const client = createProfileClient(profile, { baseUrl: server.url, ...credentials, env: {} });
    const { room } = await client.createRoom({ name: 'rg-draft-1', maxParticipants: 3 });
    const read = await client.getRoom(room.id);
    await client.closeRoom(room.id);
    return { room, read, after: await client.getRoom(room.id), listed: await client.listRunRooms('rg-draft-') };
  } finally {
    await server.close();
  }
}

describe('drafting a profile from an OpenAPI document', () => {
  it('the bundled VideoConnect document drafts the built-in profile (all but its name, its metric names and the bundled pact, which only the profile can name)', async () => {
    const draft = draftProfile(await loadSpec(BUNDLED_SPEC), { specRef: BUNDLED_SPEC });
    const drafted = await parseProfile(draft.yaml, join(writeFiles({}), 'videoconnect.yaml'));
    expect(semantics(drafted)).toEqual(semantics(await loadBuiltinProfile()));
    expect(draft.fillIn).toEqual([expect.stringMatching(/^auth: the credentials come from --client-id/)]);
  });

  it('Daily-like: rooms by name, a static bearer key, url as the join URL, starting_after paging, delete = gone', async () => {
    const { draft, load } = await draftOf(DAILY_SPEC);
    expect(draft.profile).toMatchObject({
      auth: { kind: 'bearer' },
      rooms: {
        create: { operation: 'CreateRoom', body: { name: '{{name}}', properties: { max_participants: '{{maxParticipants}}' } } },
        get: { operation: 'GetRoom' },
        list: { operation: 'ListRooms', query: { limit: '{{limit}}', starting_after: '{{cursor}}' }, items: '/data', nextCursorFrom: { lastItem: '/id' } },
        close: { operation: 'DeleteRoom', answers: [200], repeat: 'not-found', afterClose: 'gone' },
      },
      fields: { id: '/name', name: '/name', joinUrl: '/url' },
      conventions: { errors: 'spec' },
    });
    const run = await lifecycle(await load(), dailyServer(), { clientSecret: DAILY_KEY });
    expect(run.room).toMatchObject({ id: 'rg-draft-1', joinUrl: 'https://acme.daily.co/rg-draft-1' });
    expect(run.read?.id).toBe('rg-draft-1');
    expect(run.after).toBeUndefined();
  });

  it('Twilio-Video-like: form bodies, Basic auth, close = POST Status=completed, next_page_url, its status values mapped', async () => {
    const { draft, load } = await draftOf(TWILIO_SPEC);
    expect(draft.profile).toMatchObject({
      auth: { kind: 'basic' },
      rooms: {
        create: { operation: 'CreateRoom', encoding: 'form', body: { UniqueName: '{{name}}', MaxParticipants: '{{maxParticipants}}' } },
        get: { operation: 'FetchRoom' },
        list: { operation: 'ListRoom', query: { Status: '{{status}}', PageSize: '{{limit}}' }, items: '/rooms', nextPageUrl: '/meta/next_page_url' },
        close: { operation: 'UpdateRoom', encoding: 'form', body: { Status: 'completed' }, answers: [200], afterClose: 'readable' },
      },
      fields: { id: '/sid', name: '/unique_name', status: { pointer: '/status', values: { active: ['in-progress'], closed: ['completed', 'failed'] } } },
    });
    // The url of a Twilio room is the REST resource, not a join page.
    expect(draft.profile['fields']).not.toHaveProperty('joinUrl');
    expect(draft.fillIn).toContainEqual(expect.stringMatching(/^optional: rooms\.close\.repeat/));
    const run = await lifecycle(await load(), twilioServer(), { clientId: TWILIO_SID, clientSecret: TWILIO_TOKEN });
    expect(run.room.state).toBe('active');
    expect(run.after).toMatchObject({ id: run.room.id, state: 'closed' });
  });

  it('LiveKit-like: Twirp operations named by path, a client-signed JWT, get = the list filtered by names', async () => {
    const { draft, load } = await draftOf(LIVEKIT_SPEC);
    const twirp = (method: string) => `POST /twirp/livekit.RoomService/${method}`;
    expect(draft.profile).toMatchObject({
      auth: { kind: 'jwt', algorithm: 'HS256', claims: { iss: '{{clientId}}' } },
      rooms: {
        create: { operation: twirp('CreateRoom'), body: { name: '{{name}}', max_participants: '{{maxParticipants}}' } },
        get: { operation: twirp('ListRooms'), body: { names: ['{{room.id}}'] }, room: '/rooms/0' },
        list: { operation: twirp('ListRooms'), body: {}, items: '/rooms' },
        close: { operation: twirp('DeleteRoom'), body: { room: '{{room.id}}' }, answers: [200], afterClose: 'gone' },
      },
      fields: { id: '/name', name: '/name', participantCount: '/num_participants' },
    });
    expect(draft.fillIn).toContainEqual(expect.stringMatching(/^auth\.claims: the claims your API requires/));
    // Filling in what it listed (the grants in the claims template) is all the server needs.
    const filled = draft.yaml.replace(
      '    iss: "{{clientId}}"\n',
      '    iss: "{{clientId}}"\n    video: { roomCreate: true, roomList: true, roomAdmin: true }\n',
    );
    const run = await lifecycle(await load(filled), liveKitServer(), { clientId: LIVEKIT_KEY, clientSecret: LIVEKIT_SECRET });
    expect(run.room).toMatchObject({ id: 'rg-draft-1', participantCount: 0 });
    expect(run.read?.id).toBe('rg-draft-1');
    expect(run.after).toBeUndefined();
  });

  it('an OAuth 2.0 client-credentials scheme drafts a form-encoded token request; an API key header drafts kind header', async () => {
    const oauth = `openapi: 3.1.0
info: { title: Acme, version: '1' }
security: [{ oauth: [] }]
paths:
  /oauth/token:
    post:
      operationId: token
      security: []
      requestBody: { content: { application/x-www-form-urlencoded: { schema: { type: object, properties: { grant_type: { type: string }, client_id: { type: string }, client_secret: { type: string } } } } } }
      responses: { '200': { description: Token., content: { application/json: { schema: { type: object, properties: { access_token: { type: string }, expires_in: { type: integer } } } } } } }
  /meetings:
    post: { operationId: createMeeting, responses: { '201': { description: Created., content: { application/json: { schema: { type: object, properties: { meetingId: { type: string }, title: { type: string }, endDate: { type: string, format: date-time } } } } } } }, requestBody: { content: { application/json: { schema: { type: object, required: [title, endDate], properties: { title: { type: string }, endDate: { type: string, format: date-time } } } } } } }
  /meetings/{meetingId}:
    parameters: [{ name: meetingId, in: path, required: true, schema: { type: string } }]
    get: { operationId: getMeeting, responses: { '200': { description: The meeting. } } }
    delete: { operationId: deleteMeeting, responses: { '204': { description: Deleted. } } }
components:
  securitySchemes:
    oauth: { type: oauth2, flows: { clientCredentials: { tokenUrl: 'https://acme.example/oauth/token', scopes: {} } } }
    key: { type: apiKey, in: header, name: X-Api-Key }
`;
    const { draft, load } = await draftOf(oauth);
    expect(draft.profile).toMatchObject({
      auth: {
        kind: 'client-credentials',
        token: {
          operation: 'token',
          encoding: 'form',
          idField: 'client_id',
          secretField: 'client_secret',
          fields: { grant_type: 'client_credentials' },
          accessToken: '/access_token',
          expiresIn: '/expires_in',
        },
      },
      rooms: {
        create: { operation: 'createMeeting', body: { title: '{{name}}', endDate: '{{now+1h}}' } },
        get: { operation: 'getMeeting' },
        close: { operation: 'deleteMeeting', answers: [204] },
      },
      fields: { id: '/meetingId', name: '/title' },
    });
    expect((await load()).rooms.create.resolved.pathTemplate).toBe('/meetings');
    const header = await draftOf(
      oauth.replace('security: [{ oauth: [] }]', 'security: [{ key: [] }]').replace(/ {2}\/oauth\/token:[\s\S]*?(?= {2}\/meetings:)/, ''),
    );
    expect(header.draft.profile['auth']).toEqual({ kind: 'header', header: 'X-Api-Key' });
  });
});

describe('roomgate init --from-spec', () => {
  it('writes the draft with its $schema line, prints what it guessed and what to fill in, and never overwrites', async () => {
    const dir = writeFiles({ 'daily.openapi.yaml': DAILY_SPEC });
    const first = await runCli(['init', '--from-spec', 'daily.openapi.yaml', '--out', 'profiles/daily.yaml'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('roomgate init: drafted profiles/daily.yaml from daily.openapi.yaml');
    expect(first.stdout).toContain('Guessed (check these):\n  - rooms.create: CreateRoom (POST /v1/rooms is a POST on the room collection)');
    expect(first.stdout).toMatch(/Fill in:\n {2}- auth: the credentials come from/);
    const written = readFileSync(join(dir, 'profiles', 'daily.yaml'), 'utf8');
    expect(written).toMatch(/^# yaml-language-server: \$schema=\S+\/schemas\/profile\.schema\.json\n/);
    expect(written).toContain('spec: ../daily.openapi.yaml\n');

    writeFileSync(join(dir, 'profiles', 'daily.yaml'), '# edited by hand\n');
    const again = await runCli(['init', '--from-spec', 'daily.openapi.yaml', '--out', 'profiles/daily.yaml'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('profiles/daily.yaml already exists; init never overwrites a file');
    expect(readFileSync(join(dir, 'profiles', 'daily.yaml'), 'utf8')).toBe('# edited by hand\n');
  });

  it('defaults to profile.yaml, and a folder with --from-spec is a usage error', async () => {
    const dir = writeFiles({ 'api.yaml': DAILY_SPEC });
    const run = await runCli(['init', '--from-spec', 'api.yaml'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(dir, 'profile.yaml'))).toBe(true);
    const both = await runCli(['init', 'somewhere', '--from-spec', 'api.yaml'], { cwd: dir });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('init takes a folder or --from-spec, not both');
  });
});
