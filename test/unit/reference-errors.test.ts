import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { accessToken, http, type HttpResult, startReferenceServer, withReferenceServer } from '../helpers/reference-http.js';

function expectEnvelope(result: HttpResult, status: number, error: string): void {
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toMatch(/^application\/json/);
  expect(result.body).toEqual({ error, message: expect.any(String), status });
}

describe('reference server: every error is the {error, message, status} envelope', () => {
  let server: ReferenceServer;
  let token: string;
  beforeAll(async () => {
    server = await startReferenceServer();
    token = await accessToken(server.url);
  });
  afterAll(() => server.close());

  it('unknown routes are 404 not_found', async () => {
    expectEnvelope(await http(server.url, 'GET', '/'), 404, 'not_found');
    expectEnvelope(await http(server.url, 'GET', '/v2/rooms'), 404, 'not_found');
    expectEnvelope(await http(server.url, 'POST', '/v1/rooms/rm_0000000000/unknown', { token, json: {} }), 404, 'not_found');
  });

  it('a known path with the wrong method is 405 with an Allow header', async () => {
    const put = await http(server.url, 'PUT', '/v1/rooms/rm_0000000000', { token, json: {} });
    expectEnvelope(put, 405, 'method_not_allowed');
    expect(put.headers.get('allow')).toBe('DELETE, GET, HEAD');
    const patch = await http(server.url, 'PATCH', '/v1/rooms', { token });
    expectEnvelope(patch, 405, 'method_not_allowed');
    expect(patch.headers.get('allow')).toBe('GET, HEAD, POST');
    const getToken = await http(server.url, 'GET', '/v1/auth/token');
    expectEnvelope(getToken, 405, 'method_not_allowed');
    expect(getToken.headers.get('allow')).toBe('POST');
  });

  it('malformed and empty JSON bodies are 400 invalid_json', async () => {
    for (const raw of ['{bad', '{"name": "x",}', 'null x', '"unterminated']) {
      expectEnvelope(await http(server.url, 'POST', '/v1/rooms', { token, raw, headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
    }
    expectEnvelope(await http(server.url, 'POST', '/v1/rooms', { token, raw: '', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
    expectEnvelope(
      await http(server.url, 'POST', '/v1/auth/token', { raw: '{"client_id":', headers: { 'content-type': 'application/json' } }),
      400,
      'invalid_json',
    );
  });

  it('bodies over 64 KiB are 413 payload_too_large', async () => {
    const result = await http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'x', padding: 'y'.repeat(70 * 1024) } });
    expectEnvelope(result, 413, 'payload_too_large');
  });

  it('bodies that are not JSON are 415 unsupported_media_type', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
      const result = await http(server.url, 'POST', '/v1/rooms', { token, raw: 'name=x', headers: { 'content-type': type } });
      expectEnvelope(result, 415, 'unsupported_media_type');
    }
  });

  it('accepts application/json with a charset parameter', async () => {
    const result = await http(server.url, 'POST', '/v1/rooms', { token, raw: '{"name":"x"}', headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(result.status).toBe(201);
  });

  const violations: [string, unknown, string][] = [
    ['missing name', {}, 'name'],
    ['empty name', { name: '' }, 'name'],
    ['name over 100 characters', { name: 'n'.repeat(101) }, 'name'],
    ['name not a string', { name: 42 }, 'name'],
    ['max_participants 0', { name: 'x', max_participants: 0 }, 'max_participants'],
    ['max_participants 51', { name: 'x', max_participants: 51 }, 'max_participants'],
    ['max_participants fractional', { name: 'x', max_participants: 2.5 }, 'max_participants'],
    ['max_participants as a string', { name: 'x', max_participants: '5' }, 'max_participants'],
    ['is_private not a boolean', { name: 'x', is_private: 'yes' }, 'is_private'],
    ['recording not a boolean', { name: 'x', recording: 1 }, 'recording'],
    ['an unknown field', { name: 'x', colour: 'blue' }, 'colour'],
    ['an array body', [{ name: 'x' }], 'body'],
    ['a string body', 'x', 'body'],
    ['a null body', null, 'body'],
  ];
  for (const [what, json, field] of violations) {
    it(`create with ${what} is 400 invalid_request naming "${field}"`, async () => {
      const result = await http(server.url, 'POST', '/v1/rooms', { token, raw: JSON.stringify(json), headers: { 'content-type': 'application/json' } });
      expectEnvelope(result, 400, 'invalid_request');
      expect(result.body.message).toContain(field);
    });
  }

  it('no hostile input yields a 500 or kills the server', async () => {
    const inputs: { method: string; path: string; raw?: string; headers?: Record<string, string> }[] = [
      { method: 'POST', path: '/v1/rooms', raw: '{"__proto__":{"admin":true},"name":"x"}', headers: { 'content-type': 'application/json' } },
      { method: 'POST', path: '/v1/rooms', raw: '{"constructor":{"prototype":{}},"name":"x"}', headers: { 'content-type': 'application/json' } },
      { method: 'POST', path: '/v1/rooms', raw: '['.repeat(5000), headers: { 'content-type': 'application/json' } },
      { method: 'POST', path: '/v1/rooms', raw: '\u0000\u0001\u0002', headers: { 'content-type': 'application/json' } },
      { method: 'GET', path: '/v1/rooms/%E0%A4%A' },
      { method: 'GET', path: `/v1/rooms/${'x'.repeat(5000)}` },
      { method: 'GET', path: '/v1/rooms?limit=1&limit=2' },
      { method: 'GET', path: '/v1/rooms?cursor=' + 'A'.repeat(5000) },
      { method: 'POST', path: '/v1/rooms', raw: '{"name":"x"}', headers: { 'content-type': 'application/json', 'idempotency-key': '"' } },
      { method: 'POST', path: '/v1/auth/token', raw: '{"client_id":{"$ne":null},"client_secret":[]}', headers: { 'content-type': 'application/json' } },
    ];
    for (const input of inputs) {
      const result = await http(server.url, input.method, input.path, {
        token,
        ...(input.raw === undefined ? {} : { raw: input.raw }),
        ...(input.headers === undefined ? {} : { headers: input.headers }),
      });
      const where = `${input.method} ${input.path.slice(0, 40)} ${input.raw?.slice(0, 30) ?? ''}`;
      expect(result.status, where).toBeGreaterThanOrEqual(400);
      expect(result.status, where).toBeLessThan(500);
      expect(result.body, where).toEqual({ error: expect.any(String), message: expect.any(String), status: result.status });
    }
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
    expect((await http(server.url, 'GET', '/v1/rooms', { token })).status).toBe(200);
  });
});

describe('reference server: error faults', () => {
  it('envelope: error bodies lack status', async () => {
    const server = await startReferenceServer({ faults: ['envelope'] });
    try {
      const result = await http(server.url, 'GET', '/v1/rooms');
      expect(result.status).toBe(401);
      expect(result.body).toEqual({ error: 'invalid_token', message: expect.any(String) });
      expect((await http(server.url, 'GET', '/nowhere')).body).not.toHaveProperty('status');
    } finally {
      await server.close();
    }
  });

  it('server-errors: a small fraction of authenticated requests answer 500 internal_error in the envelope', async () => {
    await withReferenceServer({ faults: ['server-errors'] }, async (server, token) => {
      const statuses: number[] = [];
      for (let i = 0; i < 300; i += 1) {
        const result = await http(server.url, 'GET', '/v1/rooms', { token });
        statuses.push(result.status);
        if (result.status === 500) expect(result.body).toEqual({ error: 'internal_error', message: expect.any(String), status: 500 });
      }
      const failures = statuses.filter((s) => s === 500).length;
      // 5 % of 300 = 15; the bounds are > 6 standard deviations wide.
      expect(failures).toBeGreaterThan(0);
      expect(failures).toBeLessThan(50);
      expect(statuses.filter((s) => s !== 500 && s !== 200)).toEqual([]);
    });
  });

  it('the clean server never answers 500', async () => {
    await withReferenceServer({}, async (server, token) => {
      for (let i = 0; i < 100; i += 1) expect((await http(server.url, 'GET', '/v1/rooms', { token })).status).toBe(200);
    });
  });
});

describe('reference server: unparseable HTTP', () => {
  it('answers a malformed request line with a 400 envelope on the raw socket', async () => {
    const { connect } = await import('node:net');
    const server = await startReferenceServer();
    try {
      const port = server.port;
      const response = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write('GET /v1/rooms HTTP/9.9 garbage\r\n\r\n'));
        let data = '';
        socket.setEncoding('utf8').on('data', (chunk: string) => (data += chunk));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      expect(response).toMatch(/^HTTP\/1\.1 400 /);
      const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
      expect(body).toEqual({ error: 'invalid_request', message: expect.any(String), status: 400 });
    } finally {
      await server.close();
    }
  });
});
