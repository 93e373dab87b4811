import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, leaksOfRun, runSecrets, type Leak } from '../helpers/leak-detector.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { HOSTILE_CREDENTIALS, startEchoingServer, type EchoingOptions, type HostileServer } from '../fixtures/hostile/index.js';

/**
 * A target whose error bodies echo the request (headers with the live bearer
 * token, the token request's body with the client secret, in plain, JSON-
 * escaped, URL-encoded and base64 forms) must not get a single token or the
 * secret into anything roomgate writes: every file of the run folder, the
 * console (stdout and stderr). Every byte is searched, decoded every way
 * (test/helpers/leak-detector.ts), for the secret and for every token the
 * target issued during the run (the Pact verifier's included).
 */

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'roomgate-hostile-redaction-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function runAgainstEchoingTarget(options: EchoingOptions, args: (url: string) => string[]): Promise<{ run: CliRun; out: string; tokens: string[] }> {
  const tokens: string[] = [];
  const server: HostileServer = await startEchoingServer({ ...options, onToken: (token) => tokens.push(token) });
  try {
    const out = join(work, `run-${Math.random().toString(36).slice(2, 8)}`);
    const run = await runCli(
      [
        ...args(server.url),
        '--target',
        server.url,
        '--client-id',
        HOSTILE_CREDENTIALS.clientId,
        '--client-secret',
        HOSTILE_CREDENTIALS.clientSecret,
        '--out',
        out,
      ],
      {
        timeoutMs: 240_000,
      },
    );
    return { run, out, tokens };
  } finally {
    await server.close();
  }
}

function leaksOf(run: CliRun, out: string, tokens: readonly string[]): Leak[] {
  return leaksOfRun(run, out, runSecrets(HOSTILE_CREDENTIALS.clientSecret, tokens));
}

describe('nothing roomgate writes carries a token or the secret a target echoed back', () => {
  it('roomgate contract (gate and Pact verification) against a target whose errors and token answers echo the request', async () => {
    // Every group but coverage (its oversized-body cases put megabytes into each failing check's curl line) and
    // the rate-limit burst (thousands of requests): the echo meets every other kind of evidence, Pact's included.
    const groups = 'pact,schema,envelope,routing,lifecycle,auth,generated,idempotency,webhooks,identity';
    const { run, out, tokens } = await runAgainstEchoingTarget({ failEvery: 5 }, () => ['contract', '--only', groups]);
    // The run went far enough to meet the echo: it was judged (failed: the echoed 500s break the contract).
    expect(run.code, run.stderr).toBe(1);
    expect(tokens.length).toBeGreaterThan(1);
    expect(filesUnder(out).map((f) => f.path)).toEqual(expect.arrayContaining(['report.json', 'events.ndjson', 'junit.xml', 'summary.md', 'report.html']));
    // The echo reached the reports (redacted), so the search below searched something.
    expect(filesUnder(out).find((f) => f.path === 'report.json')?.text).toContain('[redacted]');
    expect(leaksOf(run, out, tokens)).toEqual([]);
  }, 300_000);

  // roomgate load against the same target (errors as text dumps, the token first): test/e2e/hostile-bounds.test.ts.
});
