import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/errors.js';
import { ProfileApiError } from '../../src/profile/http-exchange.js';
import { loadProfile } from '../../src/profile/load-profile.js';
import { createProfileClient } from '../../src/profile/profile-client.js';
import { json, startLoopback, writeFiles, type Loopback } from './profile-vendor-shapes.js';

/**
 * Each auth kind against a real loopback server that checks the credential
 * exactly as an API would; token lifetimes are crossed with a clock the test
 * moves (the server verifies JWTs against the same clock), never by sleeping.
 */

const SPEC = `openapi: 3.1.0
info: { title: Acme rooms, version: 1.0.0 }
paths:
  /oauth/token:
    post:
      operationId: issueToken
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: { type: object, properties: { grant_type: { type: string }, client_id: { type: string }, client_secret: { type: string } } }
          application/json:
            schema: { type: object }
      responses:
        '200': { description: A token., content: { application/json: { schema: { type: object, properties: { access_token: { type: string }, expires_in: { type: integer } } } } } }
  /v1/rooms:
    post:
      operationId: createRoom
      requestBody: { content: { application/json: { schema: { type: object } } } }
      responses: { '201': { description: Created. } }
  /v1/rooms/{id}:
    get:
      operationId: getRoom
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { '200': { description: The room. } }
    delete:
      operationId: endRoom
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { '204': { description: Ended. } }
`;

function profileWith(auth: string): string {
  return `profile: 1
name: Acme
spec: ./acme.openapi.yaml
auth:
${auth.replace(/^/gm, '  ')}
rooms:
  create: { operation: createRoom, body: { name: "{{name}}" } }
  get: { operation: getRoom }
  close: { operation: endRoom, answers: [204] }
fields: { id: /id, name: /name }
`;
}

async function loadWith(auth: string) {
  const dir = writeFiles({ 'acme.openapi.yaml': SPEC, 'acme.profile.yaml': profileWith(auth) });
  return loadProfile(join(dir, 'acme.profile.yaml'));
}

/** A room API whose room reads are allowed when `allowed(headers)` says so; token requests are judged by `token`. */
function acmeServer(
  allowed: (headers: Record<string, string>) => boolean | Promise<boolean>,
  token?: (request: { headers: Record<string, string>; body: string }) => { status: number; body: unknown },
) {
  return startLoopback(async ({ method, url, headers, body }, res) => {
    if (url.pathname === '/oauth/token' && method === 'POST' && token !== undefined) {
      const answer = token({ headers, body });
      return json(res, answer.status, answer.body);
    }
    if (!(await allowed(headers))) return json(res, 401, { error: 'unauthorized' });
    const id = /^\/v1\/rooms\/([^/]+)$/.exec(url.pathname)?.[1] ?? 'none';
    return json(res, 200, { id, name: `room ${id}` });
  });
}

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const roomReads = (s: Loopback) => s.requests.filter((r) => r.path.startsWith('/v1/rooms'));
const tokenRequests = (s: Loopback) => s.requests.filter((r) => r.path === '/oauth/token');

