import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_FOR_CONTRACT } from '../../src/contract/options.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { accessToken, http, startReferenceServer } from '../helpers/reference-http.js';
import { runCli } from '../helpers/run-cli.js';
import { gateResultOf, parseRunSummary } from '../helpers/run-summary.js';

/**
 * A contract run against a real API must close what it opens: the Pact
 * provider states' rooms, every check's rooms, the second client's. Asked the
 * way a user would check it, through the target's own API (every page of
 * GET /v1/rooms, for each client, in each open status) after the run, not
 * by looking inside the server.
 */
const FIRST = { clientId: 'ci-client', clientSecret: 'ci-secret-1' };
const SECOND = { clientId: 'ci-other', clientSecret: 'ci-secret-2' };

/** The ids of every room the client can still see in `status`, page by page. */
async function openRooms(baseUrl: string, client: typeof FIRST, status: 'waiting' | 'active'): Promise<string[]> {
  let token = await accessToken(baseUrl, client.clientId, client.clientSecret);
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const query: string = `/v1/rooms?status=${status}&limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    let answer = await http(baseUrl, 'GET', query, { token });
    // The gate's own rate-limit burst may have spent the quota just before: wait as the target says, once
    // (with a fresh token: the gate's target issues 3 s tokens).
    if (answer.status === 429) {
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(answer.headers.get('retry-after') ?? 1) + 100));
      token = await accessToken(baseUrl, client.clientId, client.clientSecret);
      answer = await http(baseUrl, 'GET', query, { token });
    }
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const body = answer.body as { data: { room_id: string }[]; next_cursor: string | null };
    ids.push(...body.data.map((room) => room.room_id));
    cursor = body.next_cursor;
    if (cursor === null) break;
  }
  return ids;
}

describe('roomgate contract against a --target', { timeout: 300_000 }, () => {
  let server: ReferenceServer;
  beforeAll(async () => {
    server = await startReferenceServer({ clients: [FIRST, SECOND], ...EMBEDDED_FOR_CONTRACT });
  });
  afterAll(async () => server.close());

  it('leaves no room open for either client, as the target lists them afterwards', async () => {
    const run = await runCli(
      [
        'contract',
        '--json',
        '--target',
        server.url,
        '--client-id',
        FIRST.clientId,
        '--client-secret',
        FIRST.clientSecret,
        '--second-client-id',
        SECOND.clientId,
        '--second-client-secret',
        SECOND.clientSecret,
      ],
      { timeoutMs: 280_000 },
    );
    const result = gateResultOf(parseRunSummary(run.stdout));
    expect(result.checks.filter((c) => c.status === 'failed' || c.status === 'errored')).toEqual([]);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    // The run did open rooms (the pact's, the checks'), so an empty list means they were closed.
    expect(server.store.size).toBeGreaterThan(10);
    for (const client of [FIRST, SECOND]) {
      for (const status of ['waiting', 'active'] as const) expect(await openRooms(server.url, client, status), `${client.clientId} ${status}`).toEqual([]);
    }
  });
});
