import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** Stoplight Prism (a devDependency) run as its own CLI, the way a user runs it. */
const PRISM_CLI = fileURLToPath(new URL('../../node_modules/@stoplight/prism-cli/dist/index.js', import.meta.url));

export interface RunningPrism {
  url: string;
  /** What Prism printed (its log), for a failing test's message. */
  output(): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Start `prism <mode> …` on a free loopback port and wait until it answers;
 * stopped by its own PID. Startup is bounded (Prism can take seconds on a
 * loaded machine; 17 s at load 20 on 2 cores, over 45 s with four test files
 * beside it): a Prism that never comes up fails the test with its log.
 */
export async function startPrism(args: string[], startupTimeoutMs = 120_000): Promise<RunningPrism> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [PRISM_CLI, ...args, '--port', String(port), '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startupTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prism exited with ${child.exitCode}:\n${log}`);
    // Prism prints this line once every route is registered.
    if (/Prism is listening on/.test(log)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prism did not start within ${startupTimeoutMs} ms:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    output: () => log,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** One exchange seen between the gate and Prism's proxy, with Prism's verdict on it. */
export interface ObservedExchange {
  method: string;
  path: string;
  status: number;
  contentType: string | undefined;
  /** Prism's `sl-violations` header, parsed (empty when Prism found nothing). */
  violations: { location: string[]; severity: string; code: string | number; message: string }[];
}

export interface ForwardingServer {
  url: string;
  /** Where requests go; change it between runs. */
  upstream: string;
  /**
   * Where a request goes whose JSON body does not parse: Prism's body parser
   * answers those itself (its own 400, never forwarded, never validated), so
   * they are sent around Prism, straight to the API, and counted.
   */
  bypass: string | undefined;
  bypassed: number;
  seen: ObservedExchange[];
  close(): Promise<void>;
}

/**
 * A plain node:http forwarder: everything to `upstream`, recording each
 * exchange and the `sl-violations` header Prism adds. Between the gate and
 * Prism it reads Prism's verdicts; between Prism and the reference servers it
 * lets one Prism process proxy to several of them in turn.
 */
export async function startForwarder(upstream: string): Promise<ForwardingServer> {
  const state: ForwardingServer = { url: '', upstream, bypass: undefined, bypassed: 0, seen: [], close: async () => {} };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    let base = state.upstream;
    if (state.bypass !== undefined && body.length > 0 && /json/i.test(req.headers['content-type'] ?? '')) {
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        base = state.bypass;
        state.bypassed += 1;
      }
    }
    const target = new URL(req.url ?? '/', base);
    const out = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      const header = answer.headers['sl-violations'];
      let violations: ObservedExchange['violations'] = [];
      if (typeof header === 'string') {
        try {
          violations = JSON.parse(header) as ObservedExchange['violations'];
        } catch {
          violations = [{ location: ['unparsed'], severity: 'Error', code: 'header', message: header }];
        }
      }
      const contentType = answer.headers['content-type'];
      state.seen.push({ method: req.method ?? 'GET', path: req.url ?? '/', status: answer.statusCode ?? 0, contentType, violations });
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`forwarder: ${error.message}`);
    });
    out.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
