import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { http, withReferenceServer } from '../helpers/reference-http.js';

const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * A request with `Content-Type: application/json` and no body, with
 * `Content-Length: 0` or without any length header (both occur in the wild).
 * node:http, because fetch refuses a body (even an empty one) on GET.
 */
function emptyJsonTyped(
  baseUrl: string,
  method: string,
  path: string,
  token: string,
  withLength = true,
): Promise<{ status: number; body: unknown; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...JSON_TYPE, authorization: `Bearer ${token}`, ...(withLength ? { 'content-length': '0' } : {}) };
    const req = httpRequest(`${baseUrl}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text), text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('reference server: Content-Type application/json with an empty body', () => {
  for (const hotPath of [true, false]) {
    it(`GET and DELETE with an empty JSON-typed body are accepted (hotPath ${hotPath})`, async () => {
      await withReferenceServer({ hotPath }, async (server, token) => {
        const created = await http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'empty-body' } });
        expect(created.status).toBe(201);
        const id = (created.body as { room_id: string }).room_id;

        for (const withLength of [true, false]) {
          const got = await emptyJsonTyped(server.url, 'GET', `/v1/rooms/${id}`, token, withLength);
          expect(got.status, got.text).toBe(200);
          expect(got.body).toMatchObject({ room_id: id });
          const listed = await emptyJsonTyped(server.url, 'GET', '/v1/rooms', token, withLength);
          expect(listed.status, listed.text).toBe(200);
        }

        const deleted = await emptyJsonTyped(server.url, 'DELETE', `/v1/rooms/${id}`, token);
        expect(deleted.status, deleted.text).toBe(200);
        expect(deleted.body).toEqual({ message: `Room ${id} has been closed.` });

        const second = await http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'no-length' } });
        const secondId = (second.body as { room_id: string }).room_id;
        expect(await emptyJsonTyped(server.url, 'DELETE', `/v1/rooms/${secondId}`, token, false)).toMatchObject({ status: 200 });

        const hook = await http(server.url, 'POST', '/v1/webhooks', { token, json: { url: 'http://127.0.0.1:9/hook', events: ['room.created'] } });
        expect(hook.status, hook.text).toBe(201);
        const hookId = (hook.body as { webhook_id: string }).webhook_id;
        const unhooked = await emptyJsonTyped(server.url, 'DELETE', `/v1/webhooks/${hookId}`, token);
        expect(unhooked.status, unhooked.text).toBeLessThan(300);
      });
    });
  }

  it('a malformed non-empty JSON body is still 400 invalid_json, on DELETE and POST; an empty POST body too', async () => {
    await withReferenceServer({}, async (server, token) => {
      const created = await http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'bad-body' } });
      const id = (created.body as { room_id: string }).room_id;
      for (const raw of ['{bad', ' ', '{"a":']) {
        const result = await http(server.url, 'DELETE', `/v1/rooms/${id}`, { token, raw, headers: JSON_TYPE });
        expect(result.status, raw).toBe(400);
        expect(result.body).toMatchObject({ error: 'invalid_json', status: 400 });
      }
      const emptyPost = await http(server.url, 'POST', '/v1/rooms', { token, raw: '', headers: JSON_TYPE });
      expect(emptyPost.body).toMatchObject({ error: 'invalid_json', status: 400 });
      // The room was never closed by the rejected requests.
      expect((await http(server.url, 'GET', `/v1/rooms/${id}`, { token })).body).toMatchObject({ status: 'waiting' });
    });
  });
});
