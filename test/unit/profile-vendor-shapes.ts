import { randomUUID, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';

/**
 * Room APIs shaped like three real vendors' published documentation, for the
 * profile tests: their OpenAPI documents, a profile for each, and a small
 * stateful loopback server that keeps each one's rules (auth, addressing,
 * encoding, paging, close semantics). Written from:
 *  - Daily REST API (docs.daily.co/reference/rest-api/rooms): rooms addressed by NAME in the
 *    path, `Authorization: Bearer <API key>`, `url` is the join URL, GET /rooms returns
 *    {total_count, data} newest first with limit / starting_after=<room id> / ending_before,
 *    DELETE /rooms/:name answers {deleted: true, name} and the room is gone (404).
 *  - Twilio Video v1 Rooms (twilio.com/docs/video/api/rooms-resource): base https://video.twilio.com,
 *    HTTP Basic AccountSid:AuthToken, form-encoded bodies (UniqueName, MaxParticipants, Type),
 *    status in-progress | completed | failed, a room is completed by POST /v1/Rooms/{Sid}
 *    Status=completed (and stays readable), lists {rooms, meta: {next_page_url, …}}.
 *  - LiveKit RoomService (docs.livekit.io/server/room-management): Twirp, every call a POST of a
 *    JSON body to /twirp/livekit.RoomService/<Method>, `Authorization: Bearer <JWT>` signed HS256
 *    with the API secret (iss = API key, `video` grants roomCreate/roomList/roomAdmin),
 *    ListRooms {names} → {rooms}, DeleteRoom {room} → {}, no join URL, no status.
 */

export interface Loopback {
  url: string;
  /** Every request as received: method, path+query, lower-case headers, body text. */
  requests: { method: string; path: string; headers: Record<string, string>; body: string }[];
  close(): Promise<void>;
}

export type Handler = (request: { method: string; url: URL; headers: Record<string, string>; body: string }, response: ServerResponse) => void | Promise<void>;

/** A loopback HTTP server on port 0 that records what it received; every answer comes from `handler`. */
export async function startLoopback(handler: Handler): Promise<Loopback> {
  const requests: Loopback['requests'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers, body });
      Promise.resolve(handler({ method: req.method ?? '', url: new URL(req.url ?? '/', 'http://loopback'), headers, body }, res)).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A fresh folder with the given files (OpenAPI documents and profiles resolve each other relatively). */
export function writeFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'roomgate-profile-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

// ---------------------------------------------------------------------------
// Daily-like

export const DAILY_KEY = 'daily-key-7f3a91c2';

export const DAILY_SPEC = `openapi: 3.0.3
info: { title: Daily-like rooms, version: 1.0.0 }
servers: [{ url: 'https://api.daily.co/v1' }]
security: [{ bearerAuth: [] }]
paths:
  /rooms:
    post:
      operationId: CreateRoom
      requestBody:
        content:
          application/json:
            schema: { $ref: '#/components/schemas/CreateRoomRequest' }
      responses:
        '200': { description: The room., content: { application/json: { schema: { $ref: '#/components/schemas/Room' } } } }
        '400': { $ref: '#/components/responses/Error' }
    get:
      operationId: ListRooms
      parameters:
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 100 } }
        - { name: starting_after, in: query, description: Rooms after the room with this id., schema: { type: string } }
        - { name: ending_before, in: query, schema: { type: string } }
      responses:
        '200':
          description: A page of rooms, newest first.
          content:
            application/json:
              schema:
                type: object
                required: [total_count, data]
                properties:
                  total_count: { type: integer }
                  data: { type: array, items: { $ref: '#/components/schemas/Room' } }
  /rooms/{name}:
    parameters:
      - { name: name, in: path, required: true, schema: { type: string } }
    get:
      operationId: GetRoom
      responses:
        '200': { description: The room., content: { application/json: { schema: { $ref: '#/components/schemas/Room' } } } }
        '404': { $ref: '#/components/responses/Error' }
    delete:
      operationId: DeleteRoom
      description: The room is gone afterwards; a get answers 404, and so does a second delete.
      responses:
        '200':
          description: Deleted.
          content: { application/json: { schema: { type: object, properties: { deleted: { type: boolean }, name: { type: string } } } } }
        '404': { $ref: '#/components/responses/Error' }
components:
  securitySchemes:
    bearerAuth: { type: http, scheme: bearer }
  responses:
    Error:
      description: An error.
      content: { application/json: { schema: { type: object, properties: { error: { type: string }, info: { type: string } } } } }
  schemas:
    CreateRoomRequest:
      type: object
      properties:
        name: { type: string }
        privacy: { type: string, enum: [public, private] }
        properties:
          type: object
          properties:
            max_participants: { type: integer, minimum: 1 }
            exp: { type: integer, description: 'Unix seconds.' }
    Room:
      type: object
      required: [id, name, url]
      properties:
        id: { type: string, format: uuid }
        name: { type: string }
        api_created: { type: boolean }
        privacy: { type: string }
        url: { type: string, format: uri, description: Where participants join the room. }
        created_at: { type: string, format: date-time }
        config: { type: object }
`;

export const DAILY_PROFILE = `profile: 1
name: Daily-like
spec: ./daily.openapi.yaml
auth:
  kind: bearer
  credentials: { secret: DAILY_API_KEY }
rooms:
  create:
    operation: CreateRoom
    body:
      name: "{{name}}"
      properties: { max_participants: "{{maxParticipants}}", exp: "{{now+1h|unix}}" }
  get: { operation: GetRoom }
  list:
    operation: ListRooms
    query: { limit: "{{limit}}", starting_after: "{{cursor}}" }
    items: /data
    nextCursorFrom: { lastItem: /id }
  close: { operation: DeleteRoom, answers: [200], repeat: not-found, afterClose: gone }
fields: { id: /name, name: /name, joinUrl: /url }
conventions: { errors: spec, rateLimitHeaders: x-ratelimit }
`;

interface DailyRoom {
  id: string;
  name: string;
  api_created: boolean;
  privacy: string;
  url: string;
  created_at: string;
  config: Record<string, unknown>;
}

/** Daily's rules: bearer API key, rooms by name, newest first, starting_after=<id>, delete = gone. */
export function dailyServer(): Handler {
  const rooms: DailyRoom[] = [];
  return ({ method, url, headers, body }, res) => {
    if (headers['authorization'] !== `Bearer ${DAILY_KEY}`) return json(res, 401, { error: 'authentication-error', info: 'the API key is not valid' });
    if (url.pathname === '/v1/rooms' && method === 'POST') {
      const input = JSON.parse(body || '{}') as { name?: string; privacy?: string; properties?: Record<string, unknown> };
      const name = input.name ?? randomBytes(6).toString('hex');
      if (rooms.some((r) => r.name === name)) return json(res, 400, { error: 'invalid-request-error', info: `a room named ${name} already exists` });
      const room: DailyRoom = {
        id: randomUUID(),
        name,
        api_created: true,
        privacy: input.privacy ?? 'public',
        url: `https://acme.daily.co/${name}`,
        created_at: new Date().toISOString(),
        config: input.properties ?? {},
      };
      rooms.push(room);
      return json(res, 200, room);
    }
    if (url.pathname === '/v1/rooms' && method === 'GET') {
      const newestFirst = [...rooms].reverse();
      const after = url.searchParams.get('starting_after');
      const start = after === null ? 0 : newestFirst.findIndex((r) => r.id === after) + 1;
      const limit = Number(url.searchParams.get('limit') ?? 100);
      return json(res, 200, { total_count: rooms.length, data: newestFirst.slice(start, start + limit) });
    }
    const name = /^\/v1\/rooms\/([^/]+)$/.exec(url.pathname)?.[1];
    const index = rooms.findIndex((r) => r.name === decodeURIComponent(name ?? ''));
    if (name !== undefined && index < 0) return json(res, 404, { error: 'not-found', info: `room ${name} not found` });
    if (name !== undefined && method === 'GET') return json(res, 200, rooms[index]);
    if (name !== undefined && method === 'DELETE') {
      rooms.splice(index, 1);
      return json(res, 200, { deleted: true, name: decodeURIComponent(name) });
    }
    return json(res, 404, { error: 'not-found', info: 'no such route' });
  };
}

// ---------------------------------------------------------------------------
// Twilio-Video-v1-like

export const TWILIO_SID = 'AC0123456789abcdef0123456789abcdef';
export const TWILIO_TOKEN = 'twilio-auth-token-5e1d';

export const TWILIO_SPEC = `openapi: 3.0.1
info: { title: Twilio - Video, version: 1.0.0 }
servers: [{ url: 'https://video.twilio.com' }]
security: [{ accountSid_authToken: [] }]
paths:
  /v1/Rooms:
    post:
      operationId: CreateRoom
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                UniqueName: { type: string }
                MaxParticipants: { type: integer }
                Type: { type: string, enum: [go, peer-to-peer, group, group-small] }
                StatusCallback: { type: string, format: uri }
      responses:
        '201': { description: Created., content: { application/json: { schema: { $ref: '#/components/schemas/video.v1.room' } } } }
    get:
      operationId: ListRoom
      parameters:
        - { name: Status, in: query, schema: { $ref: '#/components/schemas/room_enum_room_status' } }
        - { name: UniqueName, in: query, schema: { type: string } }
        - { name: PageSize, in: query, schema: { type: integer, minimum: 1, maximum: 1000 } }
        - { name: Page, in: query, schema: { type: integer, minimum: 0 } }
        - { name: PageToken, in: query, schema: { type: string } }
      responses:
        '200':
          description: A page.
          content:
            application/json:
              schema:
                type: object
                properties:
                  rooms: { type: array, items: { $ref: '#/components/schemas/video.v1.room' } }
                  meta:
                    type: object
                    properties:
                      first_page_url: { type: string, format: uri }
                      next_page_url: { type: string, format: uri, nullable: true }
                      page: { type: integer }
                      page_size: { type: integer }
                      previous_page_url: { type: string, format: uri, nullable: true }
                      url: { type: string, format: uri }
                      key: { type: string }
  /v1/Rooms/{Sid}:
    parameters:
      - { name: Sid, in: path, required: true, schema: { type: string } }
    get:
      operationId: FetchRoom
      responses:
        '200': { description: The room., content: { application/json: { schema: { $ref: '#/components/schemas/video.v1.room' } } } }
    post:
      operationId: UpdateRoom
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [Status]
              properties:
                Status: { $ref: '#/components/schemas/room_enum_room_status' }
      responses:
        '200': { description: 'The room, updated.', content: { application/json: { schema: { $ref: '#/components/schemas/video.v1.room' } } } }
components:
  securitySchemes:
    accountSid_authToken: { type: http, scheme: basic }
  schemas:
    room_enum_room_status: { type: string, enum: [in-progress, completed, failed] }
    video.v1.room:
      type: object
      properties:
        sid: { type: string, pattern: '^RM[0-9a-fA-F]{32}$' }
        status: { $ref: '#/components/schemas/room_enum_room_status' }
        date_created: { type: string, format: date-time }
        account_sid: { type: string }
        unique_name: { type: string }
        max_participants: { type: integer }
        type: { type: string }
        url: { type: string, format: uri, description: The absolute URL of the resource. }
        links: { type: object }
`;

export const TWILIO_PROFILE = `profile: 1
name: Twilio-Video-like
spec: ./twilio.openapi.yaml
auth:
  kind: basic
  credentials: { id: TWILIO_ACCOUNT_SID, secret: TWILIO_AUTH_TOKEN }
rooms:
  create:
    operation: CreateRoom
    encoding: form
    body: { UniqueName: "{{name}}", MaxParticipants: "{{maxParticipants}}", Type: group }
  get: { operation: FetchRoom }
  list:
    operation: ListRoom
    query: { Status: "{{status}}", PageSize: "{{limit}}" }
    items: /rooms
    nextPageUrl: /meta/next_page_url
  close:
    operation: UpdateRoom
    encoding: form
    body: { Status: completed }
    answers: [200]
    repeat: error
    afterClose: readable
fields:
  id: /sid
  name: /unique_name
  status: { pointer: /status, values: { active: [in-progress], closed: [completed, failed] } }
`;

interface TwilioRoom {
  sid: string;
  status: 'in-progress' | 'completed' | 'failed';
  date_created: string;
  account_sid: string;
  unique_name: string;
  max_participants: number;
  type: string;
  url: string;
  links: Record<string, string>;
}

/** Twilio's rules: Basic auth, form bodies, completed by a status update, paging by next_page_url on its own host. */
export function twilioServer(): Handler {
  const rooms: TwilioRoom[] = [];
  const basic = `Basic ${Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64')}`;
  const error = (res: ServerResponse, status: number, code: number, message: string) =>
    json(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
  return ({ method, url, headers, body }, res) => {
    if (headers['authorization'] !== basic) return error(res, 401, 20003, 'Authenticate');
    if (method === 'POST' && headers['content-type'] !== 'application/x-www-form-urlencoded') return error(res, 400, 20001, 'form-encoded bodies only');
    const form = new URLSearchParams(body);
    if (url.pathname === '/v1/Rooms' && method === 'POST') {
      const sid = `RM${randomBytes(16).toString('hex')}`;
      const room: TwilioRoom = {
        sid,
        status: 'in-progress',
        date_created: new Date().toISOString(),
        account_sid: TWILIO_SID,
        unique_name: form.get('UniqueName') ?? sid,
        max_participants: Number(form.get('MaxParticipants') ?? 50),
        type: form.get('Type') ?? 'group',
        url: `https://video.twilio.com/v1/Rooms/${sid}`,
        links: { participants: `https://video.twilio.com/v1/Rooms/${sid}/Participants` },
      };
      rooms.push(room);
      return json(res, 201, room);
    }
    if (url.pathname === '/v1/Rooms' && method === 'GET') {
      const status = url.searchParams.get('Status');
      const size = Number(url.searchParams.get('PageSize') ?? 50);
      const page = Number(url.searchParams.get('Page') ?? 0);
      const matching = rooms.filter((r) => status === null || r.status === status);
      const slice = matching.slice(page * size, (page + 1) * size);
      const pageUrl = (n: number) =>
        `https://video.twilio.com/v1/Rooms?${new URLSearchParams({ ...(status === null ? {} : { Status: status }), PageSize: String(size), Page: String(n), PageToken: `PA${n}` })}`;
      const more = (page + 1) * size < matching.length;
      return json(res, 200, {
        rooms: slice,
        meta: {
          page,
          page_size: size,
          first_page_url: pageUrl(0),
          previous_page_url: page === 0 ? null : pageUrl(page - 1),
          url: pageUrl(page),
          next_page_url: more ? pageUrl(page + 1) : null,
          key: 'rooms',
        },
      });
    }
    const sid = /^\/v1\/Rooms\/([^/]+)$/.exec(url.pathname)?.[1];
    const room = rooms.find((r) => r.sid === sid || r.unique_name === sid);
    if (room === undefined) return error(res, 404, 20404, `The requested resource /v1/Rooms/${sid ?? ''} was not found`);
    if (method === 'GET') return json(res, 200, room);
    if (method === 'POST') {
      if (form.get('Status') !== 'completed') return error(res, 400, 53105, 'Status must be completed');
      if (room.status !== 'in-progress') return error(res, 400, 53118, 'Room is not in-progress');
      room.status = 'completed';
      return json(res, 200, room);
    }
    return error(res, 405, 20004, 'Method not allowed');
  };
}

// ---------------------------------------------------------------------------
// LiveKit-RoomService-like

export const LIVEKIT_KEY = 'APIk3yLiveKit';
export const LIVEKIT_SECRET = 'livekit-secret-0123456789abcdef0123456789abcdef';

// No operationIds: LiveKit publishes protobuf, not OpenAPI; profiles then name operations by "POST /path".
export const LIVEKIT_SPEC = `openapi: 3.0.3
info: { title: LiveKit RoomService (Twirp), version: 1.0.0 }
servers: [{ url: 'http://localhost:7880' }]
security: [{ accessToken: [] }]
paths:
  /twirp/livekit.RoomService/CreateRoom:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: { type: string }
                empty_timeout: { type: integer }
                max_participants: { type: integer }
                metadata: { type: string }
      responses:
        '200': { description: The room., content: { application/json: { schema: { $ref: '#/components/schemas/Room' } } } }
  /twirp/livekit.RoomService/ListRooms:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                names: { type: array, items: { type: string } }
      responses:
        '200':
          description: The rooms.
          content: { application/json: { schema: { type: object, properties: { rooms: { type: array, items: { $ref: '#/components/schemas/Room' } } } } } }
  /twirp/livekit.RoomService/DeleteRoom:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [room], properties: { room: { type: string } } }
      responses:
        '200': { description: Deleted; the room no longer exists., content: { application/json: { schema: { type: object } } } }
        '404': { description: Twirp not_found., content: { application/json: { schema: { $ref: '#/components/schemas/TwirpError' } } } }
components:
  securitySchemes:
    accessToken: { type: http, scheme: bearer, bearerFormat: JWT, description: 'A JWT signed (HS256) with the API secret: iss = API key, video grants.' }
  schemas:
    TwirpError: { type: object, properties: { code: { type: string }, msg: { type: string } } }
    Room:
      type: object
      properties:
        sid: { type: string }
        name: { type: string }
        empty_timeout: { type: integer }
        max_participants: { type: integer }
        creation_time: { type: string }
        num_participants: { type: integer }
        metadata: { type: string }
`;

export const LIVEKIT_PROFILE = `profile: 1
name: LiveKit-RoomService-like
spec: ./livekit.openapi.yaml
auth:
  kind: jwt
  credentials: { id: LIVEKIT_API_KEY, secret: LIVEKIT_API_SECRET }
  algorithm: HS256
  lifetime: 10m
  claims:
    iss: "{{clientId}}"
    sub: roomgate
    video: { roomCreate: true, roomList: true, roomAdmin: true }
rooms:
  create:
    operation: POST /twirp/livekit.RoomService/CreateRoom
    body: { name: "{{name}}", max_participants: "{{maxParticipants}}", empty_timeout: 300 }
  get:
    operation: POST /twirp/livekit.RoomService/ListRooms
    body: { names: ["{{room.id}}"] }
    room: /rooms/0
  list:
    operation: POST /twirp/livekit.RoomService/ListRooms
    body: {}
    items: /rooms
  close:
    operation: POST /twirp/livekit.RoomService/DeleteRoom
    body: { room: "{{room.id}}" }
    answers: [200]
    repeat: not-found
    afterClose: gone
fields: { id: /name, name: /name, participantCount: /num_participants }
`;

interface LiveKitRoom {
  sid: string;
  name: string;
  empty_timeout: number;
  max_participants: number;
  creation_time: string;
  num_participants: number;
  metadata: string;
}

/** LiveKit's rules: Twirp POSTs with JSON, an HS256 JWT with the right grants, delete = gone (404 not_found on a repeat). */
export function liveKitServer(): Handler {
  const rooms: LiveKitRoom[] = [];
  const key = new TextEncoder().encode(LIVEKIT_SECRET);
  const twirp = (res: ServerResponse, status: number, code: string, msg: string) => json(res, status, { code, msg });
  return async ({ method, url, headers, body }, res) => {
    if (method !== 'POST') return twirp(res, 404, 'bad_route', 'Twirp accepts POST only');
    const token = /^Bearer (.+)$/.exec(headers['authorization'] ?? '')?.[1];
    try {
      const { payload } = await jwtVerify(token ?? '', key, { algorithms: ['HS256'], issuer: LIVEKIT_KEY });
      const video = payload['video'] as Record<string, boolean> | undefined;
      if (video?.['roomCreate'] !== true || video['roomList'] !== true) return twirp(res, 403, 'permission_denied', 'missing grants');
    } catch {
      return twirp(res, 401, 'unauthenticated', 'invalid token');
    }
    if (headers['content-type'] !== 'application/json') return twirp(res, 415, 'malformed', 'JSON bodies only');
    const input = JSON.parse(body || '{}') as Record<string, unknown>;
    switch (url.pathname) {
      case '/twirp/livekit.RoomService/CreateRoom': {
        const name = String(input['name']);
        // CreateRoom of an existing name answers the existing room (LiveKit creates on first use).
        let room = rooms.find((r) => r.name === name);
        if (room === undefined) {
          room = {
            sid: `RM_${randomBytes(6).toString('hex')}`,
            name,
            empty_timeout: Number(input['empty_timeout'] ?? 300),
            max_participants: Number(input['max_participants'] ?? 0),
            creation_time: String(Math.floor(Date.now() / 1000)),
            num_participants: 0,
            metadata: '',
          };
          rooms.push(room);
        }
        return json(res, 200, room);
      }
      case '/twirp/livekit.RoomService/ListRooms': {
        const names = input['names'] as string[] | undefined;
        return json(res, 200, { rooms: rooms.filter((r) => names === undefined || names.length === 0 || names.includes(r.name)) });
      }
      case '/twirp/livekit.RoomService/DeleteRoom': {
        const index = rooms.findIndex((r) => r.name === input['room']);
        if (index < 0) return twirp(res, 404, 'not_found', 'room not found');
        rooms.splice(index, 1);
        return json(res, 200, {});
      }
      default:
        return twirp(res, 404, 'bad_route', `no handler for ${url.pathname}`);
    }
  };
}

/** The three shapes' documents and profiles, written next to each other in one folder. */
export function writeVendorFiles(): string {
  return writeFiles({
    'daily.openapi.yaml': DAILY_SPEC,
    'daily.profile.yaml': DAILY_PROFILE,
    'twilio.openapi.yaml': TWILIO_SPEC,
    'twilio.profile.yaml': TWILIO_PROFILE,
    'livekit.openapi.yaml': LIVEKIT_SPEC,
    'livekit.profile.yaml': LIVEKIT_PROFILE,
  });
}
