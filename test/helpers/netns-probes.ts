import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { promisify } from 'node:util';

/**
 * Tiny clients run INSIDE a network namespace (`ip netns exec <ns> node -e …`)
 * to measure what a participant there would see: an HTTP request, a bulk
 * download, UDP packets counted one by one. Plain JS strings so the
 * namespace's node needs no loader.
 */

const HTTP_GET = `
const [url, timeoutMs] = process.argv.slice(1);
const req = require('node:http').get(url, { timeout: Number(timeoutMs) }, (res) => {
  let body = '';
  res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => console.log(JSON.stringify({ ok: true, status: res.statusCode, body })));
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (e) => console.log(JSON.stringify({ ok: false, error: e.message })));
`;

const BULK_DOWNLOAD = `
const [url, maxMs] = process.argv.slice(1);
const start = Date.now();
let bytes = 0;
let finished = false;
const done = () => { if (finished) return; finished = true; console.log(JSON.stringify({ bytes, ms: Date.now() - start })); process.exit(0); };
const req = require('node:http').get(url, (res) => res.on('data', (d) => (bytes += d.length)).on('end', done));
req.on('error', done);
setTimeout(() => { req.destroy(); done(); }, Number(maxMs));
`;

const UDP_RECEIVE = `
const [port, maxMs] = process.argv.slice(1);
const socket = require('node:dgram').createSocket('udp4');
const seen = new Set();
const finish = () => { console.log(JSON.stringify({ received: seen.size })); process.exit(0); };
socket.on('message', (msg) => { if (msg.toString('latin1', 0, 3) === 'END') return finish(); seen.add(msg.readUInt32BE(0)); });
socket.bind(Number(port), '0.0.0.0', () => console.log('ready'));
setTimeout(finish, Number(maxMs));
`;

const UDP_SEND = `
const [host, port, count, perSecond] = process.argv.slice(1).map((v, i) => (i === 0 ? v : Number(v)));
const socket = require('node:dgram').createSocket('udp4');
let next = 0;
const perTick = Math.max(1, Math.round(perSecond / 100));
const timer = setInterval(() => {
  for (let i = 0; i < perTick && next < count; i++, next++) {
    const packet = Buffer.alloc(20);
    packet.writeUInt32BE(next, 0);
    socket.send(packet, port, host);
  }
  if (next < count) return;
  clearInterval(timer);
  // The end marker may be lost like any packet: send it several times, spaced.
  let ends = 0;
  const endTimer = setInterval(() => {
    socket.send(Buffer.from('END'), port, host);
    if (++ends === 10) { clearInterval(endTimer); setTimeout(() => process.exit(0), 50); }
  }, 20);
}, 10);
`;

/** A server on 127.0.0.1 INSIDE the namespace, fetched from inside: the namespace's own loopback works. */
const OWN_LOOPBACK = `
const http = require('node:http');
const server = http.createServer((q, r) => r.end('own loopback')).listen(0, '127.0.0.1', () => {
  http.get('http://127.0.0.1:' + server.address().port + '/', { timeout: 3000 }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d)).on('end', () => { console.log(JSON.stringify({ ok: true, body })); process.exit(0); });
  }).on('error', (e) => { console.log(JSON.stringify({ ok: false, error: e.message })); process.exit(0); });
});
`;

function nodeInside(namespace: string, script: string, args: readonly (string | number)[]): string[] {
  return ['netns', 'exec', namespace, process.execPath, '-e', script, '--', ...args.map(String)];
}

async function runJson<T>(namespace: string, script: string, args: readonly (string | number)[], timeoutMs: number): Promise<T> {
  const { stdout } = await promisify(execFile)('ip', nodeInside(namespace, script, args), { timeout: timeoutMs, killSignal: 'SIGKILL' });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as T;
}

export type HttpResult = { ok: true; status: number; body: string } | { ok: false; error: string };

/** GET `url` from inside `namespace`; a request with no answer within `timeoutMs` is `{ ok: false }`. */
export function httpGetInside(namespace: string, url: string, timeoutMs = 5_000): Promise<HttpResult> {
  return runJson(namespace, HTTP_GET, [url, timeoutMs], timeoutMs + 15_000);
}

/** Download from `url` inside `namespace` for at most `maxMs`: bytes received and time taken. */
export function bulkDownloadInside(namespace: string, url: string, maxMs: number): Promise<{ bytes: number; ms: number }> {
  return runJson(namespace, BULK_DOWNLOAD, [url, maxMs], maxMs + 15_000);
}

export function ownLoopbackInside(namespace: string): Promise<HttpResult> {
  return runJson(namespace, OWN_LOOPBACK, [], 15_000);
}

/**
 * Send `count` numbered UDP packets from `from` to `host:port` received in
 * `to`, at `perSecond`; how many distinct ones arrived.
 */
export async function udpCountAcross(options: { from: string; to: string; host: string; port: number; count: number; perSecond: number }): Promise<number> {
  const maxMs = Math.ceil((options.count / options.perSecond) * 1000) + 5_000;
  const receiver = spawn('ip', nodeInside(options.to, UDP_RECEIVE, [options.port, maxMs]), { stdio: ['ignore', 'pipe', 'inherit'] });
  // Listened for now: the receiver may finish (on the end marker) before the sender's process has exited.
  const exited = once(receiver, 'exit');
  try {
    let output = '';
    receiver.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    await waitFor(receiver, () => output.includes('ready'));
    await promisify(execFile)('ip', nodeInside(options.from, UDP_SEND, [options.host, options.port, options.count, options.perSecond]), {
      timeout: maxMs + 10_000,
      killSignal: 'SIGKILL',
    });
    await exited;
    return (JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as { received: number }).received;
  } finally {
    receiver.kill('SIGKILL');
  }
}

function waitFor(child: ChildProcess, ready: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (ready()) (clearInterval(timer), resolve());
      else if (child.exitCode !== null) (clearInterval(timer), reject(new Error('probe exited before it was ready')));
    }, 20);
  });
}

/** Bytes in and out of `device` inside `namespace` so far. */
export async function linkCounters(namespace: string, device: string): Promise<{ rxBytes: number; txBytes: number }> {
  const { stdout } = await promisify(execFile)('ip', ['-j', '-s', '-n', namespace, 'link', 'show', device]);
  const [link] = JSON.parse(stdout) as { stats64: { rx: { bytes: number }; tx: { bytes: number } } }[];
  return { rxBytes: link!.stats64.rx.bytes, txBytes: link!.stats64.tx.bytes };
}

/**
 * The root-namespace server participants reach through the hub, on
 * 127.0.0.1 port 0: `/hello`, `/bulk?bytes=N` (N bytes, streamed with
 * backpressure) and `/page` (an HTML page).
 */
export async function startLoopbackServer(): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/bulk') {
      let left = Number(url.searchParams.get('bytes') ?? '1000000');
      const chunk = Buffer.alloc(16 * 1024, 120);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const pump = () => {
        while (left > 0) {
          const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
          left -= piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (left = 0));
      return pump();
    }
    if (url.pathname === '/page') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<!doctype html><title>lab page</title><body><p id="greeting">served from the root namespace</p></body>');
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello ${url.pathname}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
