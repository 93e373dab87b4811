import { readFile } from 'node:fs/promises';
import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../helpers/run-cli.js';

const DOCUMENT = `${REPO_ROOT}contracts/videoconnect.v1.openapi.yaml`;

interface Operation {
  operationId?: string;
  security?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: Schema }> }>;
  parameters?: { name: string; in: string }[];
}
interface Schema {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
  allOf?: Schema[];
  pattern?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, { post: Operation }>;
  components: { schemas: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

async function loadDereferenced(): Promise<Document> {
  const raw = parseYaml(await readFile(DOCUMENT, 'utf8')) as object;
  return (await dereference(raw as never)) as unknown as Document;
}

function operations(doc: Document): [string, string, Operation][] {
  const out: [string, string, Operation][] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) if (item[method] !== undefined) out.push([method.toUpperCase(), path, item[method] as Operation]);
  }
  return out;
}

describe('the published VideoConnect v1 contract', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(DOCUMENT);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    const doc = await loadDereferenced();
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('has every operation of the API, each with an operationId', async () => {
    const doc = await loadDereferenced();
    const ids = Object.fromEntries(operations(doc).map(([method, path, op]) => [`${method} ${path}`, op.operationId]));
    expect(ids).toEqual({
      'POST /v1/auth/token': 'issueToken',
      'POST /v1/rooms': 'createRoom',
      'GET /v1/rooms': 'listRooms',
      'GET /v1/rooms/{room_id}': 'getRoom',
      'DELETE /v1/rooms/{room_id}': 'deleteRoom',
      'POST /v1/rooms/{room_id}/join-tokens': 'createJoinToken',
      'POST /v1/webhooks': 'createWebhook',
      'GET /v1/webhooks': 'listWebhooks',
      'DELETE /v1/webhooks/{webhook_id}': 'deleteWebhook',
    });
  });

  it('documents the error responses each operation can give, all with the shared envelope', async () => {
    const doc = await loadDereferenced();
    for (const [method, path, op] of operations(doc)) {
      const where = `${method} ${path}`;
      const codes = Object.keys(op.responses);
      const authenticated = op.security === undefined || op.security.length > 0;
      const needed = ['401', '405', '500'];
      if (authenticated) needed.push('429');
      if (op.requestBody !== undefined) needed.push('400', '413', '415');
      if (path.includes('{')) needed.push('404');
      if (where === 'POST /v1/rooms') needed.push('409', '422');
      if (where === 'POST /v1/rooms/{room_id}/join-tokens') needed.push('409');
      for (const code of needed) expect(codes, `${where} lacks ${code}`).toContain(code);
      for (const code of codes.filter((c) => Number(c) >= 400)) {
        const schema = op.responses[code]?.content?.['application/json']?.schema;
        const envelope = schema?.allOf?.[0] ?? schema;
        expect(envelope?.required, `${where} ${code} is not the envelope`).toEqual(['error', 'message', 'status']);
        expect(envelope?.properties?.['status']).toMatchObject({ type: 'integer', minimum: 400, maximum: 599 });
      }
      if (authenticated) {
        expect(Object.keys(op.responses['401']?.headers ?? {}), `${where} 401`).toContain('WWW-Authenticate');
        expect(Object.keys(op.responses['429']?.headers ?? {}), `${where} 429`).toContain('Retry-After');
        const success = codes.find((c) => c.startsWith('2'));
        expect(Object.keys(op.responses[success ?? '']?.headers ?? {}), `${where} rate-limit headers`).toEqual(
          expect.arrayContaining(['RateLimit-Policy', 'RateLimit']),
        );
      }
      expect(Object.keys(op.responses['405']?.headers ?? {}), `${where} 405`).toContain('Allow');
    }
  });

  it('publishes create-room semantics: Location, Idempotency-Key, defaults and bounds', async () => {
    const doc = await loadDereferenced();
    const create = doc.paths['/v1/rooms']?.['post'] as Operation;
    expect(Object.keys(create.responses['201']?.headers ?? {})).toEqual(expect.arrayContaining(['Location', 'Idempotent-Replayed']));
    expect(create.parameters?.map((p) => `${p.in}:${p.name}`)).toContain('header:Idempotency-Key');
    const body = doc.components.schemas['CreateRoomRequest'] as Schema;
    expect(body.additionalProperties).toBe(false);
    expect(body.required).toEqual(['name']);
    expect(body.properties?.['name']).toMatchObject({ minLength: 1, maxLength: 100 });
    expect(body.properties?.['max_participants']).toMatchObject({ type: 'integer', minimum: 1, maximum: 50, default: 10 });
    expect(body.properties?.['is_private']).toMatchObject({ type: 'boolean', default: false });
    expect(body.properties?.['recording']).toMatchObject({ type: 'boolean', default: false });
  });

  it('publishes the Room with every field required and rm_-prefixed ids', async () => {
    const doc = await loadDereferenced();
    const room = doc.components.schemas['Room'] as Schema;
    expect(room.additionalProperties).toBe(false);
    expect([...(room.required ?? [])].sort()).toEqual(Object.keys(room.properties ?? {}).sort());
    expect(room.properties?.['room_id']?.pattern).toBe('^rm_[0-9A-Za-z]{10}$');
    expect(new RegExp(room.properties?.['room_id']?.pattern ?? '').test('rm_8xKp2mNqLz')).toBe(true);
  });

  it('describes each webhook event with its payload and the Standard Webhooks headers', async () => {
    const doc = await loadDereferenced();
    expect(Object.keys(doc.webhooks).sort()).toEqual(['participant.joined', 'participant.left', 'room.closed', 'room.created']);
    for (const [event, item] of Object.entries(doc.webhooks)) {
      const headers = item.post.parameters?.filter((p) => p.in === 'header').map((p) => p.name);
      expect(headers, event).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
      const schema = (item.post.requestBody as { content: Record<string, { schema: Schema }> }).content['application/json']?.schema;
      expect(schema?.required, event).toEqual(['type', 'timestamp', 'data']);
      const dataRequired = schema?.properties?.['data']?.required;
      expect(dataRequired, event).toEqual(event.startsWith('participant.') ? ['room', 'participant'] : ['room']);
    }
  });
});