describe('auth kind bearer', () => {
  it('sends Authorization: Bearer <the secret from the named environment variable>, exactly', async () => {
    const profile = await loadWith('kind: bearer\ncredentials: { secret: ACME_KEY }');
    server = await acmeServer((h) => h['authorization'] === 'Bearer k-live-123');
    const client = createProfileClient(profile, { baseUrl: server.url, env: { ACME_KEY: 'k-live-123' }, clientSecret: 'ignored-flag-value' });
    expect((await client.getRoom('r1'))?.id).toBe('r1');
    expect(client.auth.issued()).toEqual(['k-live-123']);
  });

  it('a refused static key is retried once, then reported with the operationId (no loop)', async () => {
    const profile = await loadWith('kind: bearer');
    server = await acmeServer(() => false);
    const client = createProfileClient(profile, { baseUrl: server.url, clientSecret: 'wrong', env: {} });
    const error = await client.getRoom('r1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProfileApiError);
    expect((error as Error).message).toMatch(/^getRoom answered 401/);
    expect(roomReads(server)).toHaveLength(2);
  });
});

describe('auth kind basic', () => {
  it('sends Authorization: Basic base64(id:secret) per RFC 7617, a colon in the secret included', async () => {
    const profile = await loadWith('kind: basic\ncredentials: { id: ACME_SID, secret: ACME_TOKEN }');
    server = await acmeServer((h) => {
      const [scheme, encoded] = (h['authorization'] ?? '').split(' ');
      const decoded = Buffer.from(encoded ?? '', 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return scheme === 'Basic' && decoded.slice(0, colon) === 'AC42' && decoded.slice(colon + 1) === 'tok:en/ü';
    });
    const client = createProfileClient(profile, { baseUrl: server.url, env: { ACME_SID: 'AC42', ACME_TOKEN: 'tok:en/ü' } });
    expect((await client.getRoom('r2'))?.id).toBe('r2');
    expect(roomReads(server)[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('AC42:tok:en/ü', 'utf8').toString('base64')}`);
    // The encoding decodes to the secret: it is redacted too.
    expect(client.auth.issued()).toEqual(['tok:en/ü', Buffer.from('AC42:tok:en/ü', 'utf8').toString('base64')]);
  });

  it('refuses to start without an id', async () => {
    const profile = await loadWith('kind: basic');
    expect(() => createProfileClient(profile, { baseUrl: 'http://127.0.0.1:9', clientSecret: 's', env: {} })).toThrow(UsageError);
  });
});

describe('auth kind header', () => {
  it('sends the secret in the named header with its prefix, and no Authorization header', async () => {
    const profile = await loadWith('kind: header\nheader: X-Api-Key\nprefix: "Token "');
    server = await acmeServer((h) => h['x-api-key'] === 'Token hk-9' && h['authorization'] === undefined);
    const client = createProfileClient(profile, { baseUrl: server.url, clientSecret: 'hk-9', env: {} });
    expect((await client.getRoom('r3'))?.id).toBe('r3');
  });
});

describe('auth kind jwt', () => {
  const SECRET = 'jwt-secret-0123456789abcdef0123456789abcdef';

  it('signs HS256 with the secret: the claims template, iat = nbf = now, exp = iat + lifetime; re-minted before expiry and after invalidate()', async () => {
    const profile = await loadWith(
      'kind: jwt\ncredentials: { id: LK_KEY, secret: LK_SECRET }\nalgorithm: HS256\nlifetime: 10m\nclaims: { iss: "{{clientId}}", sub: roomgate, video: { roomCreate: true, roomList: true } }',
    );
    let clock = Date.UTC(2026, 5, 1, 12, 0, 0);
    const seen: Record<string, unknown>[] = [];
    server = await acmeServer(async (h) => {
      const token = /^Bearer (.+)$/.exec(h['authorization'] ?? '')?.[1] ?? '';
      const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
        algorithms: ['HS256'],
        issuer: 'key-1',
        currentDate: new Date(clock),
      });
      expect(protectedHeader.alg).toBe('HS256');
      seen.push(payload);
      return true;
    });
    const client = createProfileClient(profile, { baseUrl: server.url, env: { LK_KEY: 'key-1', LK_SECRET: SECRET }, now: () => clock });
    await client.getRoom('a');
    const start = Math.floor(clock / 1000);
    expect(seen[0]).toEqual({ iss: 'key-1', sub: 'roomgate', video: { roomCreate: true, roomList: true }, iat: start, nbf: start, exp: start + 600 });

    clock += 500_000; // still before the refresh margin (60 s before exp): the same token
    await client.getRoom('b');
    expect(seen[1]).toEqual(seen[0]);

    clock += 50_000; // 550 s: inside the margin, a fresh token
    await client.getRoom('c');
    expect(seen[2]).toMatchObject({ iat: start + 550, exp: start + 1150 });

    client.auth.invalidate();
    clock += 1_000;
    await client.getRoom('d');
    expect(seen[3]).toMatchObject({ iat: start + 551 });
    const tokens = roomReads(server).map((r) => r.headers['authorization']!.slice('Bearer '.length));
    expect(new Set(tokens).size).toBe(3);
    expect(client.auth.issued()).toEqual([SECRET, ...new Set(tokens)]);
  });
});

describe('auth kind client-credentials', () => {
  it('posts an RFC 6749 form body (grant_type, client_id, client_secret), caches the token and refreshes it before expiry', async () => {
    const profile = await loadWith(
      'kind: client-credentials\ntoken:\n  operation: issueToken\n  encoding: form\n  fields: { grant_type: client_credentials }\n  accessToken: /access_token\n  expiresIn: /expires_in',
    );
    let issued = 0;
    server = await acmeServer(
      (h) => h['authorization'] === `Bearer at-${issued}`,
      ({ headers, body }) => {
        const form = new URLSearchParams(body);
        const ok =
          headers['content-type'] === 'application/x-www-form-urlencoded' &&
          form.get('grant_type') === 'client_credentials' &&
          form.get('client_id') === 'cid' &&
          form.get('client_secret') === 'c s&=';
        if (!ok) return { status: 401, body: { error: 'invalid_client' } };
        issued += 1;
        return { status: 200, body: { access_token: `at-${issued}`, token_type: 'Bearer', expires_in: 2 } };
      },
    );
    let clock = 1_000_000;
    const client = createProfileClient(profile, { baseUrl: server.url, clientId: 'cid', clientSecret: 'c s&=', env: {}, now: () => clock });
    await client.getRoom('a');
    clock += 500; // a 2 s token is refreshed 1 s before expiry: still the cached one
    await client.getRoom('b');
    expect(tokenRequests(server)).toHaveLength(1);
    clock += 600;
    await client.getRoom('c');
    expect(tokenRequests(server)).toHaveLength(2);
    expect(roomReads(server).map((r) => r.headers['authorization'])).toEqual(['Bearer at-1', 'Bearer at-1', 'Bearer at-2']);
    expect(client.auth.issued()).toEqual(['c s&=', 'at-1', 'at-2']);
  });

  it('sends the pair as HTTP Basic with a JSON body when clientAuth is basic', async () => {
    const profile = await loadWith(
      'kind: client-credentials\ntoken: { operation: "POST /oauth/token", encoding: json, clientAuth: basic, fields: { audience: rooms }, accessToken: /access_token, lifetime: 30m }',
    );
    server = await acmeServer(
      (h) => h['authorization'] === 'Bearer only-token',
      ({ headers, body }) =>
        headers['authorization'] === `Basic ${Buffer.from('cid:sec').toString('base64')}` &&
        headers['content-type'] === 'application/json' &&
        body === '{"audience":"rooms"}'
          ? { status: 200, body: { access_token: 'only-token' } }
          : { status: 400, body: { error: 'invalid_request' } },
    );
    const client = createProfileClient(profile, { baseUrl: server.url, clientId: 'cid', clientSecret: 'sec', env: {} });
    expect((await client.getRoom('x'))?.id).toBe('x');
  });

  it('a 401 on a cached token fetches a fresh one and retries once; a second 401 is the answer', async () => {
    const profile = await loadWith(
      'kind: client-credentials\ntoken: { operation: issueToken, encoding: form, accessToken: /access_token, expiresIn: /expires_in }',
    );
    let issued = 0;
    let revoked = 'at-1';
    server = await acmeServer(
      (h) => h['authorization'] !== `Bearer ${revoked}`,
      () => ({ status: 200, body: { access_token: `at-${++issued}`, expires_in: 3600 } }),
    );
    const client = createProfileClient(profile, { baseUrl: server.url, clientId: 'cid', clientSecret: 'sec', env: {} });
    expect((await client.getRoom('a'))?.id).toBe('a');
    expect(roomReads(server).map((r) => r.headers['authorization'])).toEqual(['Bearer at-1', 'Bearer at-2']);
    expect(tokenRequests(server)).toHaveLength(2);

    revoked = 'at-2';
    await client.getRoom('b'); // at-2 refused → at-3
    expect(tokenRequests(server)).toHaveLength(3);

    server.requests.length = 0;
    revoked = '';
    const stubborn = await acmeServer(
      () => false,
      () => ({ status: 200, body: { access_token: `at-${++issued}`, expires_in: 3600 } }),
    );
    try {
      const refused = createProfileClient(profile, { baseUrl: stubborn.url, clientId: 'cid', clientSecret: 'sec', env: {} });
      await expect(refused.getRoom('c')).rejects.toThrow(/getRoom answered 401/);
      expect(roomReads(stubborn)).toHaveLength(2);
      expect(tokenRequests(stubborn)).toHaveLength(2);
    } finally {
      await stubborn.close();
    }
  });

  it('a refused token request names the token operation and says to check the credentials', async () => {
    const profile = await loadWith('kind: client-credentials\ntoken: { operation: issueToken, accessToken: /access_token }');
    server = await acmeServer(
      () => true,
      () => ({ status: 401, body: { error: 'invalid_client' } }),
    );
    const client = createProfileClient(profile, { baseUrl: server.url, clientId: 'cid', clientSecret: 'bad', env: {} });
    await expect(client.getRoom('a')).rejects.toThrow(/issueToken answered 401 \(token request refused: check the client id and secret\)/);
  });
});

describe('credentials come from the environment, never from the profile', () => {
  it('a named variable that is not set is a config error naming it', async () => {
    const profile = await loadWith('kind: bearer\ncredentials: { secret: ACME_MISSING_KEY }');
    const error = (() => {
      try {
        createProfileClient(profile, { baseUrl: 'http://127.0.0.1:9', clientSecret: 'flag', env: {} });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('ACME_MISSING_KEY, which is not set');
    expect((error as ConfigError).hint).toContain('export ACME_MISSING_KEY=');
  });
});
