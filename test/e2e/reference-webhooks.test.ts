import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { Webhook } from 'standardwebhooks';
import { parse as parseYaml } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedWebhookSubscription, Room, WebhookEvent } from '../../src/target/api-types.js';
import { createReferenceServer } from '../../src/reference/server.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { WebhookSink, type ReceivedWebhook } from '../helpers/webhook-sink.js';

const CLIENT_A = { clientId: 'client-a', clientSecret: 'secret-a-0123456789' };
const CLIENT_B = { clientId: 'client-b', clientSecret: 'secret-b-0123456789' };
const FAST_RETRIES = { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 4, attemptTimeoutMs: 2000 };

class Api {
  private constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  static async as(server: ReferenceServer, credentials: { clientId: string; clientSecret: string }): Promise<Api> {
    const response = await fetch(`${server.url}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: credentials.clientId, client_secret: credentials.clientSecret }),
    });
    const body = (await response.json()) as { access_token: string };
    return new Api(server.url, body.access_token);
  }

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async subscribe(
    url: string,
    events: string[] = ['room.created', 'participant.joined', 'participant.left', 'room.closed'],
  ): Promise<CreatedWebhookSubscription> {
    const { status, body } = await this.call('POST', '/v1/webhooks', { url, events });
    expect(status).toBe(201);
    return body as unknown as CreatedWebhookSubscription;
  }

  async createRoom(name: string): Promise<Room> {
    const { status, body } = await this.call('POST', '/v1/rooms', { name, max_participants: 3 });
    expect(status).toBe(201);
    return body as unknown as Room;
  }
}

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** Validates a delivered body against the request schema the published contract's `webhooks` section gives for its event type. */
function contractValidator(): (event: WebhookEvent) => string[] {
  const document = parseYaml(readFileSync(new URL('../../contracts/videoconnect.v1.openapi.yaml', import.meta.url), 'utf8')) as {
    webhooks: Record<string, { post: { requestBody: { content: { 'application/json': { schema: object } } } } }>;
  };
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateSchema: false }));
  ajv.addSchema(document as object, 'contract');
  return (event) => {
    const entry = document.webhooks[event.type];
    if (entry === undefined) return [`the contract has no webhook ${event.type}`];
    const ref = (entry.post.requestBody.content['application/json'].schema as { $ref: string }).$ref;
    const validate = ajv.getSchema(`contract${ref}`);
    if (validate === undefined) return [`cannot resolve ${ref}`];
    return validate(event) ? [] : (validate.errors ?? []).map((e) => `${event.type} ${e.instancePath} ${e.message ?? ''}`);
  };
}

function verifyAll(received: ReceivedWebhook[], secret: string): WebhookEvent[] {
  const webhook = new Webhook(secret);
  return received.map((r) => webhook.verify(r.body, r.headers as Record<string, string>) as WebhookEvent);
}

describe('reference server webhooks (real server, loopback sink)', () => {
  let server: ReferenceServer;
  let a: Api;
  let b: Api;
  let sink: WebhookSink;

  beforeAll(async () => {
    server = await createReferenceServer({ port: 0, clients: [CLIENT_A, CLIENT_B], webhookDelivery: FAST_RETRIES });
    a = await Api.as(server, CLIENT_A);
    b = await Api.as(server, CLIENT_B);
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(async () => {
    await sink?.close();
  });

  it('returns a whsec_ secret once and lists subscriptions without it', async () => {
    sink = await WebhookSink.start();
    const created = await a.subscribe(sink.url(), ['room.created']);
    expect(created.webhook_id).toMatch(/^wh_[0-9A-Za-z]+$/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(created).toMatchObject({ url: sink.url(), events: ['room.created'] });
    expect(Number.isNaN(Date.parse(created.created_at))).toBe(false);
    const list = await a.call('GET', '/v1/webhooks');
    expect(list.status).toBe(200);
    const listed = (list.body['data'] as Array<Record<string, unknown>>).find((s) => s['webhook_id'] === created.webhook_id);
    expect(listed).toEqual({ webhook_id: created.webhook_id, url: sink.url(), events: ['room.created'], created_at: created.created_at });
    const other = await b.call('GET', '/v1/webhooks');
    expect((other.body['data'] as unknown[]).length).toBe(0);
  });

  it('rejects a non-http url, empty events and unknown events with 400 invalid_request', async () => {
    for (const body of [
      { url: 'ftp://127.0.0.1/hook', events: ['room.created'] },
      { url: 'not a url', events: ['room.created'] },
      { url: 'http://127.0.0.1/hook', events: [] },
      { url: 'http://127.0.0.1/hook', events: ['room.exploded'] },
      { url: 'http://127.0.0.1/hook' },
    ]) {
      const response = await a.call('POST', '/v1/webhooks', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toMatchObject({ error: 'invalid_request', status: 400 });
    }
  });

  it('deletes only the caller’s own subscription; unknown or foreign ids are 404', async () => {
    sink = await WebhookSink.start();
    const created = await a.subscribe(sink.url());
    const foreign = await b.call('DELETE', `/v1/webhooks/${created.webhook_id}`);
    expect(foreign).toMatchObject({ status: 404, body: { error: 'webhook_not_found', status: 404 } });
    const unknown = await a.call('DELETE', '/v1/webhooks/wh_doesnotexist');
    expect(unknown.status).toBe(404);
    const deleted = await a.call('DELETE', `/v1/webhooks/${created.webhook_id}`);
    expect(deleted.status).toBe(200);
    expect(typeof deleted.body['message']).toBe('string');
    const again = await a.call('DELETE', `/v1/webhooks/${created.webhook_id}`);
    expect(again.status).toBe(404);
    // A deleted subscription receives nothing.
    await a.createRoom('after delete');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sink.received).toHaveLength(0);
  });

  it('delivers the whole room lifecycle, signed, with a room snapshot per event', async () => {
    sink = await WebhookSink.start();
    const subscription = await a.subscribe(sink.url());
    const room = await a.createRoom('lifecycle');
    const joined = server.store.join(room.room_id, 'alice');
    expect(joined.ok).toBe(true);
    const second = server.store.join(room.room_id, 'bob');
    if (!second.ok) throw new Error('bob could not join');
    server.store.leave(room.room_id, second.participant.id);
    expect((await a.call('DELETE', `/v1/rooms/${room.room_id}`)).status).toBe(200);

    // created, joined ×2, left (bob), left (alice, disconnected by the close), closed
    await sink.waitFor(() => sink.received.length >= 6);
    const events = verifyAll(sink.received, subscription.secret);
    const byType = (type: string): WebhookEvent[] => events.filter((e) => e.type === type);
    expect(byType('room.created')).toHaveLength(1);
    expect(byType('participant.joined')).toHaveLength(2);
    expect(byType('participant.left')).toHaveLength(2);
    expect(byType('room.closed')).toHaveLength(1);
    for (const event of events) expect(event.data.room.room_id).toBe(room.room_id);
    const violations = contractValidator();
    expect(events.flatMap(violations)).toEqual([]);
    // The validator can fail: a participant event without its participant is caught.
    const joinedEvent = byType('participant.joined')[0]!;
    expect(violations({ ...joinedEvent, data: { room: joinedEvent.data.room } } as WebhookEvent)).not.toEqual([]);
    expect(byType('room.created')[0]?.data.room).toMatchObject({ status: 'waiting', participant_count: 0 });
    expect(byType('room.closed')[0]?.data.room).toMatchObject({ status: 'closed', participant_count: 0 });
    const counts = byType('participant.joined')
      .map((e) => e.data.room.participant_count)
      .sort();
    expect(counts).toEqual([1, 2]);
    const names = byType('participant.joined')
      .map((e) => ('participant' in e.data ? e.data.participant.name : ''))
      .sort();
    expect(names).toEqual(['alice', 'bob']);
    for (const event of byType('participant.left')) {
      if (!('participant' in event.data)) throw new Error('participant missing');
      expect(event.data.participant.participant_id).toMatch(/^pt_/);
      expect(Number.isNaN(Date.parse(event.data.participant.joined_at))).toBe(false);
    }
    // Every message has its own id; headers are Standard Webhooks'.
    expect(new Set(sink.received.map((r) => r.headers['webhook-id'])).size).toBe(6);
    for (const r of sink.received) {
      expect(r.headers['webhook-id']).toMatch(/^msg_/);
      expect(r.headers['webhook-signature']).toMatch(/^v1,/);
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    }
  });

  it('sends only the subscribed event types, and only for the subscriber’s own rooms', async () => {
    sink = await WebhookSink.start();
    const subscription = await a.subscribe(sink.url('/only-closed'), ['room.closed']);
    const mine = await a.createRoom('mine');
    const theirs = await b.createRoom('theirs');
    await a.call('DELETE', `/v1/rooms/${mine.room_id}`);
    await b.call('DELETE', `/v1/rooms/${theirs.room_id}`);
    await sink.waitFor(() => sink.received.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const events = verifyAll(sink.received, subscription.secret);
    expect(events.map((e) => [e.type, e.data.room.room_id])).toEqual([['room.closed', mine.room_id]]);
  });

  it('redelivers after a 500 with the same webhook-id', async () => {
    sink = await WebhookSink.start();
    sink.respondWith(({ index }) => ({ status: index === 0 ? 500 : 204 }));
    const subscription = await a.subscribe(sink.url(), ['room.created']);
    await a.createRoom('retried');
    await sink.waitFor(() => sink.received.length >= 2);
    const [first, second] = sink.received;
    expect([first?.answered, second?.answered]).toEqual([500, 204]);
    expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
    expect(second?.body).toBe(first?.body);
    verifyAll(sink.received, subscription.secret);
  });

  it('never follows a 302 and retries the subscribed URL instead', async () => {
    sink = await WebhookSink.start();
    sink.respondWith(({ path, index }) =>
      path === '/hook' && index === 0 ? { status: 302, headers: { location: sink.url('/redirected') } } : { status: 204 },
    );
    await a.subscribe(sink.url(), ['room.created']);
    await a.createRoom('redirected');
    await sink.waitFor(() => sink.at('/hook').length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(sink.at('/redirected')).toHaveLength(0);
    expect(sink.at('/hook').map((r) => r.answered)).toEqual([302, 204]);
  });

  it('gives up after the configured number of attempts', async () => {
    sink = await WebhookSink.start();
    sink.respondWith(() => ({ status: 500 }));
    await a.subscribe(sink.url(), ['room.created']);
    await a.createRoom('never accepted');
    await sink.waitFor(() => sink.received.length >= FAST_RETRIES.maxAttempts);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(sink.received).toHaveLength(FAST_RETRIES.maxAttempts);
  });

  it('answers the API call without waiting for a slow receiver', async () => {
    sink = await WebhookSink.start();
    await a.subscribe(sink.url('/slow'), ['room.created']);
    // The receiver takes the delivery and never answers. Proof by order, not by a time bound:
    // a server that waited for the receiver would answer only once that delivery had given up
    // (its connection closed); this one answers while the delivery is still open or not yet sent.
    let deliverySeen = false;
    let deliveryClosed = false;
    const held = await import('node:http').then(({ createServer }) =>
      createServer((req) => {
        deliverySeen = true;
        req.socket.once('close', () => (deliveryClosed = true));
      }),
    );
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    await a.subscribe(`http://127.0.0.1:${(held.address() as import('node:net').AddressInfo).port}/never-answers`, ['room.created']);
    await a.createRoom('not blocked');
    const closedBeforeAnswer = deliveryClosed;
    const until = Date.now() + 30_000;
    while (!deliverySeen && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(deliverySeen, 'the receiver never got the delivery').toBe(true);
    expect(closedBeforeAnswer).toBe(false);
    held.closeAllConnections();
    await new Promise((resolve) => held.close(resolve));
  });
});

