import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { parseRunSummary } from '../helpers/run-summary.js';
import { filesUnder } from '../helpers/leak-detector.js';
import { HOSTILE_CREDENTIALS, startHostileJoinUrlServer, type HostileServer } from '../fixtures/hostile/index.js';

/**
 * A target that hands out `file:///etc/passwd` as every room's join_url: the
 * browser participant must not open it (its screenshot would publish the
 * file with the report). It fails with a label that says why, without
 * navigating.
 */
const QUIET = ['--max-host-cpu', '2', '--max-event-loop-delay', '0s', '--max-cpu-limited', '2', '--browser-nice', '0'];

let work: string;
let server: HostileServer;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'roomgate-hostile-join-'));
  server = await startHostileJoinUrlServer({ kind: 'file' });
});
afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

describe('join URLs that are not web pages', () => {
  it('a file:// join_url is a labelled failure without navigation: no local file reaches any artifact', async () => {
    const out = join(work, 'file');
    const run = await runCli([
      'browser', '--target', server.url, '--client-id', HOSTILE_CREDENTIALS.clientId, '--client-secret', HOSTILE_CREDENTIALS.clientSecret,
      '--participants', '1', '--join-timeout', '5s', '--hold', '0s', '--json', '--out', out, ...QUIET,
    ]);
    expect(run.code, run.stderr).toBe(1);
    const result = parseRunSummary(run.stdout).steps[0]!.result;
    if (result.kind !== 'browser' || result.summary === undefined) throw new Error(`no browser summary: ${run.stdout}`);
    expect(result.summary.participants).toMatchObject([{ status: 'failed', label: 'navigation_error', detail: expect.stringContaining('scheme file: (only http and https are opened); it was not opened') }]);
    // The participant's evidence says it never navigated, and nothing of the file is anywhere in the run folder.
    const stats = filesUnder(out).find((f) => f.path.endsWith('stats.json'));
    expect(stats && (JSON.parse(stats.text) as { navigation: { kind: string } }).navigation.kind).toBe('refused');
    const passwd = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n')[0] : 'root:x:0:0';
    expect(filesUnder(out).filter((f) => f.text.includes(passwd!)).map((f) => f.path)).toEqual([]);
  }, 180_000);
});
