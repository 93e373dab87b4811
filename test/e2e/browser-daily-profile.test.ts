import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDailyServer, DAILY_DEFAULT_CREDENTIALS } from '../fixtures/apis/daily/server.js';
import type { DailyFault } from '../fixtures/apis/daily/faults.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { runCli } from '../helpers/run-cli.js';
import { parseRunSummary } from '../helpers/run-summary.js';

/**
 * Participants follow the target profile (#21): `roomgate browser --profile
 * examples/daily/profile.yaml` creates the room through the Daily-like API
 * (a static key, rooms addressed by name), opens the room's `url` (the
 * fixture's join page) in real Chromium, and closes the room through the
 * profile's DeleteRoom. The API consistency checks are skips that say why:
 * a Daily room has no participant count. A fault of the fixture whose join
 * page cannot reach its signaling fails the step, every participant labelled
 * signaling_closed (as the reference server's join-refused fault does).
 */

// Normal priority and no overload detection: these runs judge labels, not capacity (see browser-cli.test.ts).
const QUIET = ['--max-host-cpu', '2', '--max-event-loop-delay', '0s', '--max-cpu-limited', '2', '--browser-nice', '0'];
const KEY = DAILY_DEFAULT_CREDENTIALS[0]!.apiKey;

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function browser(faults: DailyFault[], args: readonly string[]) {
  server = await createDailyServer({ faults });
  const out = await mkdtemp(join(tmpdir(), 'roomgate-daily-browser-'));
  try {
    const run = await runCli(
      [
        'browser',
        '--profile',
        'examples/daily/profile.yaml',
        '--target',
        server.url,
        '--rooms',
        '1',
        '--participants',
        '2',
        '--json',
        '--out',
        out,
        ...QUIET,
        ...args,
      ],
      { env: { ROOMGATE_CLIENT_SECRET: KEY }, timeoutMs: 150_000 },
    );
    const result = run.stdout.trim() === '' ? undefined : parseRunSummary(run.stdout).steps[0]!.result;
    if (result?.kind !== 'browser' || result.summary === undefined) throw new Error(`no browser summary (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
    // The fixture's own list, read with raw HTTP: the room the step created is gone again.
    const listed = (await (await fetch(`${server.url}/v1/rooms`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { data: unknown[] };
    return { ...run, result, summary: result.summary, roomsLeft: listed.data.length };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

describe('roomgate browser --profile examples/daily/profile.yaml', { timeout: 160_000 }, () => {
  it("creates a room through the profile, joins 2 participants through its url who see each other's video, and deletes the room", async () => {
    const { code, stderr, result, summary, roomsLeft } = await browser([], ['--hold', '1s']);
    expect(code, stderr).toBe(0);
    expect(summary.participants.map((p) => p.status)).toEqual(['joined', 'joined']);
    expect(summary.participants.every((p) => (p.timeToFirstFrameMs ?? 0) > 0)).toBe(true);
    expect(summary.rooms).toEqual([
      expect.objectContaining({ createdByStep: true, participants: 2, joined: 2, joinUrl: expect.stringContaining(`${server!.url}/acme/`) }),
    ]);
    const consistency = result.checks.filter((c) => c.group === 'api-consistency');
    expect(consistency.map((c) => c.status)).toEqual(['skipped', 'skipped']);
    expect(consistency.map((c) => (c.status === 'skipped' ? c.reason : ''))).toEqual([
      expect.stringContaining('maps no participant count'),
      expect.stringContaining('maps no participant count'),
    ]);
    expect(roomsLeft).toBe(0);
  });

  it('fails (exit 1) with every participant labelled signaling_closed when the join page cannot connect (fault join-refused)', async () => {
    const { code, stderr, result, summary, roomsLeft } = await browser(['join-refused'], ['--hold', '0s', '--join-timeout', '5s']);
    expect(code, stderr).toBe(1);
    expect(summary.participants.map((p) => p.label)).toEqual(['signaling_closed', 'signaling_closed']);
    expect(summary.failures).toEqual({ signaling_closed: 2 });
    expect(result.checks.find((c) => c.name === 'participants.all-joined-and-saw-video')?.status).toBe('failed');
    expect(roomsLeft).toBe(0);
  });
});
