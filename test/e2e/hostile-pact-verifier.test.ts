import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/report-json.js';
import { BIN, runProcess } from '../helpers/run-cli.js';
import { EXCEPT_TOKEN, HOSTILE_CREDENTIALS, startGzipBombServer } from '../fixtures/hostile/index.js';

/**
 * `roomgate contract --only pact` against a target whose every API answer is
 * a gzip bomb: the Pact verifier (a child process whose Rust core inflates
 * whole bodies) never sees the bomb, because it only talks to roomgate's
 * bounded relay. Measured like /usr/bin/time does: the peak RSS of the
 * largest process of the run (getrusage of the waited-for children, which
 * includes the verifier child), bounded far below what inflating takes.
 */
const TIME = '/usr/bin/time';
/** What the bomb inflates to; an unbounded verifier needs at least this much memory. */
const INFLATED_BYTES = 1024 * 1024 * 1024;
/** roomgate under tsx plus the verifier child stay under this; inflating the bomb alone is twice as much. */
const RSS_CAP_BYTES = 512 * 1024 * 1024;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'roomgate-hostile-pact-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe.skipIf(!existsSync(TIME))('the Pact verifier against a gzip bomb', () => {
  it('fails the verification as a decompression bomb, named per request, without inflating it (peak RSS bounded)', async () => {
    const server = await startGzipBombServer({ on: EXCEPT_TOKEN, inflatedBytes: INFLATED_BYTES });
    try {
      const out = join(work, 'bomb');
      const run = await runProcess(
        TIME,
        [
          '-f',
          'roomgate-max-rss-kb=%M',
          process.execPath,
          BIN,
          'contract',
          '--only',
          'pact',
          '--target',
          server.url,
          '--client-id',
          HOSTILE_CREDENTIALS.clientId,
          '--client-secret',
          HOSTILE_CREDENTIALS.clientSecret,
          '--out',
          out,
        ],
        { timeoutMs: 180_000 },
      );
      const rssKb = Number(/roomgate-max-rss-kb=(\d+)/.exec(run.stderr)?.[1]);
      expect(run.code, run.stderr).toBe(1);
      expect(rssKb * 1024).toBeGreaterThan(0);
      expect(rssKb * 1024).toBeLessThan(RSS_CAP_BYTES);
      const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
      const verification = report.steps[0]?.checks.find((c) => c.name === 'pact.provider-verification');
      expect(verification).toMatchObject({
        status: 'failed',
        message: expect.stringMatching(/broke roomgate's bounds \((GET|POST|DELETE) \/v1\/rooms\S*: the response body is a decompression bomb/),
      });
    } finally {
      await server.close();
    }
  }, 240_000);
});
