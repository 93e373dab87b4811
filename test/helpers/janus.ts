/**
 * A real Janus WebRTC Server (Debian's `janus` package) for the SFU browser
 * tests and the bench: started on 127.0.0.1 with a temporary config folder
 * (HTTP and WebSocket transports bound to 127.0.0.1 on free ports, only the
 * VideoRoom plugin, IPv4 host candidates only, no STUN/TURN, no mDNS), plus
 * the stock janus-demos pages served read-only from loopback. Stopped by its
 * own PID.
 *
 * Media: Janus (like Chromium) never gathers loopback ICE candidates, so RTP
 * flows between this host's own interface addresses; the kernel delivers
 * those locally (route type `local`, dev lo) and nothing leaves the host.
 * Signaling and room management are 127.0.0.1 only.
 *
 * Run it by hand to point `roomgate browser` at it:
 *   npx tsx test/helpers/janus.ts     # prints JANUS_URL / JANUS_WS_URL / JANUS_DEMOS_URL, Ctrl-C stops
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

export const JANUS_BINARY = '/usr/bin/janus';
export const JANUS_DEMOS_DIR = '/usr/share/janus/demos';
const LIB_DIR = '/usr/lib/x86_64-linux-gnu/janus';

/** True when janus and janus-demos are installed (tests skip with a reason otherwise). */
export function janusAvailable(): boolean {
  return existsSync(JANUS_BINARY) && existsSync(join(JANUS_DEMOS_DIR, 'videoroomtest.html')) && existsSync(join(LIB_DIR, 'plugins', 'libjanus_videoroom.so'));
}

export interface RunningJanus {
  /** Janus HTTP API base, e.g. http://127.0.0.1:41234/janus (room management). */
  httpUrl: string;
  /** Janus WebSocket API, e.g. ws://127.0.0.1:41235 (what the demo page uses). */
  wsUrl: string;
  /** The stock demo pages, e.g. http://127.0.0.1:41236/ (videoroomtest.html lives there). */
  demosUrl: string;
  pid: number;
  /** Janus's stdout+stderr so far (bounded), for failure messages. */
  log(): string;
  /** Stop Janus only (SIGKILL by PID: simulates the media server dying mid-run). */
  kill(): Promise<void>;
  /** Stop Janus and the demo server, remove the config folder. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const ALL_PLUGINS = ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'streaming', 'textroom', 'videocall', 'voicemail'];
const OTHER_TRANSPORTS = ['mqtt', 'nanomsg', 'pfunix', 'rabbitmq'];

function janusConfig(dir: string): string {
  return `general: {
  configs_folder = "${dir}"
  plugins_folder = "${LIB_DIR}/plugins"
  transports_folder = "${LIB_DIR}/transports"
  events_folder = "${LIB_DIR}/events"
  loggers_folder = "${LIB_DIR}/loggers"
  debug_level = 3
  server_name = "roomgate-test"
  session_timeout = 60
}
media: {
  rtp_port_range = "40000-60000"
}
nat: {
  nice_debug = false
  ignore_mdns = true
}
plugins: {
  disable = "${ALL_PLUGINS.map((p) => `libjanus_${p}.so`).join(',')}"
}
transports: {
  disable = "${OTHER_TRANSPORTS.map((t) => `libjanus_${t}.so`).join(',')}"
}
loggers: {
  disable = "libjanus_jsonlog.so"
}
events: {
  broadcast = false
}
`;
}

/** Start Janus and the demo page server; resolves once both answer. */
export async function startJanus(): Promise<RunningJanus> {
  const dir = await mkdtemp(join(tmpdir(), 'roomgate-janus-'));
  const [httpPort, wsPort] = [await freePort(), await freePort()];
  await writeFile(join(dir, 'janus.jcfg'), janusConfig(dir));
  await writeFile(
    join(dir, 'janus.transport.http.jcfg'),
    `general: { json = "plain"\n base_path = "/janus"\n http = true\n port = ${httpPort}\n ip = "127.0.0.1"\n https = false }\nadmin: { admin_http = false\n admin_https = false }\n`,
  );
  await writeFile(
    join(dir, 'janus.transport.websockets.jcfg'),
    `general: { json = "plain"\n ws = true\n ws_port = ${wsPort}\n ws_ip = "127.0.0.1"\n wss = false }\nadmin: { admin_ws = false\n admin_wss = false }\n`,
  );
  // No static rooms: every room is created through the VideoRoom API by the adapter.
  await writeFile(join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');

  let output = '';
  const child: ChildProcess = spawn(JANUS_BINARY, ['-C', join(dir, 'janus.jcfg'), '-F', dir, '--disable-colors', '-i', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-64_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const demos = await serveDemos();

  const httpUrl = `http://127.0.0.1:${httpPort}/janus`;
  const killJanus = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGKILL');
      await exited;
    }
  };
  const stop = async () => {
    await killJanus();
    await new Promise<void>((resolve) => demos.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForJanus(httpUrl, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  const address = demos.address();
  if (address === null || typeof address === 'string') throw new Error('demo server has no port');
  return {
    httpUrl,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    demosUrl: `http://127.0.0.1:${address.port}/`,
    pid: child.pid!,
    log: () => output,
    kill: killJanus,
    stop,
  };
}

async function waitForJanus(httpUrl: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`janus exited with code ${child.exitCode}:\n${log()}`);
    try {
      const response = await fetch(`${httpUrl}/info`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) {
        const info = (await response.json()) as { plugins?: Record<string, unknown> };
        if (info.plugins?.['janus.plugin.videoroom'] !== undefined) return;
        throw new Error(`janus runs without the VideoRoom plugin:\n${log()}`);
      }
    } catch (error) {
      if ((error as Error).message.startsWith('janus runs')) throw error;
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`janus did not answer on ${httpUrl} within 20 s:\n${log()}`);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.svg': 'image/svg+xml',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

/**
 * The janus-demos folder, read-only, on a free loopback port. Hand-written
 * (a dozen lines) rather than a static-file package: GET of files under one
 * folder is all the demo needs.
 */
async function serveDemos(): Promise<Server> {
  const server = createHttpServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const file = normalize(join(JANUS_DEMOS_DIR, path === '/' ? 'index.html' : path));
    if (!file.startsWith(JANUS_DEMOS_DIR + sep) || !existsSync(file) || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'max-age=3600' });
    createReadStream(file)
      .on('error', () => response.destroy())
      .pipe(response);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return server;
}

// `npx tsx test/helpers/janus.ts`: a Janus for manual runs, until Ctrl-C.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const janus = await startJanus();
  process.stdout.write(`JANUS_URL=${janus.httpUrl}\nJANUS_WS_URL=${janus.wsUrl}\nJANUS_DEMOS_URL=${janus.demosUrl}\n(pid ${janus.pid}; Ctrl-C stops)\n`);
  const shutdown = () => void janus.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
