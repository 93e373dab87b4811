import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { accessToken, http, startReferenceServer } from '../helpers/reference-http.js';

function expectInvalidToken(result: { status: number; headers: Headers; body: unknown }): void {
  expect(result.status).toBe(401);
  expect(result.body).toMatchObject({ error: 'invalid_token', status: 401 });
  expect(result.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
  expect(result.headers.get('content-type')).toMatch(/^application\/json/);
}

function unsignedToken(sub: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub, iss: 'roomgate-reference', iat: now, exp: now + 3600 })}.`;
}

describe('reference server: client-credentials auth', () => {
  let server: ReferenceServer;
  beforeAll(async () => {
    server = await startReferenceServer();
  });
  afterAll(() => server.close());

  it('issues an HS256 JWT with sub and exp for the documented local credentials', async () => {
    const result = await http(server.url, 'POST', '/v1/auth/token', { json: { client_id: 'roomgate-local', client_secret: 'roomgate-local-secret' } });
    expect(result.status).toBe(200);
    expect(result.headers.get('cache-control')).toBe('no-store');
    expect(result.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    expect(decodeProtectedHeader(result.body.access_token).alg).toBe('HS256');
    const claims = decodeJwt(result.body.access_token);
    expect(claims.sub).toBe('roomgate-local');
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
  });

  it('refuses wrong credentials with 401 invalid_client', async () => {
    for (const json of [
      { client_id: 'roomgate-local', client_secret: 'wrong' },
      { client_id: 'nobody', client_secret: 'roomgate-local-secret' },
    ]) {
      const result = await http(server.url, 'POST', '/v1/auth/token', { json });
      expect(result.status).toBe(401);
      expect(result.body).toEqual({ error: 'invalid_client', message: expect.any(String), status: 401 });
    }
  });

  it('answers a malformed token request with 400 naming the missing field', async () => {
    const result = await http(server.url, 'POST', '/v1/auth/token', { json: { client_id: 'roomgate-local' } });
    expect(result.status).toBe(400);
    expect(result.body.message).toContain('client_secret');
  });

  it('accepts a valid bearer token', async () => {
    const token = await accessToken(server.url);
    expect((await http(server.url, 'GET', '/v1/rooms', { token })).status).toBe(200);
  });

  it('refuses a missing token, a non-Bearer scheme and garbage with 401 invalid_token', async () => {
    expectInvalidToken(await http(server.url, 'GET', '/v1/rooms'));
    expectInvalidToken(await http(server.url, 'GET', '/v1/rooms', { headers: { authorization: 'Basic cm9vbWdhdGU6eA==' } }));
    expectInvalidToken(await http(server.url, 'GET', '/v1/rooms', { token: 'garbage' }));
    expectInvalidToken(await http(server.url, 'GET', '/v1/rooms', { token: 'a.b.c' }));
  });

  it('refuses an unsigned alg:none token', async () => {
    expectInvalidToken(await http(server.url, 'GET', '/v1/rooms', { token: unsignedToken('roomgate-local') }));
  });

  it('refuses a token signed with another key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('roomgate-local')
      .setIssuer('roomgate-reference')
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(randomBytes(32));
    expectInvalidToken(await http(server.url, 'GET', '/v1/rooms', { token: forged }));
  });

  it('refuses a token with a tampered payload', async () => {
    const token = await accessToken(server.url);
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 'someone-else', iss: 'roomgate-reference', exp: 4102444800 })).toString('base64url');
    expectInvalidToken(await http(server.url, 'GET', '/v1/rooms', { token: `${header}.${payload}.${signature}` }));
  });

  it('does not require a token for unknown routes (404) but does for every /v1 resource', async () => {
    expect((await http(server.url, 'GET', '/v1/nothing-here')).status).toBe(404);
    expectInvalidToken(await http(server.url, 'POST', '/v1/rooms', { json: { name: 'x' } }));
    expectInvalidToken(await http(server.url, 'DELETE', '/v1/rooms/rm_0000000000'));
    expectInvalidToken(await http(server.url, 'POST', '/v1/rooms/rm_0000000000/join-tokens'));
    // The webhook part's routes are covered by the same global hook.
    expectInvalidToken(await http(server.url, 'GET', '/v1/webhooks'));
    expectInvalidToken(await http(server.url, 'DELETE', '/v1/webhooks/wh_x'));
    const token = await accessToken(server.url);
    const listed = await http(server.url, 'GET', '/v1/webhooks', { token });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('ratelimit')).not.toBeNull();
  });
});

describe('reference server: token expiry', () => {
  it('refuses an expired token, and accepts it under the auth-bypass fault', async () => {
    // exp is whole seconds, so a 2 s token lives at least 1 s: time for the first, valid use.
    const clean = await startReferenceServer({ tokenTtlSeconds: 2 });
    const bypass = await startReferenceServer({ tokenTtlSeconds: 2, faults: ['auth-bypass'] });
    try {
      const cleanToken = await accessToken(clean.url);
      const bypassToken = await accessToken(bypass.url);
      // Used once while valid, so the expired case also exercises the verified-token cache.
      expect((await http(clean.url, 'GET', '/v1/rooms', { token: cleanToken })).status).toBe(200);
      const lastExpMs = Math.max(decodeJwt(cleanToken).exp ?? 0, decodeJwt(bypassToken).exp ?? 0) * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastExpMs - Date.now()) + 150));
      const expired = await http(clean.url, 'GET', '/v1/rooms', { token: cleanToken });
      expectInvalidToken(expired);
      expect(expired.body.message).toMatch(/expired/);
      expect((await http(bypass.url, 'GET', '/v1/rooms', { token: bypassToken })).status).toBe(200);
    } finally {
      await Promise.all([clean.close(), bypass.close()]);
    }
  });

  it('honours custom client credentials and rejects the default pair then', async () => {
    const server = await startReferenceServer({ clients: [{ clientId: 'ci', clientSecret: 's3cret' }] });
    try {
      expect(await accessToken(server.url, 'ci', 's3cret')).toEqual(expect.any(String));
      const result = await http(server.url, 'POST', '/v1/auth/token', { json: { client_id: 'roomgate-local', client_secret: 'roomgate-local-secret' } });
      expect(result.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe('AccessTokens', () => {
  it('keeps its verified-token cache bounded and still checks exp of cached tokens', async () => {
    const { AccessTokens } = await import('../../src/reference/auth/access-tokens.js');
    let now = Date.now();
    const tokens = new AccessTokens({ ttlSeconds: 60, acceptExpired: false, cacheSize: 2, now: () => now });
    const issued = await Promise.all(['a', 'b', 'c'].map((id) => tokens.issue(id)));
    for (const token of issued) expect(await tokens.verify(token)).toMatchObject({ ok: true });
    // 'a' was evicted (bound 2), 'c' is cached.
    expect(tokens.fromCache(issued[0] as string)).toBeUndefined();
    expect(tokens.fromCache(issued[2] as string)).toEqual({ ok: true, clientId: 'c' });
    now += 61_000;
    expect(tokens.fromCache(issued[2] as string)).toEqual({ ok: false, reason: 'expired' });
    expect(await tokens.verify(issued[0] as string)).toEqual({ ok: false, reason: 'expired' });
  });
});
