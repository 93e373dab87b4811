import { createServer as createHttpServer, maxHeaderSize, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { TargetUnreachableError } from '../../src/errors.js';
import { VideoConnectClient } from '../../src/target/client.js';
import { TargetProbe } from '../../src/target/target-probe.js';
import { classifyTransportError } from '../../src/http/transport-error.js';
import { startDrippingServer, type HostileServer } from '../fixtures/hostile/index.js';

/** The target probe and the typed client against targets that answer, but not in a readable way. */

const servers: (HttpServer | TcpServer)[] = [];
const hostile: HostileServer[] = [];
afterEach(async () => {
  for (const s of hostile.splice(0)) await s.close();
  for (const s of servers.splice(0)) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function listen(server: HttpServer | TcpServer): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Answers every request, promptly, with a header four times the client's limit. */
function oversizedHeaders(): Promise<string> {
  return listen(
    createHttpServer((_req, res) => res.writeHead(401, { 'content-type': 'application/json', 'x-debug-trace': 'a'.repeat(maxHeaderSize * 4) }).end('{}')),
  );
}

describe('a target whose response headers are larger than the limit', () => {
  it('is classified malformed (it answered), not a connection failure', async () => {
    const url = await oversizedHeaders();
    const error = await request(url).catch((e: unknown) => e);
    expect(classifyTransportError(error)).toBe('malformed');
  });

  it('fails the probe with "answered with response headers larger than the … limit", never "cannot reach … Headers Overflow"', async () => {
    const url = await oversizedHeaders();
    const error = await new TargetProbe().assertResponds(url, 5000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetUnreachableError);
    expect((error as Error).message).toBe(`${url} answered with response headers larger than the 16 KiB limit, so its answers cannot be read`);
    expect((error as Error).message).not.toMatch(/cannot reach|Overflow/);
    expect((error as TargetUnreachableError).hint).toContain('--max-http-header-size=');
  });

  it('names the operation in the client’s error, with the same wording', async () => {
    const url = await oversizedHeaders();
    const client = new VideoConnectClient({ baseUrl: url, credentials: { clientId: 'a', clientSecret: 'b' }, timeoutMs: 5000 });
    await expect(client.issueToken()).rejects.toThrow(
      `issue_token: ${url} answered with response headers larger than the 16 KiB limit, so its answers cannot be read`,
    );
  });
});

describe('a target that answers with bytes that are not HTTP', () => {
  it('fails the probe as "answered with something that is not a valid HTTP/1.1 response"', async () => {
    const url = await listen(createTcpServer((socket) => socket.on('error', () => undefined).end('SSH-2.0-OpenSSH_9.6\r\n\r\n', () => socket.destroy())));
    const error = await new TargetProbe().assertResponds(url, 5000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetUnreachableError);
    expect((error as Error).message).toMatch(new RegExp(`^${url.replace(/[.]/g, '\\.')} answered with something that is not a valid HTTP/1\\.1 response \\(`));
  });
});

describe('a target that drips its body', () => {
  it('passes the probe as soon as its status line and headers arrive (the body is not waited for)', { timeout: 20_000 }, async () => {
    const server = await startDrippingServer({ intervalMs: 1000 });
    hostile.push(server);
    // Before: the probe read the body, and a byte a second reset undici's idle timeout forever.
    await expect(new TargetProbe().assertResponds(server.url, 5000)).resolves.toBeUndefined();
    for (let i = 0; i < 100 && server.stats().openResponses > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.stats().openResponses).toBe(0);
  });
});
