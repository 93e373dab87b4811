import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Exchanger } from '../../src/contract/http/exchange.js';
import type { CheckResult } from '../../src/model/result.js';
import {
  EXCEPT_TOKEN,
  HOSTILE_CREDENTIALS,
  startDrippingServer,
  startGzipBombServer,
  startHugeBodyServer,
  type HostileServer,
} from '../fixtures/hostile/index.js';
import { BIN, runProcess } from '../helpers/run-cli.js';
import { gateResultOf, parseRunSummary } from '../helpers/run-summary.js';

/**
 * Issue 22, in the gate: every body the contract gate reads goes through
 * readBoundedBody (a byte cap, bounded decompression, one deadline for
 * headers and body, abort), so a gzip bomb, a 200 MB body and a target that
 * drips its body a byte a second each end as a typed failure naming the
 * operation, in the evidence of the check that met it, and the gate ends with
 * a verdict instead of a hang or gigabytes of memory.
 */

const started: HostileServer[] = [];
async function start(server: Promise<HostileServer>): Promise<HostileServer> {
  const s = await server;
  started.push(s);
  return s;
}
afterEach(async () => {
  for (const s of started.splice(0)) await s.close();
});

const CAP = 256 * 1024;

async function getRooms(url: string, timeoutMs = 5000) {
  const http = new Exchanger({ baseUrl: url, authorize: async () => ({}), timeoutMs, maxBodyBytes: CAP });
  try {
    return await http.send({ method: 'GET', path: '/v1/rooms', auth: false, operation: 'listRooms' });
  } finally {
    await http.close();
  }
}

describe('the gate exchange reads bodies within bounds', () => {
  it('stops inflating a gzip bomb at the cap and calls it a decompression bomb of that operation', async () => {
    const bomb = await start(startGzipBombServer({ inflatedBytes: 128 * 1024 * 1024 }));
    const exchange = await getRooms(bomb.url);
    expect(exchange.status).toBe(401);
    expect(exchange.failure?.kind).toBe('decompression-bomb');
    expect(exchange.failure?.message).toMatch(/^listRooms: the response body is a decompression bomb/);
    expect(exchange.bodyText.length).toBeLessThanOrEqual(CAP);
    expect(exchange.isJson).toBe(false);
  });

  it('refuses a body whose Content-Length is over the cap without reading it', async () => {
    const huge = await start(startHugeBodyServer());
    const exchange = await getRooms(huge.url);
    expect(exchange.failure?.kind).toBe('too-large');
    expect(exchange.failure?.message).toMatch(/^listRooms: the response body is .*Content-Length.*not read/);
    expect(exchange.bodyText).toBe('');
  });

  it('cuts a chunked body at the cap while counting', async () => {
    const huge = await start(startHugeBodyServer({ declareLength: false }));
    const exchange = await getRooms(huge.url);
    expect(exchange.failure?.kind).toBe('too-large');
    expect(exchange.bodyText.length).toBe(CAP);
  });

  it('ends a body that drips a byte at a time at the one deadline for headers and body', async () => {
    const drip = await start(startDrippingServer({ intervalMs: 50 }));
    const exchange = await getRooms(drip.url, 1000);
    // Headers came at once; the deadline ended the body, which never finishes.
    expect(exchange.status).toBe(401);
    expect(exchange.failure?.kind).toBe('timeout');
    expect(exchange.failure?.message).toMatch(/^listRooms: no complete response within 1000 ms/);
  });

  it("passes an interrupt through as the caller's own reason, not as a failure of the target", async () => {
    const drip = await start(startDrippingServer({ intervalMs: 50 }));
    const http = new Exchanger({ baseUrl: drip.url, authorize: async () => ({}), timeoutMs: 10_000, maxBodyBytes: CAP });
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort(new Error('SIGINT')), 200);
    await expect(http.send({ method: 'GET', path: '/v1/rooms', auth: false, signal: interrupt.signal })).rejects.toThrow('SIGINT');
    await http.close();
  });
});

/** `roomgate contract` against a hostile target under /usr/bin/time: its verdict, the checks, and the peak RSS of the process. */
async function gateUnderTime(url: string, only: string): Promise<{ code: number | null; checks: CheckResult[]; maxRssKb: number; stderr: string }> {
  const out = await mkdtemp(join(tmpdir(), 'roomgate-hostile-'));
  const run = await runProcess(
    '/usr/bin/time',
    [
      '-f',
      'roomgate-max-rss-kb=%M',
      process.execPath,
      BIN,
      'contract',
      '--json',
      '--out',
      out,
      '--target',
      url,
      '--client-id',
      HOSTILE_CREDENTIALS.clientId,
      '--only',
      only,
      '--request-timeout',
      '2s',
    ],
    { env: { ROOMGATE_CLIENT_SECRET: HOSTILE_CREDENTIALS.clientSecret }, timeoutMs: 150_000 },
  ).finally(() => rm(out, { recursive: true, force: true }));
  const rss = /roomgate-max-rss-kb=(\d+)/.exec(run.stderr);
  return {
    code: run.code,
    checks: run.stdout === '' ? [] : gateResultOf(parseRunSummary(run.stdout)).checks,
    maxRssKb: Number(rss?.[1] ?? Number.NaN),
    stderr: run.stderr,
  };
}

/** Far below what an unbounded read costs (3.4 GB for the bomb, 1.5 GB for 200 MB), well above the CLI's own footprint. */
const RSS_CAP_KB = 600 * 1024;

describe('roomgate contract against hostile bodies ends with a verdict, bounded in memory', { timeout: 180_000 }, () => {
  it('fails the gate on a gzip bomb with the bomb, named by operation, in the evidence', async () => {
    // 512 MiB of spaces in about 0.5 MB of gzip: under the gate's 1 MiB cap as sent, so only inflating can find it.
    const bomb = await start(startGzipBombServer({ on: EXCEPT_TOKEN, inflatedBytes: 512 * 1024 * 1024 }));
    const { code, checks, maxRssKb, stderr } = await gateUnderTime(bomb.url, 'auth,schema');
    expect(code, stderr).toBe(1);
    expect(maxRssKb).toBeLessThan(RSS_CAP_KB);
    const readable = checks.find((c) => c.name === 'schema.responses-readable');
    expect(readable?.status).toBe('failed');
    const evidence = JSON.stringify(readable?.status === 'failed' ? readable.evidence : []);
    expect(evidence).toContain('decompression bomb');
  });

  it('fails the gate on a 200 MB body without reading it', async () => {
    const huge = await start(startHugeBodyServer({ on: EXCEPT_TOKEN, declareLength: false }));
    const { code, checks, maxRssKb, stderr } = await gateUnderTime(huge.url, 'auth,schema');
    expect(code, stderr).toBe(1);
    expect(maxRssKb).toBeLessThan(RSS_CAP_KB);
    const readable = checks.find((c) => c.name === 'schema.responses-readable');
    expect(JSON.stringify(readable)).toContain('cap');
    expect(huge.stats().hostileBodyBytes).toBeLessThan(200_000_000);
  });

  it('fails the gate on a dripping target at the request deadline instead of waiting for the body', async () => {
    const drip = await start(startDrippingServer({ on: EXCEPT_TOKEN }));
    const { code, checks, stderr } = await gateUnderTime(drip.url, 'auth,schema');
    expect(code, stderr).toBe(1);
    const readable = checks.find((c) => c.name === 'schema.responses-readable');
    expect(readable?.status).toBe('failed');
    expect(JSON.stringify(readable)).toContain('no complete response within 2000 ms');
  });
});
