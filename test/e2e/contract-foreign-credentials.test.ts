import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_FOR_CONTRACT } from '../../src/contract/options.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { startReferenceServer } from '../helpers/reference-http.js';
import { runCli } from '../helpers/run-cli.js';
import { gateResultOf, parseRunSummary } from '../helpers/run-summary.js';

/**
 * A target that is not roomgate's embedded server has its own credentials.
 * The consumer pact holds placeholders; provider verification must send the
 * target's configured client and a fresh token (issue #10: before, the
 * token interaction replayed the reference's local credentials and failed on
 * every other target).
 */
const CLIENT = { clientId: 'ci-client', clientSecret: 's3cret-value' };

describe('roomgate contract --target with non-default credentials', { timeout: 150_000 }, () => {
  let server: ReferenceServer;
  beforeAll(async () => {
    server = await startReferenceServer({ clients: [CLIENT], ...EMBEDDED_FOR_CONTRACT });
  });
  afterAll(async () => server.close());

  it('passes every check, Pact provider verification included, and never prints the secret', async () => {
    const run = await runCli(['contract', '--json', '--target', server.url, '--client-id', CLIENT.clientId, '--client-secret', CLIENT.clientSecret], {
      timeoutMs: 140_000,
    });
    const result = gateResultOf(parseRunSummary(run.stdout));
    const notPassed = result.checks.filter((c) => c.status === 'failed' || c.status === 'errored');
    expect(notPassed).toEqual([]);
    expect(result.checks.find((c) => c.name === 'pact.provider-verification')?.status).toBe('passed');
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(CLIENT.clientSecret);
  });
});

describe('roomgate contract --pact-broker-url', { timeout: 150_000 }, () => {
  it('exits 3 with a clear message when the broker cannot be reached', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const run = await runCli(['contract', '--only', 'pact', '--pact-broker-url', `http://127.0.0.1:${port}`], { timeoutMs: 60_000 });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`cannot reach the pact broker at http://127.0.0.1:${port}`);
    expect(run.stderr).toContain('--pact-broker-url');
  });

  it('exits 2 naming PACT_BROKER_TOKEN when the broker refuses the credentials, and sends the token from the environment', async () => {
    const seen: (string | undefined)[] = [];
    const broker = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
    });
    await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(broker.address() as AddressInfo).port}`;
      const run = await runCli(['contract', '--only', 'pact', '--pact-broker-url', url], { timeoutMs: 60_000, env: { PACT_BROKER_TOKEN: 'tok-from-env-123' } });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('refused the credentials (401)');
      expect(run.stderr).toContain('PACT_BROKER_TOKEN');
      expect(run.stderr + run.stdout).not.toContain('tok-from-env-123');
      expect(seen).toEqual(['Bearer tok-from-env-123']);
    } finally {
      await new Promise((resolve) => broker.close(resolve));
    }
  });

  it('refuses --publish-verification-results without a provider version or a broker (exit 2, before anything runs)', async () => {
    const noVersion = await runCli(['contract', '--pact-broker-url', 'http://127.0.0.1:1', '--publish-verification-results'], { timeoutMs: 30_000 });
    expect(noVersion.code).toBe(2);
    expect(noVersion.stderr).toContain('--provider-version');
    const noBroker = await runCli(['contract', '--publish-verification-results'], { timeoutMs: 30_000 });
    expect(noBroker.code).toBe(2);
    expect(noBroker.stderr).toContain('--pact-broker-url');
  });
});
