import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FAULT_NAMES } from '../../src/reference/faults.js';
import { runCli } from '../helpers/run-cli.js';

const LISTENING = /roomgate serve: listening on (http:\/\/127\.0\.0\.1:(\d+))/;

/** Run `roomgate serve`, call `use(url)` once it listens, then SIGINT it. */
async function withServe(args: string[], use: (url: string) => Promise<void>, env: Record<string, string> = {}) {
  let failure: unknown;
  const run = await runCli(['serve', '--port', '0', ...args], {
    env,
    timeoutMs: 60_000,
    onSpawn: (child: ChildProcess) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer | string) => {
        const before = out;
        out += chunk.toString();
        const match = LISTENING.exec(out);
        if (match !== null && LISTENING.exec(before) === null) {
          use(match[1] as string)
            .catch((error: unknown) => (failure = error))
            .finally(() => child.kill('SIGINT'));
        }
      });
    },
  });
  if (failure !== undefined) throw failure;
  return run;
}

describe('roomgate serve', () => {
  it('prints its real URL and the local client id, serves the API, and exits 0 on SIGINT', async () => {
    let roomId = '';
    const run = await withServe([], async (url) => {
      const tokenResponse = await fetch(`${url}/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'roomgate-local', client_secret: 'roomgate-local-secret' }),
      });
      expect(tokenResponse.status).toBe(200);
      const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
      const created = await fetch(`${url}/v1/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ name: 'e2e' }),
      });
      expect(created.status).toBe(201);
      roomId = ((await created.json()) as { room_id: string }).room_id;
    });
    expect(run.code, run.stderr).toBe(0);
    expect(roomId).toMatch(/^rm_/);
    const port = Number(LISTENING.exec(run.stdout)?.[2]);
    expect(port).toBeGreaterThan(0);
    expect(run.stdout).toContain('roomgate-local');
    expect(run.stdout).toContain('contracts/videoconnect.v1.openapi.yaml');
    expect(run.stdout).toContain('roomgate serve: stopped');
  });

  it('applies --fault, --rate-limit and custom credentials, and never prints a custom secret', async () => {
    const run = await withServe(
      ['--fault', 'envelope', '--rate-limit', '1/30s', '--client-id', 'ci-bot', '--client-secret', 'hunter2-very-secret'],
      async (url) => {
        const tokenResponse = await fetch(`${url}/v1/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_id: 'ci-bot', client_secret: 'hunter2-very-secret' }),
        });
        const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
        const first = await fetch(`${url}/v1/rooms`, { headers: { authorization: `Bearer ${token}` } });
        expect(first.status).toBe(200);
        expect(first.headers.get('ratelimit-policy')).toBe('"default";q=1;w=30');
        const second = await fetch(`${url}/v1/rooms`, { headers: { authorization: `Bearer ${token}` } });
        expect(second.status).toBe(429);
        expect(await second.json()).toEqual({ error: 'rate_limited', message: expect.any(String) });
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('ci-bot');
    expect(run.stdout + run.stderr).not.toContain('hunter2-very-secret');
    expect(run.stdout).toContain('faults:        envelope');
  });

  it('rejects an unknown fault and a malformed --rate-limit with exit 2 and a hint', async () => {
    const fault = await runCli(['serve', '--port', '0', '--fault', 'nope'], { timeoutMs: 30_000 });
    expect(fault.code).toBe(2);
    expect(fault.stderr).toContain('unknown fault "nope"');
    expect(fault.stderr).toContain('slow-create');
    const limit = await runCli(['serve', '--port', '0', '--rate-limit', 'lots'], { timeoutMs: 30_000 });
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--rate-limit');
    const half = await runCli(['serve', '--port', '0', '--client-id', 'x'], { timeoutMs: 30_000 });
    expect(half.code).toBe(2);
  });

  it('--help lists every fault', async () => {
    const help = await runCli(['serve', '--help'], { timeoutMs: 30_000 });
    expect(help.code).toBe(0);
    for (const fault of FAULT_NAMES) expect(help.stdout).toContain(fault);
  });
});

describe('roomgate serve on a busy port', () => {
  it('is a usage error (exit 2) with a hint, not a crash', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const run = await runCli(['serve', '--port', String(port)], { timeoutMs: 30_000 });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('already in use');
      expect(run.stderr).toContain('--port 0');
    } finally {
      blocker.close();
    }
  });
});
