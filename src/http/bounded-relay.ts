import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import { readBoundedBody, DEFAULT_MAX_BODY_BYTES, type BodyReadFailure } from './bounded-body.js';

/**
 * A loopback relay in front of a target, for HTTP clients roomgate does not
 * control (the Pact verifier's Rust core reads and inflates whole bodies in
 * its own process): each request is forwarded with one deadline for the
 * whole exchange, and each answer is read through readBoundedBody (cap,
 * bounded decompression, the caller's signal) before it is passed on,
 * decoded. An answer that breaks a bound is replaced by a 502 (504 for a
 * deadline) whose envelope says what the target did, and is kept in
 * `failures()` so the caller can report it by name instead of as whatever
 * the client makes of a 502.
 *
 * Redirects are not followed (they are passed on, as the target sent them).
 */
export interface BoundedRelayOptions {
  /** Base URL of the target, e.g. `http://127.0.0.1:4010`. */
  target: string;
  /** Cap per response body (decoded); default DEFAULT_MAX_BODY_BYTES. */
  maxBodyBytes?: number;
  /** Deadline per exchange: headers and body together. */
  requestTimeoutMs: number;
  /** Aborts every exchange in flight (and every later one) at once. */
  signal?: AbortSignal;
  /** Told of every answer passed on whole (e.g. to learn what the client created, to clean it up afterwards). */
  onAnswer?: (answer: RelayedAnswer) => void;
}

/** An answer the relay passed on, as the client received it (decoded). */
export interface RelayedAnswer {
  method: string;
  /** Path and query, as requested. */
  path: string;
  status: number;
  body: Buffer;
}

export type RelayFailure = BodyReadFailure | { kind: 'no-response'; message: string };

export interface RelayedFailure {
  /** `GET /v1/rooms/rm_…`. */
  request: string;
  failure: RelayFailure;
}

export interface BoundedRelay {
  /** The relay's base URL (127.0.0.1, a free port): give it to the client instead of the target's. */
  url: string;
  /** Answers the relay replaced, in order. */
  failures(): readonly RelayedFailure[];
  close(): Promise<void>;
}

/** Request bodies a client sends through the relay are small JSON documents. */
const MAX_REQUEST_BYTES = 1024 * 1024;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'host',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
]);

export async function startBoundedRelay(options: BoundedRelayOptions): Promise<BoundedRelay> {
  const target = options.target.replace(/\/+$/, '');
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const agent = new Agent({ connections: 16, headersTimeout: options.requestTimeoutMs, bodyTimeout: options.requestTimeoutMs });
  const failures: RelayedFailure[] = [];
  const sockets = new Set<Socket>();

  const answer = (res: ServerResponse, status: number, failure: RelayFailure, label: string): void => {
    failures.push({ request: label, failure });
    const body = JSON.stringify({ error: 'relay_bound_exceeded', message: failure.message, status });
    if (res.headersSent) return void res.destroy();
    res
      .writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-roomgate-relay-failure': failure.kind })
      .end(body);
  };

  const relay = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const label = `${method} ${path.split('?')[0] ?? path}`;
    const deadline = AbortSignal.timeout(options.requestTimeoutMs);
    const signal = options.signal === undefined ? deadline : AbortSignal.any([deadline, options.signal]);
    const body = await readRequest(req);
    if (body === 'too-large') {
      res
        .writeHead(413, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'payload_too_large', message: `The relay forwards request bodies up to ${MAX_REQUEST_BYTES} bytes.`, status: 413 }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${target}${path}`, { method: method as 'GET', headers, ...(body.length > 0 ? { body } : {}), signal, dispatcher: agent });
    } catch (error) {
      const late = deadline.aborted;
      const message = late ? `${label}: no response within ${options.requestTimeoutMs} ms` : `${label}: the request failed: ${(error as Error).message}`;
      return answer(res, late ? 504 : 502, { kind: 'no-response', message }, label);
    }
    const read = await readBoundedBody(response, { maxBytes, signal, operation: label });
    if (!read.ok) return answer(res, read.failure.kind === 'timeout' ? 504 : 502, read.failure, label);
    try {
      options.onAnswer?.({ method, path, status: response.statusCode, body: read.bytes });
    } catch {
      // an observer's mistake must not break the exchange it observes
    }
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      // The body is passed on decoded: its coding and length headers describe what the target sent, not this.
      if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'content-encoding') out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    res.writeHead(response.statusCode, { ...out, 'content-length': String(read.bytes.length) }).end(read.bytes);
  };

  const server = createServer((req, res) => {
    relay(req, res).catch((error: unknown) =>
      answer(res, 502, { kind: 'no-response', message: `relay error: ${(error as Error).message}` }, `${req.method ?? ''} ${req.url ?? ''}`),
    );
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failures: () => [...failures],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.destroy();
    },
  };
}

function readRequest(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_REQUEST_BYTES ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
