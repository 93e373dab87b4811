import { afterEach, describe, expect, it } from 'vitest';
import { createNotFoundServer } from '../fixtures/apis/not-found/server.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { exchange } from '../fixtures/apis/shared/http-exchange.js';
import { runProcess } from '../helpers/run-cli.js';

// The runnable entries (`npx tsx test/fixtures/apis/<name>/main.ts --port 0 [--fault X]`) print
// their URL as the only stdout line and serve until SIGTERM; the not-found fixture answers 404
// to everything, so a soak against it has nothing but errors to report.

const servers: FixtureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Starts an entry, waits for its URL line, runs `probe` against it, then stops it with SIGTERM. */
async function runEntry(
  entry: string,
  args: string[],
  probe: (url: string) => Promise<void>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let probed: Promise<void> = Promise.resolve();
  const run = await runProcess(process.execPath, ['--import', 'tsx', `test/fixtures/apis/${entry}/main.ts`, '--port', '0', ...args], {
    timeoutMs: 60_000,
    onSpawn: (child) => {
      let buffered = '';
      child.stdout?.on('data', (chunk: Buffer | string) => {
        const before = buffered;
        buffered += chunk.toString();
        if (before.includes('\n') || !buffered.includes('\n')) return;
        const url = buffered.split('\n')[0] ?? '';
        probed = probe(url).finally(() => child.kill('SIGTERM'));
      });
    },
  });
  await probed;
  return run;
}

describe('fixture entries', () => {
  it.each([
    ['daily', ['--fault', 'delete-keeps-room', '--rate-limit', '50/10s'], '/v1/rooms', 400],
    ['twilio', ['--fault', 'unknown-room-500'], '/v1/Rooms', 401],
    ['livekit', ['--fault', 'delete-keeps-room'], '/twirp/livekit.RoomService/ListRooms', 404],
    ['not-found', [], '/anything', 404],
  ] as const)('%s prints its URL, serves, and stops on SIGTERM', async (entry, args, path, status) => {
    let answered = 0;
    const run = await runEntry(entry, [...args], async (url) => {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      answered = (await exchange(`${url}${path}`)).status;
    });
    expect(answered).toBe(status);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('refuses an unknown fault before listening', async () => {
    const run = await runProcess(process.execPath, ['--import', 'tsx', 'test/fixtures/apis/twilio/main.ts', '--fault', 'no-such-fault'], { timeoutMs: 60_000 });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/unknown fault "no-such-fault"/);
  });
});

describe('not-found fixture', () => {
  it('answers every method and path 404 with a JSON body, and counts the requests', async () => {
    const server = await createNotFoundServer();
    servers.push(server);
    const answers = await Promise.all([
      exchange(`${server.url}/v1/rooms`, { method: 'POST', body: { name: 'x' }, headers: { authorization: 'Bearer k' } }),
      exchange(`${server.url}/v1/rooms/abc`),
      exchange(`${server.url}/`, { method: 'DELETE' }),
      exchange(`${server.url}/twirp/livekit.RoomService/ListRooms`, { method: 'POST', body: {} }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404]);
    expect(answers.every((answer) => typeof answer.json === 'object')).toBe(true);
    expect(server.requests()).toBe(4);
  });
});
