import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small, independent implementation of test/fixtures/variant-spec/openapi.yaml
 * on plain node:http — deliberately NOT roomgate's reference server, so the
 * gate is shown to judge a target by the user's document rather than by the
 * reference's choices: other error codes, opaque (non-JWT) tokens, no join
 * tokens, no webhooks, no rate limits, a `region` field, a 60-character name,
 * a required `X-Api-Version` header, `room_` hex ids, and pagination named
 * `page_size`/`page_token`/`items`/`next_page_token`.
 *
 * Three seeded defects, switchable, each breaking one promise of that document.
 */
export const VARIANT_DEFECTS = {
  /** 404 for an unknown room answers VideoConnect's `room_not_found`, not the document's `no_such_room`. */
  'foreign-error-code': 'lifecycle.unknown-room-404',
  /** Names up to 100 characters are accepted (the document says at most 60). */
  'name-limit-ignored': 'coverage.invalid-inputs.createRoom',
  /** `page_token` is ignored: every page is the first page. */
  'page-token-ignored': 'lifecycle.pagination',
} as const;
export type VariantDefect = keyof typeof VARIANT_DEFECTS;

export interface VariantServer {
  url: string;
  close(): Promise<void>;
}

export const VARIANT_CLIENTS = [
  { clientId: 'meetly-ci', clientSecret: 'meetly-ci-secret-1' },
  { clientId: 'meetly-other', clientSecret: 'meetly-other-secret-2' },
] as const;

interface Room {
  room_id: string;
  name: string;
  status: 'waiting' | 'active' | 'closed';
  max_participants: number;
  region: string;
  participant_count: number;
  created_at: string;
  owner: string;
}

const MAX_BODY = 16 * 1024;
const API_VERSIONS = ['2025-01-01'];
const REGIONS = ['eu-west', 'us-east'];

