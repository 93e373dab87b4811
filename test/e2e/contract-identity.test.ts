import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_FOR_CONTRACT } from '../../src/contract/options.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { accessToken, http, startReferenceServer } from '../helpers/reference-http.js';
import { runCli } from '../helpers/run-cli.js';
import { gateResultOf, parseRunSummary } from '../helpers/run-summary.js';

/**
 * The identity checks against a target that is not the embedded server: it
 * has its own clients, so the gate knows a second one only when told. Without
 * one the cross-client checks are skipped, saying how to supply it; with one
 * (flags or ROOMGATE_SECOND_CLIENT_*) they run and pass on the clean server.
 */
const FIRST = { clientId: 'ci-client', clientSecret: 'ci-secret-1' };
const SECOND = { clientId: 'ci-other', clientSecret: 'ci-secret-2' };
const CROSS_CLIENT = [
  'identity.other-client-cannot-read',
  'identity.other-client-cannot-mint-join-tokens',
  'identity.other-client-cannot-close',
  'identity.other-client-cannot-delete-webhook',
  'identity.lists-never-show-other-clients-rooms',
];

describe('roomgate contract --only identity against a --target', { timeout: 120_000 }, () => {
  let server: ReferenceServer;
  beforeAll(async () => {
    server = await startReferenceServer({ clients: [FIRST, SECOND], ...EMBEDDED_FOR_CONTRACT });
  });
  afterAll(async () => server.close());

  const gate = async (extra: string[], env: Record<string, string> = {}) => {
    const run = await runCli(
      ['contract', '--json', '--only', 'identity', '--target', server.url, '--client-id', FIRST.clientId, '--client-secret', FIRST.clientSecret, ...extra],
      {
        timeoutMs: 100_000,
        env,
      },
    );
    return { code: run.code, result: gateResultOf(parseRunSummary(run.stdout)), output: run.stdout + run.stderr };
  };

  it('without a second client skips each cross-client check saying how to supply one; the readOnly check still runs', async () => {
    const { code, result } = await gate([]);
    expect(code).toBe(0);
    for (const name of CROSS_CLIENT) {
      const check = result.checks.find((c) => c.name === name);
      expect(check?.status, name).toBe('skipped');
      const reason = check?.status === 'skipped' ? check.reason : '';
      expect(reason).toContain('--second-client-id and --second-client-secret');
      expect(reason).toContain('ROOMGATE_SECOND_CLIENT_ID and ROOMGATE_SECOND_CLIENT_SECRET');
    }
    expect(result.checks.find((c) => c.name === 'identity.read-only-fields-ignored')?.status).toBe('passed');
  });

  it('with a second client from the flags or the environment runs every identity check and passes the clean server, leaving nothing open', async () => {
    const before = server.store.size;
    const viaFlags = await gate(['--second-client-id', SECOND.clientId, '--second-client-secret', SECOND.clientSecret]);
    const viaEnv = await gate([], { ROOMGATE_SECOND_CLIENT_ID: SECOND.clientId, ROOMGATE_SECOND_CLIENT_SECRET: SECOND.clientSecret });
    for (const { code, result, output } of [viaFlags, viaEnv]) {
      expect(result.checks.filter((c) => c.status !== 'passed')).toEqual([]);
      expect(result.checks.map((c) => c.name)).toEqual([...CROSS_CLIENT, 'identity.read-only-fields-ignored']);
      expect(code).toBe(0);
      expect(output).not.toContain(SECOND.clientSecret);
    }
    // Every room the runs created, for either client, is closed again (closed rooms stay readable), and no subscription is left.
    expect(server.store.size).toBeGreaterThan(before);
    for (const client of [FIRST, SECOND]) {
      const open = server.store.list(client.clientId, { limit: 10_000 }).filter((room) => room.status !== 'closed');
      expect(
        open.map((room) => room.id),
        client.clientId,
      ).toEqual([]);
      const subscriptions = await http(server.url, 'GET', '/v1/webhooks', { token: await accessToken(server.url, client.clientId, client.clientSecret) });
      expect(subscriptions.body, client.clientId).toEqual({ data: [] });
    }
  });
});
