import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const READY = /listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*metrics: +(http:\/\/127\.0\.0\.1:\d+\/metrics)/;

describe('roomgate serve --metrics-port', () => {
  it("exposes the server's own request and response counts for Prometheus while it serves", async () => {
    let failure: unknown;
    let scraped = '';
    const run = await runCli(['serve', '--port', '0', '--metrics-port', '0'], {
      timeoutMs: 60_000,
      onSpawn: (child: ChildProcess) => {
        let out = '';
        let started = false;
        child.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = READY.exec(out);
          if (match === null || started) return;
          started = true;
          const [, api, metrics] = match as unknown as [string, string, string];
          (async () => {
            const token = await fetch(`${api}/v1/auth/token`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ client_id: 'roomgate-local', client_secret: 'roomgate-local-secret' }),
            });
            const { access_token } = (await token.json()) as { access_token: string };
            for (let i = 0; i < 3; i++) await (await fetch(`${api}/v1/rooms/rm_nope`, { headers: { authorization: `Bearer ${access_token}` } })).text();
            scraped = await (await fetch(metrics)).text();
          })()
            .catch((error: unknown) => (failure = error))
            .finally(() => child.kill('SIGINT'));
        });
      },
    });
    if (failure !== undefined) throw failure;
    expect(run.code, run.stderr).toBe(0);
    expect(scraped).toMatch(/^roomgate_server_requests_total\{operation="issue_token"\} 1$/m);
    expect(scraped).toMatch(/^roomgate_server_requests_total\{operation="get_room"\} 3$/m);
    expect(scraped).toMatch(/^roomgate_server_responses_total\{code="404",status_class="4xx"\} 3$/m);
    expect(scraped).toMatch(/^roomgate_server_responses_total\{code="200",status_class="2xx"\} 1$/m);
    // The server process's own CPU, for benches that want both sides.
    expect(scraped).toMatch(/^process_cpu_seconds_total \d/m);
  }, 90_000);
});