export async function startVariantServer(defects: readonly VariantDefect[] = []): Promise<VariantServer> {
  const has = (d: VariantDefect) => defects.includes(d);
  const tokens = new Map<string, string>(); // token → client id
  const rooms: Room[] = [];
  const idempotency = new Map<string, { fingerprint: string; body: string; location: string }>();

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers }).end(text);
  };
  const error = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
    send(res, status, { error: code, message, status }, headers);

  const readBody = (req: IncomingMessage): Promise<Buffer | 'too-large'> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) over = true;
        else chunks.push(chunk);
      });
      req.on('end', () => resolve(over ? 'too-large' : Buffer.concat(chunks)));
      req.on('error', reject);
    });

  /** Content type, size and JSON syntax; returns the parsed object or undefined after answering. */
  const jsonBody = async (req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown> | undefined> => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    const raw = await readBody(req);
    if (raw === 'too-large') return void error(res, 413, 'too_large', 'The body is larger than 16 KiB.');
    if (type !== 'application/json') return void error(res, 415, 'wrong_media_type', 'Send application/json.');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return void error(res, 400, 'bad_request', 'The body is not valid JSON.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return void error(res, 400, 'bad_request', 'The body must be a JSON object.');
    return parsed as Record<string, unknown>;
  };

  const publicRoom = ({ owner: _owner, ...room }: Room) => room;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';

    if (path === '/v1/auth/token') {
      if (method !== 'POST') return error(res, 405, 'wrong_method', `${method} is not supported here.`, { allow: 'POST' });
      const body = await jsonBody(req, res);
      if (body === undefined) return;
      const extra = Object.keys(body).filter((k) => k !== 'client_id' && k !== 'client_secret');
      const { client_id: id, client_secret: secret } = body;
      if (
        extra.length > 0 ||
        typeof id !== 'string' ||
        typeof secret !== 'string' ||
        id.length < 1 ||
        id.length > 80 ||
        secret.length < 1 ||
        secret.length > 200
      ) {
        return error(res, 400, 'bad_request', 'client_id and client_secret are required strings, nothing else.');
      }
      if (!VARIANT_CLIENTS.some((c) => c.clientId === id && c.clientSecret === secret))
        return error(res, 401, 'bad_credentials', 'Unknown client or wrong secret.');
      const token = randomBytes(24).toString('hex'); // opaque, not a JWT
      tokens.set(token, id);
      return send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
    }

    const roomMatch = /^\/v1\/rooms\/([^/]+)$/.exec(path);
    const allowed = path === '/v1/rooms' ? ['GET', 'POST'] : roomMatch !== null ? ['GET', 'DELETE'] : undefined;
    if (allowed === undefined) return error(res, 404, 'no_such_route', `No route ${path}.`);
    if (!allowed.includes(method)) return error(res, 405, 'wrong_method', `${method} is not supported here.`, { allow: allowed.join(', ') });

    const auth = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
    const client = auth === null ? undefined : tokens.get(auth[1] as string);
    if (client === undefined) {
      req.resume();
      return error(res, 401, 'unauthenticated', 'A valid bearer token is required.');
    }

    if (path === '/v1/rooms' && method === 'POST') {
      const version = req.headers['x-api-version'];
      if (typeof version !== 'string' || !API_VERSIONS.includes(version)) {
        req.resume();
        return error(res, 400, 'bad_request', `X-Api-Version must be one of ${API_VERSIONS.join(', ')}.`);
      }
      const body = await jsonBody(req, res);
      if (body === undefined) return;
      const problem = createProblem(body, has('name-limit-ignored') ? 100 : 60);
      if (problem !== undefined) return error(res, 400, 'bad_request', problem);
      const request = {
        name: body['name'] as string,
        max_participants: (body['max_participants'] as number | undefined) ?? 8,
        region: (body['region'] as string | undefined) ?? 'eu-west',
      };
      const key = req.headers['idempotency-key'];
      const fingerprint = createHash('sha256').update(JSON.stringify(request)).digest('hex');
      const scoped = typeof key === 'string' ? `${client}\u0000${key}` : undefined;
      if (scoped !== undefined) {
        const stored = idempotency.get(scoped);
        if (stored !== undefined) {
          if (stored.fingerprint !== fingerprint) return error(res, 422, 'key_mismatch', 'This Idempotency-Key was used with another body.');
          res.writeHead(201, { 'content-type': 'application/json', location: stored.location }).end(stored.body);
          return;
        }
      }
      const room: Room = {
        room_id: `room_${randomBytes(8).toString('hex')}`,
        ...request,
        status: 'waiting',
        participant_count: 0,
        created_at: new Date().toISOString(),
        owner: client,
      };
      rooms.push(room);
      const location = `/v1/rooms/${room.room_id}`;
      const text = JSON.stringify(publicRoom(room));
      if (scoped !== undefined) idempotency.set(scoped, { fingerprint, body: text, location });
      res.writeHead(201, { 'content-type': 'application/json', location }).end(text);
      return;
    }

    req.resume();
    if (path === '/v1/rooms') {
      const sizeText = url.searchParams.get('page_size');
      const size = sizeText === null ? 10 : Number(sizeText);
      if (!Number.isInteger(size) || size < 1 || size > 50) return error(res, 400, 'bad_request', 'page_size must be an integer from 1 to 50.');
      const status = url.searchParams.get('status');
      if (status !== null && !['waiting', 'active', 'closed'].includes(status))
        return error(res, 400, 'bad_request', 'status must be waiting, active or closed.');
      const token = has('page-token-ignored') ? null : url.searchParams.get('page_token');
      const start = token === null ? 0 : Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10);
      if (!Number.isInteger(start) || start < 0) return error(res, 400, 'bad_request', 'page_token is not one this server issued.');
      const mine = rooms.filter((r) => r.owner === client && (status === null || r.status === status));
      const page = mine.slice(start, start + size);
      const next = start + size < mine.length ? Buffer.from(String(start + size)).toString('base64url') : null;
      return send(res, 200, { items: page.map(publicRoom), next_page_token: next });
    }

    const id = decodeURIComponent((roomMatch as RegExpExecArray)[1] as string);
    const room = rooms.find((r) => r.room_id === id && r.owner === client);
    if (room === undefined) return error(res, 404, has('foreign-error-code') ? 'room_not_found' : 'no_such_room', `No room ${id}.`);
    if (method === 'GET') return send(res, 200, publicRoom(room));
    room.status = 'closed';
    return send(res, 200, { message: `Closed ${room.room_id}.` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) error(res, 500, 'server_error', 'The server failed.');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The CreateRoom schema of the variant document, by hand (the server is independent of roomgate's validators). */
function createProblem(body: Record<string, unknown>, nameLimit: number): string | undefined {
  const extra = Object.keys(body).filter((k) => !['name', 'max_participants', 'region'].includes(k));
  if (extra.length > 0) return `Unknown field ${extra[0]}.`;
  const { name, max_participants: max, region } = body;
  if (typeof name !== 'string' || name.length < 1 || name.length > nameLimit) return `name must be a string of 1 to 60 characters.`;
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 2 || max > 25))
    return 'max_participants must be an integer from 2 to 25.';
  if (region !== undefined && (typeof region !== 'string' || !REGIONS.includes(region))) return `region must be one of ${REGIONS.join(', ')}.`;
  return undefined;
}
