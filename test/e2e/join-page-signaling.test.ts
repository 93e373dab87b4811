import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createReferenceServer } from '../../src/reference/server.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import type { ServerMessage } from '../../src/reference/join/index.js';

/**
 * The signaling protocol of the join page, spoken by plain `ws` clients (no
 * browser): admission through the room store, relay between peers of one
 * room only, refusals, and leaving on close.
 */

class SignalClient {
  readonly messages: ServerMessage[] = [];
  closeCode: number | undefined;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push(JSON.parse(data.toString()) as ServerMessage));
    socket.on('close', (code) => {
      this.closeCode = code;
    });
  }

  static open(server: ReferenceServer, roomId: string): Promise<SignalClient> {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/join/${roomId}/signal`);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new SignalClient(socket)));
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async next<T extends ServerMessage['type']>(type: T, timeoutMs = 5000): Promise<Extract<ServerMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((m) => m.type === type);
      if (found !== undefined) {
        this.messages.splice(this.messages.indexOf(found), 1);
        return found as Extract<ServerMessage, { type: T }>;
      }
      if (Date.now() > deadline) throw new Error(`no ${type} message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async closed(timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === undefined) {
      if (Date.now() > deadline) throw new Error('socket not closed');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.closeCode;
  }
}

describe('join page signaling WebSocket', () => {
  let server: ReferenceServer;
  const owner = 'roomgate-local';

  beforeAll(async () => {
    server = await createReferenceServer({ port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('announces arrivals, relays offers/answers/candidates to the addressed peer only, and leaves on close', async () => {
    const room = server.store.create(owner, { name: 'relay', maxParticipants: 5, isPrivate: false, recording: false });
    const a = await SignalClient.open(server, room.id);
    a.send({ type: 'join', name: 'a' });
    const joinedA = await a.next('joined');
    expect(joinedA).toMatchObject({ room_id: room.id, name: 'a', peers: [] });
    const b = await SignalClient.open(server, room.id);
    b.send({ type: 'join', name: 'b' });
    const joinedB = await b.next('joined');
    expect(joinedB.peers).toEqual([{ participant_id: joinedA.participant_id, name: 'a' }]);
    expect((await a.next('peer_joined')).peer).toEqual({ participant_id: joinedB.participant_id, name: 'b' });
    const c = await SignalClient.open(server, room.id);
    c.send({ type: 'join', name: 'c' });
    const joinedC = await c.next('joined');
    expect(joinedC.peers.map((p) => p.name).sort()).toEqual(['a', 'b']);
    expect(room.participants.size).toBe(3);
    expect(room.status).toBe('active');

    b.send({ type: 'signal', to: joinedA.participant_id, data: { description: { type: 'offer', sdp: 'v=0 fake' } } });
    expect(await a.next('signal')).toEqual({ type: 'signal', from: joinedB.participant_id, data: { description: { type: 'offer', sdp: 'v=0 fake' } } });
    a.send({ type: 'signal', to: joinedB.participant_id, data: { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0' } } });
    expect((await b.next('signal')).from).toBe(joinedA.participant_id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(c.messages.filter((m) => m.type === 'signal')).toHaveLength(0);

    b.socket.close();
    expect(await a.next('peer_left')).toEqual({ type: 'peer_left', participant_id: joinedB.participant_id });
    expect(await c.next('peer_left')).toEqual({ type: 'peer_left', participant_id: joinedB.participant_id });
    expect(room.participants.size).toBe(2);
    a.socket.close();
    c.socket.close();
    await c.closed();
  });

  it('never relays to a participant of another room', async () => {
    const one = server.store.create(owner, { name: 'one', maxParticipants: 5, isPrivate: false, recording: false });
    const two = server.store.create(owner, { name: 'two', maxParticipants: 5, isPrivate: false, recording: false });
    const a = await SignalClient.open(server, one.id);
    a.send({ type: 'join', name: 'a' });
    const joinedA = await a.next('joined');
    const x = await SignalClient.open(server, two.id);
    x.send({ type: 'join', name: 'x' });
    await x.next('joined');
    x.send({ type: 'signal', to: joinedA.participant_id, data: { description: { type: 'offer', sdp: 'intrusion' } } });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(a.messages.filter((m) => m.type === 'signal')).toHaveLength(0);
    a.socket.close();
    x.socket.close();
  });

  it('refuses unknown, closed and full rooms with distinct reasons and closes the socket', async () => {
    const unknown = await SignalClient.open(server, 'rm_unknown0000');
    unknown.send({ type: 'join' });
    expect((await unknown.next('refused')).reason).toBe('room_not_found');
    expect(await unknown.closed()).toBe(4000);

    const closedRoom = server.store.create(owner, { name: 'closed', maxParticipants: 5, isPrivate: false, recording: false });
    server.store.close(closedRoom.id);
    const late = await SignalClient.open(server, closedRoom.id);
    late.send({ type: 'join' });
    expect((await late.next('refused')).reason).toBe('room_closed');

    const full = server.store.create(owner, { name: 'full', maxParticipants: 1, isPrivate: false, recording: false });
    const first = await SignalClient.open(server, full.id);
    first.send({ type: 'join', name: 'first' });
    await first.next('joined');
    const second = await SignalClient.open(server, full.id);
    second.send({ type: 'join', name: 'second' });
    const refusal = await second.next('refused');
    expect(refusal.reason).toBe('room_full');
    expect(refusal.message).toMatch(/full/i);
    expect(full.participants.size).toBe(1);
    first.socket.close();
  });

  it('sends room_closed to everyone when the room is closed, and the room ends empty', async () => {
    const room = server.store.create(owner, { name: 'closing', maxParticipants: 5, isPrivate: false, recording: false });
    const a = await SignalClient.open(server, room.id);
    a.send({ type: 'join', name: 'a' });
    await a.next('joined');
    const b = await SignalClient.open(server, room.id);
    b.send({ type: 'join', name: 'b' });
    await b.next('joined');
    server.store.close(room.id);
    for (const client of [a, b]) {
      await client.next('room_closed');
      expect(await client.closed()).toBe(4001);
    }
    expect(room.participants.size).toBe(0);
  });

  it('answers malformed frames and signaling before joining with a protocol error', async () => {
    const room = server.store.create(owner, { name: 'garbage', maxParticipants: 5, isPrivate: false, recording: false });
    const garbage = await SignalClient.open(server, room.id);
    garbage.send('{not json');
    await garbage.next('error');
    expect(await garbage.closed()).toBe(4003);
    const early = await SignalClient.open(server, room.id);
    early.send({ type: 'signal', to: 'pt_x', data: { candidate: null } });
    await early.next('error');
    const twice = await SignalClient.open(server, room.id);
    twice.send({ type: 'join', name: 'twice' });
    await twice.next('joined');
    twice.send({ type: 'join', name: 'again' });
    await twice.next('error');
    await twice.closed();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(room.participants.size).toBe(0);
  });

  it('rejects upgrades to other paths', async () => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/v1/rooms`);
    const outcome = await new Promise<string>((resolve) => {
      socket.once('open', () => resolve('open'));
      socket.once('unexpected-response', (_request, response) => resolve(String(response.statusCode)));
      socket.once('error', (error) => resolve(error.message));
    });
    expect(outcome).toBe('404');
  });
});

describe('join page HTML', () => {
  let server: ReferenceServer;
  beforeAll(async () => {
    server = await createReferenceServer({ port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('is self-contained: inline script and style, no external resources', async () => {
    const room = server.store.create('roomgate-local', { name: 'self-contained', maxParticipants: 2, isPrivate: false, recording: false });
    const response = await fetch(`${server.url}/join/${room.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<main id="join" data-state="joining"');
    expect(html).toContain('RTCPeerConnection');
    expect(html).toContain(`/join/${room.id}/signal`);
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html).not.toMatch(/@import|\burl\(/); // CSS url(), not the script's new URL(
  });

  it('escapes whatever a link puts into the page', async () => {
    const room = server.store.create('roomgate-local', { name: '</script><img onerror=alert(1)>', maxParticipants: 2, isPrivate: false, recording: false });
    const named = await (await fetch(`${server.url}/join/${room.id}`)).text();
    expect(named).not.toContain('<img onerror');
    expect(named).toContain('&#60;/script&#62;&#60;img onerror=alert(1)&#62;');
    const response = await fetch(`${server.url}/join/${encodeURIComponent('"><script>alert(1)</script>')}`);
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('data-reason="room_not_found"');
  });
});

describe('signaling on server shutdown', () => {
  it('closes every page’s socket (1001) and the server stops promptly', async () => {
    const server = await createReferenceServer({ port: 0 });
    const room = server.store.create('roomgate-local', { name: 'shutdown', maxParticipants: 5, isPrivate: false, recording: false });
    const a = await SignalClient.open(server, room.id);
    a.send({ type: 'join', name: 'a' });
    await a.next('joined');
    // 1001 (going away) is the server closing the page's socket itself; a close that
    // waited for the page instead would never resolve and the test would time out.
    await server.close();
    expect(await a.closed()).toBe(1001);
  });

  it('with join-refused, holds the upgrade unanswered and still shuts down promptly', async () => {
    const server = await createReferenceServer({ port: 0, faults: ['join-refused'] });
    const room = server.store.create('roomgate-local', { name: 'held', maxParticipants: 5, isPrivate: false, recording: false });
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/join/${room.id}/signal`, { handshakeTimeout: 10_000 });
    let errorMessage = '';
    const outcome = new Promise<string>((resolve) => {
      socket.once('open', () => resolve('open'));
      socket.once('error', (error) => {
        errorMessage = error.message;
        resolve('error');
      });
    });
    const early = await Promise.race([outcome, new Promise<string>((resolve) => setTimeout(() => resolve('pending'), 1000))]);
    expect(early).toBe('pending');
    await server.close();
    expect(await outcome).toBe('error');
    // The server dropped the held upgrade on close; the client's own 10 s handshake timeout did not end it.
    expect(errorMessage).not.toMatch(/handshake has timed out/i);
    expect(room.participants.size).toBe(0);
  });
});
