import { readFile } from 'node:fs/promises';
import { dereference } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createJoinTokenService } from '../../src/reference/rooms/join-tokens.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { accessToken, http, type HttpResult, startReferenceServer } from '../helpers/reference-http.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface Doc {
  components: { schemas: Record<string, object>; headers: Record<string, { schema: { pattern: string } }> };
}

/** The server's real responses, validated against the published document's own schemas. */
describe('reference server conforms to contracts/videoconnect.v1.openapi.yaml', () => {
  let server: ReferenceServer;
  let token: string;
  let conforms: (schema: string, result: HttpResult) => void;
  let doc: Doc;

  beforeAll(async () => {
    const raw = parseYaml(await readFile(`${REPO_ROOT}contracts/videoconnect.v1.openapi.yaml`, 'utf8')) as object;
    doc = (await dereference(raw as never)) as unknown as Doc;
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    conforms = (schema, result) => {
      const validate = ajv.compile(doc.components.schemas[schema] as object);
      expect(validate(result.body), `${schema}: ${ajv.errorsText(validate.errors)} in ${result.text}`).toBe(true);
    };
    server = await startReferenceServer({ rateLimit: { quota: 40, windowSeconds: 60 } });
    token = await accessToken(server.url);
  });
  afterAll(() => server.close());

  it('token, room, page, delete and join-token bodies match their schemas', async () => {
    conforms(
      'TokenResponse',
      await http(server.url, 'POST', '/v1/auth/token', { json: { client_id: 'roomgate-local', client_secret: 'roomgate-local-secret' } }),
    );
    const created = await http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'Conform', is_private: true } });
    conforms('Room', created);
    server.store.join(created.body.room_id, 'Ada');
    conforms('Room', await http(server.url, 'GET', `/v1/rooms/${created.body.room_id}`, { token }));
    await http(server.url, 'POST', '/v1/rooms', { token, json: { name: 'Second' } });
    const page = await http(server.url, 'GET', '/v1/rooms?limit=1', { token });
    conforms('RoomPage', page);
    conforms('RoomPage', await http(server.url, 'GET', `/v1/rooms?limit=1&cursor=${page.body.next_cursor}`, { token }));
    conforms('JoinToken', await http(server.url, 'POST', `/v1/rooms/${created.body.room_id}/join-tokens`, { token, json: { participant_name: 'Ada' } }));
    conforms('DeleteRoomResponse', await http(server.url, 'DELETE', `/v1/rooms/${created.body.room_id}`, { token }));
    conforms('Room', await http(server.url, 'GET', `/v1/rooms/${created.body.room_id}`, { token }));
  });

  it('error bodies match the Error schema and rate-limit headers match their published patterns', async () => {
    const errors = [
      await http(server.url, 'GET', '/v1/rooms'),
      await http(server.url, 'GET', '/v1/rooms/rm_0000000000', { token }),
      await http(server.url, 'PUT', '/v1/rooms', { token }),
      await http(server.url, 'POST', '/v1/rooms', { token, raw: '{', headers: { 'content-type': 'application/json' } }),
      await http(server.url, 'POST', '/v1/rooms', { token, raw: 'x', headers: { 'content-type': 'text/plain' } }),
      await http(server.url, 'GET', '/nowhere'),
    ];
    for (const result of errors) conforms('Error', result);
    const ok = await http(server.url, 'GET', '/v1/rooms', { token });
    expect(ok.headers.get('ratelimit-policy')).toMatch(new RegExp(doc.components.headers['RateLimit-Policy']?.schema.pattern ?? '^$'));
    expect(ok.headers.get('ratelimit')).toMatch(new RegExp(doc.components.headers['RateLimit']?.schema.pattern ?? '^$'));
  });
});

describe('join tokens (ctx.joinTokens)', () => {
  it('verify only for the room they were issued for, and not when forged', async () => {
    const service = createJoinTokenService();
    const { token, expiresIn } = await service.issue('rm_AAAAAAAAAA', 'Ada');
    expect(expiresIn).toBe(3600);
    expect(await service.verify(token, 'rm_AAAAAAAAAA')).toEqual({ roomId: 'rm_AAAAAAAAAA', participantName: 'Ada' });
    expect(await service.verify(token, 'rm_BBBBBBBBBB')).toBeUndefined();
    expect(await service.verify('garbage', 'rm_AAAAAAAAAA')).toBeUndefined();
    const other = createJoinTokenService();
    expect(await other.verify(token, 'rm_AAAAAAAAAA')).toBeUndefined();
  });

  it('expire after an hour', async () => {
    let now = Date.now();
    const service = createJoinTokenService(() => now);
    const { token } = await service.issue('rm_AAAAAAAAAA', undefined);
    now += 3601 * 1000;
    expect(await service.verify(token, 'rm_AAAAAAAAAA')).toBeUndefined();
  });
});
