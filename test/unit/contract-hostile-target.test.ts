import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Exchanger } from '../../src/contract/http/exchange.js';
import { resolveContractOptions, runContractGate } from '../../src/contract/contract-step.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { SpecIndex } from '../../src/spec/spec-index.js';

type Handler = Parameters<typeof createServer>[1];

const servers: Server[] = [];
async function hostile(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

// 500 ms unless a test needs more: the 10 MB body must hit the byte cap, not the deadline, on a loaded CI host.
const exchanger = (baseUrl: string, timeoutMs = 500) =>
  new Exchanger({ baseUrl, authorize: async () => ({ authorization: 'Bearer token' }), timeoutMs, maxBodyBytes: 64 * 1024 });

const HOSTILE: Record<string, Handler> = {
  'HTML instead of JSON': (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>oops</html>'),
  'a 10 MB body': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const write = () => {
      while (sent < 10 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      res.end();
    };
    write();
  },
  'a response that never ends': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"data": [');
  },
  'a redirect loop': (req, res) => res.writeHead(302, { location: req.url ?? '/' }).end(),
  'invalid UTF-8': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
};

describe('the bounded exchange against hostile servers', () => {
  it('cuts a 10 MB body at the cap instead of buffering it', async () => {
    const http = exchanger(await hostile(HOSTILE['a 10 MB body']), 10_000);
    const exchange = await http.send({ method: 'GET', path: '/v1/rooms' });
    await http.close();
    expect(exchange.failure?.kind).toBe('too-large');
    expect(exchange.bodyText.length).toBeLessThanOrEqual(64 * 1024);
  });

  it('turns a response that never ends into a timeout', async () => {
    const http = exchanger(await hostile(HOSTILE['a response that never ends']));
    const exchange = await http.send({ method: 'GET', path: '/v1/rooms' });
    await http.close();
    expect(exchange.failure?.kind).toBe('timeout');
  });

  it('does not follow redirects', async () => {
    const http = exchanger(await hostile(HOSTILE['a redirect loop']));
    const exchange = await http.send({ method: 'GET', path: '/v1/rooms' });
    await http.close();
    expect(exchange.status).toBe(302);
  });

  it('reports invalid UTF-8 instead of throwing', async () => {
    const http = exchanger(await hostile(HOSTILE['invalid UTF-8']));
    const exchange = await http.send({ method: 'GET', path: '/v1/rooms' });
    await http.close();
    expect(exchange.invalidUtf8).toBe(true);
    expect(exchange.isJson).toBe(false);
  });
});

describe('the whole gate against hostile servers', () => {
  for (const [name, handler] of Object.entries(HOSTILE)) {
    it(`yields failed checks, bounded in time, for ${name}`, async () => {
      const baseUrl = await hostile(handler);
      const spec = new SpecIndex(await loadSpec('contracts/videoconnect.v1.openapi.yaml'));
      const options = resolveContractOptions({ requestTimeoutMs: 500, maxBodyBytes: 64 * 1024, rateLimitBudget: 50 });
      const started = Date.now();
      const result = await runContractGate(
        {
          target: { baseUrl, credentials: { clientId: 'a', clientSecret: 'b' }, embedded: false },
          signal: new AbortController().signal,
          emit: () => {},
          runDir: '.',
        },
        options,
        'contract',
      );
      expect(result.status).toBe('failed');
      expect(result.checks.filter((c) => c.status === 'failed').length).toBeGreaterThan(5);
      expect(result.checks.find((c) => c.name === 'auth.token-response')?.status).toBe('failed');
      expect(Date.now() - started).toBeLessThan(45_000);
    });
  }
});
