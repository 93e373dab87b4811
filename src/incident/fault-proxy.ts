import http, { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { UsageError } from '../errors.js';
import { ByteTunnel } from './byte-tunnel.js';
import { rawResponseHead, requestHeadersForTarget, responseHeadersForClient } from './hop-headers.js';
import type { ProxiedRequest, ProxyEvent, ProxyEventListener, ReleaseOutcome } from './proxy-events.js';
import { describeProxyMode, proxyModeProblem, type ProxyMode } from './proxy-mode.js';
import { resetSocket } from './reset-socket.js';

/**
 * The fault proxy: an HTTP-aware reverse proxy on 127.0.0.1 that roomgate
 * puts between itself and the target, so an incident can disturb the traffic
 * roomgate sends without touching the target (DESIGN.md: "a fault proxy sits
 * between roomgate and the target on loopback, never in the target"). With
 * no mode on it passes everything through: keep-alive on both sides,
 * streamed bodies, WebSocket upgrades (the join page's signaling).
 *
 * Written on node:http/node:net rather than a proxy library: the modes need
 * the raw client socket at exact points of one exchange (reset before
 * forwarding, reset after the target answered, hold an accepted request,
 * pause a live tunnel), which the libraries hide. http-proxy (only here as a
 * dependency of Pact, untyped, unreleased since 2020) and @fastify/http-proxy
 * (not installed) forward well but expose no such points; undici's
 * ProxyAgent is the client side of a forward proxy, not a server.
 */
export interface FaultProxyOptions {
  /** The target's base URL (http or https). Requests keep their path; the proxy's URL carries the same base path. */
  target: string | URL;
  /** Every mode switch and every disturbed request. A listener that throws is ignored, never breaks the traffic. */
  onEvent?: ProxyEventListener;
  /** Draws shares and jitter; pass `seededRandom(seed)` for a reproducible run. Default Math.random. */
  random?: () => number;
  /** The longest a blackhole holds one connection before resetting it (default 60 s). */
  holdCapMs?: number;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` plus the target's base path: use it where the target's URL would go. */
  readonly url: string;
  readonly target: URL;
  /** The mode on now, or null when the proxy passes everything through. */
  readonly mode: ProxyMode | null;
  /** Switch a mode on (replacing the current one). Throws a RangeError for an impossible mode (share above 100 …). */
  set(mode: ProxyMode): void;
  /** Back to pass-through; a blackhole lets what it held go on. */
  clear(): void;
  /** Stop listening and close every connection (held, delayed, tunnelled, idle) on both sides. */
  close(): Promise<void>;
}

export const DEFAULT_HOLD_CAP_MS = 60_000;

/** The most of a non-101 answer to an upgrade the proxy buffers (it has to re-frame it by hand). */
const MAX_UPGRADE_REFUSAL_BYTES = 64 * 1024;

/** The longest `X-Request-Id` copied into events; a hostile client must not grow the event stream. */
const MAX_REQUEST_ID_LENGTH = 200;

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const proxy = new LoopbackFaultProxy(options);
  await proxy.listen();
  return proxy;
}

/** One request, HTTP or upgrade, seen the same way by the mode that decides its fate. */
interface Exchange {
  request: ProxiedRequest;
  socket: Duplex;
  forward(dropResponse: boolean): void;
  answer(status: number): void;
}

interface HeldConnection {
  request: ProxiedRequest;
  since: number;
  capTimer: NodeJS.Timeout;
  resume(): void;
  reset(): void;
  detach(): void;
}

class LoopbackFaultProxy implements FaultProxy {
  readonly target: URL;
  private baseUrl = '';
  private current: ProxyMode | null = null;
  private closing = false;
  private readonly server: http.Server;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly origin: { protocol: string; hostname: string; port: number };
  private readonly sockets = new Set<Socket>();
  /** Open tunnels and the upgrade request each came from (for the events a blackhole reports about it). */
  private readonly tunnels = new Map<ByteTunnel, ProxiedRequest>();
  private readonly held = new Set<HeldConnection>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly random: () => number;
  private readonly holdCapMs: number;

  constructor(private readonly options: FaultProxyOptions) {
    this.target = parseTarget(options.target);
    const secure = this.target.protocol === 'https:';
    this.request = secure ? https.request : http.request;
    this.agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.origin = {
      protocol: this.target.protocol,
      // URL keeps IPv6 literals in brackets; node:http wants them bare.
      hostname: this.target.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: this.target.port === '' ? (secure ? 443 : 80) : Number(this.target.port),
    };
    this.random = options.random ?? Math.random;
    this.holdCapMs = options.holdCapMs ?? DEFAULT_HOLD_CAP_MS;
    this.server = http.createServer();
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('request', (req, res) => this.dispatch(this.httpExchange(req, res)));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // The socket has left node:http: its errors are ours to absorb (a client that vanishes is not a proxy failure).
      socket.on('error', () => socket.destroy());
      this.dispatch(this.upgradeExchange(req, socket, head));
    });
  }

  get url(): string {
    return this.baseUrl;
  }

  get mode(): ProxyMode | null {
    return this.current;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}${this.target.pathname.replace(/\/+$/, '')}`;
  }

  set(mode: ProxyMode): void {
    const problem = proxyModeProblem(mode);
    if (problem !== undefined) throw new RangeError(`fault proxy mode ${describeProxyMode(mode)}: ${problem}`);
    if (this.closing) return;
    this.switchTo(mode);
  }

  clear(): void {
    if (this.current !== null) this.switchTo(null);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.current !== null) this.switchTo(null, 'proxy-closed');
    this.closing = true;
    for (const entry of [...this.held]) this.release(entry, 'proxy-closed');
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const tunnel of [...this.tunnels.keys()]) tunnel.destroy();
    for (const socket of [...this.sockets]) socket.destroy();
    this.agent.destroy();
    await closed;
  }

  private switchTo(mode: ProxyMode | null, releaseAs: ReleaseOutcome = 'resumed'): void {
    const previous = this.current;
    this.current = mode;
    this.emit({ type: 'proxy-mode', at: Date.now(), mode, previous });
    const wasBlackhole = previous?.type === 'blackhole';
    const isBlackhole = mode?.type === 'blackhole';
    if (wasBlackhole && !isBlackhole) for (const entry of [...this.held]) this.release(entry, releaseAs);
    if (isBlackhole && !wasBlackhole) for (const [tunnel, request] of this.tunnels) this.holdTunnel(tunnel, request);
  }

  /** The one place a mode decides what happens to a request, HTTP or upgrade alike. */
  private dispatch(exchange: Exchange): void {
    const mode = this.current;
    if (mode === null) return exchange.forward(false);
    switch (mode.type) {
      case 'latency': {
        if (!this.chosen(mode.share)) return exchange.forward(false);
        const delayMs = Math.max(0, Math.round(mode.delayMs + (this.random() * 2 - 1) * mode.jitterMs));
        this.emit({ type: 'proxy-disturbed', at: Date.now(), action: 'delayed', delayMs, request: exchange.request });
        return this.later(delayMs, exchange.socket, () => exchange.forward(false));
      }
      case 'reset':
        if (!this.chosen(mode.share)) return exchange.forward(false);
        this.emit({ type: 'proxy-disturbed', at: Date.now(), action: 'reset', request: exchange.request });
        return resetSocket(exchange.socket);
      case 'blackhole':
        return this.hold(
          exchange.request,
          exchange.socket,
          () => exchange.forward(false),
          () => resetSocket(exchange.socket),
        );
      case 'drop-response':
        return exchange.forward(this.chosen(mode.share));
      case 'error':
        if (!this.chosen(mode.share)) return exchange.forward(false);
        this.emit({ type: 'proxy-disturbed', at: Date.now(), action: 'error-answered', status: mode.status, request: exchange.request });
        return exchange.answer(mode.status);
    }
  }

  private httpExchange(req: IncomingMessage, res: ServerResponse): Exchange {
    const request = describeRequest(req, false);
    return {
      request,
      socket: req.socket,
      forward: (dropResponse) => this.forwardHttp(req, res, request, dropResponse),
      answer: (status) => {
        // The body is never forwarded: read it away so the connection stays usable for the next request.
        req.resume();
        const body = injectedBody(status);
        res.writeHead(status, injectedHeaders(body)).end(body);
      },
    };
  }

  private upgradeExchange(req: IncomingMessage, socket: Duplex, head: Buffer): Exchange {
    const request = describeRequest(req, true);
    return {
      request,
      socket,
      forward: (dropResponse) => this.forwardUpgrade(req, socket, head, request, dropResponse),
      answer: (status) => {
        const body = injectedBody(status);
        const headers = Object.entries({ ...injectedHeaders(body), Connection: 'close' }).flatMap(([name, value]) => [name, String(value)]);
        socket.end(rawResponseHead(status, STATUS_CODES[status] ?? 'Error', headers) + body);
      },
    };
  }

  private forwardHttp(req: IncomingMessage, res: ServerResponse, request: ProxiedRequest, dropResponse: boolean): void {
    const upstream = this.request({
      ...this.origin,
      method: req.method,
      path: req.url,
      headers: requestHeadersForTarget(req.rawHeaders, this.target.host, { upgrade: false }),
      agent: this.agent,
    });
    let clientGone = false;
    res.on('close', () => {
      if (res.writableFinished) return;
      clientGone = true;
      upstream.destroy();
    });
    upstream.on('response', (answer) => {
      if (dropResponse) {
        // The target has decided its answer (a status line exists), so it has processed the request: the client must never learn of it.
        this.emit({ type: 'proxy-disturbed', at: Date.now(), action: 'response-dropped', status: answer.statusCode ?? 0, request });
        answer.destroy();
        resetSocket(req.socket);
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, responseHeadersForClient(answer.rawHeaders));
      answer.pipe(res);
      // A target that breaks off mid-body must look broken to the client too, not like a short, complete answer.
      answer.on('aborted', () => res.destroy());
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (clientGone) return;
      if (res.headersSent) return void res.destroy();
      this.emit({ type: 'proxy-upstream-error', at: Date.now(), request, code: error.code ?? 'ERR', message: error.message });
      resetSocket(req.socket);
    });
    req.pipe(upstream);
  }

  private forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, request: ProxiedRequest, dropResponse: boolean): void {
    const upstream = this.request({
      ...this.origin,
      method: req.method,
      path: req.url,
      headers: requestHeadersForTarget(req.rawHeaders, this.target.host, { upgrade: true }),
      // A tunnel owns its connection for its whole life: never one from the keep-alive pool.
      agent: false,
    });
    let settled = false;
    const onClientGone = () => {
      if (!settled) upstream.destroy();
    };
    socket.once('close', onClientGone);
    upstream.on('upgrade', (answer: IncomingMessage, upstreamSocket: Duplex, upstreamHead: Buffer) => {
      settled = true;
      socket.off('close', onClientGone);
      if (dropResponse || socket.destroyed) {
        if (dropResponse) this.emit({ type: 'proxy-disturbed', at: Date.now(), action: 'response-dropped', status: answer.statusCode ?? 101, request });
        upstreamSocket.destroy();
        resetSocket(socket);
        return;
      }
      socket.write(rawResponseHead(answer.statusCode ?? 101, answer.statusMessage ?? 'Switching Protocols', answer.rawHeaders));
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      if (head.length > 0) upstreamSocket.write(head);
      const tunnel = new ByteTunnel(socket, upstreamSocket);
      this.tunnels.set(tunnel, request);
      tunnel.onClose(() => this.tunnels.delete(tunnel));
      if (this.current?.type === 'blackhole') this.holdTunnel(tunnel, request);
    });
    upstream.on('response', (answer) => {
      // The target refused the upgrade with an ordinary answer: relay it, re-framed by hand (node:http no longer owns this socket).
      settled = true;
      socket.off('close', onClientGone);
      if (dropResponse) {
        this.emit({ type: 'proxy-disturbed', at: Date.now(), action: 'response-dropped', status: answer.statusCode ?? 0, request });
        answer.destroy();
        return resetSocket(socket);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      answer.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_UPGRADE_REFUSAL_BYTES) {
          answer.destroy();
          resetSocket(socket);
        } else chunks.push(chunk);
      });
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = [
          ...dropPairsNamed(responseHeadersForClient(answer.rawHeaders), 'content-length'),
          'Content-Length',
          String(body.length),
          'Connection',
          'close',
        ];
        socket.end(Buffer.concat([Buffer.from(rawResponseHead(answer.statusCode ?? 502, answer.statusMessage ?? '', headers)), body]));
      });
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (socket.destroyed) return;
      this.emit({ type: 'proxy-upstream-error', at: Date.now(), request, code: error.code ?? 'ERR', message: error.message });
      resetSocket(socket);
    });
    upstream.end();
  }

  private holdTunnel(tunnel: ByteTunnel, request: ProxiedRequest): void {
    tunnel.hold();
    this.hold(
      request,
      undefined,
      () => tunnel.resume(),
      () => tunnel.destroy({ reset: resetSocket }),
      tunnel,
    );
  }

  /** Keep a connection waiting until the blackhole ends, the client leaves, the cap passes or the proxy closes. */
  private hold(request: ProxiedRequest, socket: Duplex | undefined, resume: () => void, reset: () => void, tunnel?: ByteTunnel): void {
    const entry: HeldConnection = {
      request,
      since: Date.now(),
      capTimer: setTimeout(() => this.release(entry, 'cap-reset'), this.holdCapMs),
      resume,
      reset,
      detach: () => {},
    };
    const gone = () => this.release(entry, 'client-gone');
    if (socket !== undefined) {
      socket.once('close', gone);
      entry.detach = () => socket.off('close', gone);
    }
    tunnel?.onClose(gone);
    this.held.add(entry);
    this.emit({ type: 'proxy-disturbed', at: Date.now(), action: 'held', request });
  }

  private release(entry: HeldConnection, outcome: ReleaseOutcome): void {
    if (!this.held.delete(entry)) return;
    clearTimeout(entry.capTimer);
    entry.detach();
    const at = Date.now();
    this.emit({ type: 'proxy-disturbed', at, action: 'released', heldMs: at - entry.since, outcome, request: entry.request });
    if (outcome === 'resumed') entry.resume();
    else if (outcome === 'cap-reset' || outcome === 'proxy-closed') entry.reset();
  }

  /** Run `then` after `ms`, unless the client's connection closes first or the proxy closes. */
  private later(ms: number, socket: Duplex, then: () => void): void {
    const gone = () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      socket.off('close', gone);
      if (!socket.destroyed) then();
    }, ms);
    this.timers.add(timer);
    socket.once('close', gone);
  }

  private chosen(share: number): boolean {
    return share >= 100 || (share > 0 && this.random() * 100 < share);
  }

  private emit(event: ProxyEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's failure is the listener's: the traffic and the other events go on (a broken reporter never breaks a run).
    }
  }
}

function parseTarget(target: string | URL): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`the fault proxy's target "${String(target)}" is not a URL`, {
      hint: 'give the target as http://host:port or https://host[:port][/base-path]',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`the fault proxy forwards HTTP only; "${url.href}" is ${url.protocol}`, { hint: 'give the target as an http:// or https:// URL' });
  }
  return url;
}

function describeRequest(req: IncomingMessage, upgrade: boolean): ProxiedRequest {
  const id = req.headers['x-request-id'];
  return {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    ...(typeof id === 'string' && id !== '' ? { requestId: id.slice(0, MAX_REQUEST_ID_LENGTH) } : {}),
    upgrade,
  };
}

function injectedBody(status: number): string {
  return `roomgate fault proxy: injected ${status} (incident mode "error"); the target never saw this request\n`;
}

/** `roomgate-fault` tells an injected answer from the target's own in evidence and captures. */
function injectedHeaders(body: string): Record<string, string | number> {
  return { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'roomgate-fault': 'error' };
}

function dropPairsNamed(rawHeaders: readonly string[], lowerName: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() !== lowerName) out.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  return out;
}
