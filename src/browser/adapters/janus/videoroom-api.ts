import { randomUUID } from 'node:crypto';

/** What Janus's VideoRoom plugin answered with an error (e.g. 427 room exists, 426 no such room). */
export class JanusApiError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'JanusApiError';
  }
}

export interface VideoRoomSettings {
  description: string;
  /** Maximum concurrent publishers (the VideoRoom's capacity for people who send media). */
  publishers: number;
  /** Publisher bitrate cap in bit/s. */
  bitrate?: number;
  /** Room secret needed to destroy or edit the room. */
  secret?: string;
}

interface JanusReply {
  janus: string;
  data?: { id?: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: Record<string, unknown> };
}

/**
 * The few Janus HTTP API calls that manage VideoRoom rooms: a short-lived
 * session and plugin handle per call (rooms outlive sessions, so nothing has
 * to be kept alive), then the synchronous `create` / `destroy` requests.
 * Janus's API is small JSON over HTTP; no client library is needed for it.
 */
export class JanusVideoRoomApi {
  constructor(
    /** The Janus HTTP API base, e.g. http://127.0.0.1:8088/janus. */
    private readonly baseUrl: string,
    private readonly apiSecret?: string,
  ) {}

  /** Create a room and return its numeric id (chosen by Janus). */
  async createRoom(settings: VideoRoomSettings, signal?: AbortSignal): Promise<number> {
    const data = await this.pluginRequest({ request: 'create', permanent: false, is_private: false, ...settings }, signal);
    if (data['videoroom'] !== 'created' || typeof data['room'] !== 'number')
      throw new JanusApiError(`unexpected VideoRoom answer to create: ${JSON.stringify(data)}`);
    return data['room'];
  }

  async destroyRoom(room: number, secret?: string, signal?: AbortSignal): Promise<void> {
    const data = await this.pluginRequest({ request: 'destroy', room, permanent: false, ...(secret === undefined ? {} : { secret }) }, signal);
    if (data['videoroom'] !== 'destroyed') throw new JanusApiError(`unexpected VideoRoom answer to destroy: ${JSON.stringify(data)}`);
  }

  /** Ids of the rooms that exist (`list`). */
  async listRooms(signal?: AbortSignal): Promise<number[]> {
    const data = await this.pluginRequest({ request: 'list' }, signal);
    return ((data['list'] as { room: number }[] | undefined) ?? []).map((r) => r.room);
  }

  /** Publishers currently in a room (`listparticipants`). */
  async participants(room: number, signal?: AbortSignal): Promise<{ id: number; display?: string; publisher: boolean }[]> {
    const data = await this.pluginRequest({ request: 'listparticipants', room }, signal);
    return (data['participants'] as { id: number; display?: string; publisher: boolean }[] | undefined) ?? [];
  }

  private async pluginRequest(body: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const session = await this.call(this.baseUrl, { janus: 'create' }, signal);
    const sessionUrl = `${this.baseUrl}/${session.data?.id}`;
    try {
      const handle = await this.call(sessionUrl, { janus: 'attach', plugin: 'janus.plugin.videoroom' }, signal);
      const reply = await this.call(`${sessionUrl}/${handle.data?.id}`, { janus: 'message', body }, signal);
      const data = reply.plugindata?.data ?? {};
      if (typeof data['error_code'] === 'number')
        throw new JanusApiError(`Janus VideoRoom: ${String(data['error'])} (${data['error_code']})`, data['error_code']);
      return data;
    } finally {
      await this.call(sessionUrl, { janus: 'destroy' }).catch(() => undefined);
    }
  }

  private async call(url: string, message: Record<string, unknown>, signal?: AbortSignal): Promise<JanusReply> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...message, transaction: randomUUID(), ...(this.apiSecret === undefined ? {} : { apisecret: this.apiSecret }) }),
      signal: signal ?? AbortSignal.timeout(10_000),
    });
    const reply = (await response.json()) as JanusReply;
    if (reply.janus === 'error') throw new JanusApiError(`Janus: ${reply.error?.reason ?? 'error'} (${reply.error?.code ?? '?'})`, reply.error?.code);
    if (reply.janus !== 'success') throw new JanusApiError(`Janus answered "${reply.janus}" to ${String(message['janus'])}`);
    return reply;
  }
}