describe('webhook-signature fault', () => {
  it('makes every delivery fail Standard Webhooks verification, while the clean server’s pass', async () => {
    for (const faulty of [false, true]) {
      const server = await createReferenceServer({ port: 0, faults: faulty ? ['webhook-signature'] : [], webhookDelivery: FAST_RETRIES });
      const sink = await WebhookSink.start();
      try {
        const api = await Api.as(server, { clientId: 'roomgate-local', clientSecret: 'roomgate-local-secret' });
        const subscription = await api.subscribe(sink.url());
        const room = await api.createRoom(faulty ? 'faulty' : 'clean');
        await api.call('DELETE', `/v1/rooms/${room.room_id}`);
        await sink.waitFor(() => sink.received.length >= 2);
        const webhook = new Webhook(subscription.secret);
        for (const received of sink.received) {
          // The body itself is intact and well-formed in both cases: only the signature is wrong.
          expect((JSON.parse(received.body) as WebhookEvent).data.room.room_id).toBe(room.room_id);
          expect(received.headers['webhook-signature']).toMatch(/^v1,/);
          const verify = (): unknown => webhook.verify(received.body, received.headers as Record<string, string>);
          if (faulty) expect(verify).toThrow(/signature/i);
          else expect(verify).not.toThrow();
        }
      } finally {
        await sink.close();
        await server.close();
      }
    }
  });
});
