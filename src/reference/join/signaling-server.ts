import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { ReferenceContext } from '../context.js';
import { randomBase62 } from '../rooms/room-id.js';
import type { RoomStoreEvent } from '../rooms/room-store.js';
import { CLOSE_CODES, type JoinRefusalReason, parseClientMessage, type PeerInfo, REFUSAL_MESSAGES, type ServerMessage } from './signaling-protocol.js';

/** `/join/{room_id}/signal`; the room id is URL-encoded by the page. */
const SIGNAL_PATH = /^\/join\/([^/?#]+)\/signal\/?$/;
/** Pages that stop answering pings are disconnected (and leave the room) after about this long. */
const HEARTBEAT_INTERVAL_MS = 10_000;
/** SDP with many candidates stays far below this; anything larger is not signaling. */
const MAX_FRAME_BYTES = 64 * 1024;

export function signalPathFor(roomId: string): string {
  return `/join/${encodeURIComponent(roomId)}/signal`;
}

interface Session {
  socket: WebSocket;
  roomId: string;
  /** Set once the store admitted the participant. */
  participant: PeerInfo | undefined;
  /** A join is being decided (token verification is async). */
  joining: boolean;
  alive: boolean;
}

/**
 * The signaling WebSocket of the join page: admits participants through the
 * room store (which decides full/closed/unknown and fires the webhooks), tells
 * everyone in the room who arrives and leaves, and relays offers, answers and
 * ICE candidates between participants of the same room. Closing a socket
 * leaves the room; closing the room closes every socket.
 */
export class SignalingServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  /** roomId → participantId → session, for joined participants only. */
  private readonly rooms = new Map<string, Map<string, Session>>();
  /** Every open session, joined or not. */
  private readonly sessions = new Set<Session>();
  /** Upgrades deliberately left unanswered by the `join-refused` fault, destroyed on close. */
  private readonly heldUpgrades = new Set<Duplex>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly ctx: ReferenceContext) {
    this.unsubscribe = ctx.store.subscribe((event) => this.onStoreEvent(event));
    this.heartbeat = setInterval(() => this.checkHeartbeats(), HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
  }

  /** The http server's `upgrade` listener. Returns false when the path is not a signaling path (the caller answers 404). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    const match = SIGNAL_PATH.exec(path);
    if (match === null) return false;
    if (this.closed) {
      rejectUpgrade(socket, 503, 'Service Unavailable');
      return true;
    }
    if (this.ctx.faults.has('join-refused')) {
      // The join-refused fault: the handshake is never answered, so the page's
      // WebSocket never opens and the page never joins. No error, no refusal.
      this.heldUpgrades.add(socket);
      socket.on('close', () => this.heldUpgrades.delete(socket));
      socket.on('error', () => socket.destroy());
      return true;
    }
    let roomId: string;
    try {
      roomId = decodeURIComponent(match[1] ?? '');
    } catch {
      rejectUpgrade(socket, 400, 'Bad Request');
      return true;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, roomId));
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const socket of this.heldUpgrades) socket.destroy();
    this.heldUpgrades.clear();
    for (const session of [...this.sessions]) session.socket.close(CLOSE_CODES.shuttingDown, 'server shutting down');
    // Pages get a moment to see the close frame; then whatever is left is cut.
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const session of [...this.sessions]) session.socket.terminate();
    this.unsubscribe();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(socket: WebSocket, roomId: string): void {
    const session: Session = { socket, roomId, participant: undefined, joining: false, alive: true };
    this.sessions.add(session);
    socket.on('pong', () => {
      session.alive = true;
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return this.protocolError(session, 'Send JSON text frames.');
      void this.onMessage(session, data.toString());
    });
    socket.on('close', () => this.onSocketClosed(session));
    socket.on('error', () => socket.terminate());
  }

  private async onMessage(session: Session, text: string): Promise<void> {
    const message = parseClientMessage(text);
    if (message === undefined) return this.protocolError(session, 'Not a signaling message this server understands.');
    switch (message.type) {
      case 'join':
        return this.join(session, message.name, message.token);
      case 'signal': {
        const from = session.participant;
        if (from === undefined) return this.protocolError(session, 'Join the room before signaling.');
        // A peer that has just left is not an error: its messages simply go nowhere.
        const target = this.rooms.get(session.roomId)?.get(message.to);
        if (target !== undefined) send(target.socket, { type: 'signal', from: from.participant_id, data: message.data });
        return;
      }
      case 'leave':
        session.socket.close(1000, 'left');
        return;
    }
  }

  private async join(session: Session, requestedName: string | undefined, token: string | undefined): Promise<void> {
    if (session.participant !== undefined || session.joining) return this.protocolError(session, 'This connection already joined.');
    session.joining = true;
    const room = this.ctx.store.get(session.roomId);
    if (room === undefined) return this.refuse(session, 'room_not_found');
    if (room.status === 'closed') return this.refuse(session, 'room_closed');
    let tokenName: string | undefined;
    if (room.isPrivate) {
      if (token === undefined) return this.refuse(session, 'token_required');
      const claims = await this.ctx.joinTokens.verify(token, room.id);
      if (claims === undefined) return this.refuse(session, 'token_invalid');
      tokenName = claims.participantName;
      // The page may have gone while the token was checked.
      if (session.socket.readyState !== WebSocket.OPEN) return;
    }
    const name = requestedName ?? tokenName ?? `guest-${randomBase62(4)}`;
    const outcome = this.ctx.store.join(room.id, name);
    if (!outcome.ok) return this.refuse(session, outcome.reason);
    const participant: PeerInfo = { participant_id: outcome.participant.id, name };
    session.participant = participant;
    session.joining = false;
    let members = this.rooms.get(room.id);
    if (members === undefined) {
      members = new Map();
      this.rooms.set(room.id, members);
    }
    const peers = [...members.values()].flatMap((member) => (member.participant === undefined ? [] : [member.participant]));
    members.set(participant.participant_id, session);
    send(session.socket, { type: 'joined', room_id: room.id, participant_id: participant.participant_id, name, peers });
    for (const member of members.values()) {
      if (member !== session) send(member.socket, { type: 'peer_joined', peer: participant });
    }
  }

  private refuse(session: Session, reason: JoinRefusalReason): void {
    session.joining = false;
    send(session.socket, { type: 'refused', reason, message: REFUSAL_MESSAGES[reason] });
    session.socket.close(CLOSE_CODES.refused, reason);
  }

  private protocolError(session: Session, message: string): void {
    send(session.socket, { type: 'error', message });
    session.socket.close(CLOSE_CODES.protocolError, 'protocol error');
  }

  /** The page went away (left, closed the tab, lost the connection): it leaves the room. */
  private onSocketClosed(session: Session): void {
    this.sessions.delete(session);
    if (session.participant !== undefined) this.ctx.store.leave(session.roomId, session.participant.participant_id);
  }

  private onStoreEvent(event: RoomStoreEvent): void {
    if (event.type === 'participant.left') {
      const members = this.rooms.get(event.room.id);
      const session = members?.get(event.participant.id);
      if (members === undefined || session === undefined) return;
      members.delete(event.participant.id);
      if (members.size === 0) this.rooms.delete(event.room.id);
      for (const member of members.values()) send(member.socket, { type: 'peer_left', participant_id: event.participant.id });
      if (session.socket.readyState === WebSocket.OPEN) {
        // Removed by the store, not by its own socket: the room is being closed (store.close removes
        // everyone, then marks the room closed, in one synchronous call), or it was removed otherwise.
        queueMicrotask(() => {
          if (this.ctx.store.get(event.room.id)?.status === 'closed') {
            send(session.socket, { type: 'room_closed' });
            session.socket.close(CLOSE_CODES.roomClosed, 'room closed');
          } else {
            session.socket.close(CLOSE_CODES.removed, 'removed from the room');
          }
        });
      }
      return;
    }
    if (event.type === 'room.closed') {
      // Pages whose join was still being decided (token check) are refused.
      for (const session of this.sessions) {
        if (session.roomId === event.room.id && session.participant === undefined && session.joining) this.refuse(session, 'room_closed');
      }
    }
  }

  private checkHeartbeats(): void {
    for (const session of this.sessions) {
      if (!session.alive) {
        session.socket.terminate();
        continue;
      }
      session.alive = false;
      session.socket.ping();
    }
  }
}

function send(socket: WebSocket, message: ServerMessage): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
