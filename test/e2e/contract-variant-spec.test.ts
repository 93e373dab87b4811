import { afterEach, describe, expect, it } from 'vitest';
import { CONTRACT_GROUPS } from '../../src/contract/options.js';
import { runCli } from '../helpers/run-cli.js';
import { gateResultOf, parseRunSummary } from '../helpers/run-summary.js';
import { startVariantServer, VARIANT_CLIENTS, VARIANT_DEFECTS, type VariantDefect, type VariantServer } from '../helpers/variant-server.js';

/**
 * The user's own spec: the gate takes error codes, limits, pagination,
 * operations and required headers from test/fixtures/variant-spec/openapi.yaml
 * and judges an independent server (test/helpers/variant-server.ts, plain
 * node:http) that keeps that document. The pact group is left out: the
 * committed pact is VideoConnect's, not this API's consumers'.
 */
const SPEC = 'test/fixtures/variant-spec/openapi.yaml';
const [ci, other] = VARIANT_CLIENTS;

let server: VariantServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function gate(defects: VariantDefect[]): Promise<{ code: number | null; result: ReturnType<typeof gateResultOf> }> {
  server = await startVariantServer(defects);
  const run = await runCli(
    [
      'contract',
      '--json',
      '--spec',
      SPEC,
      '--target',
      server.url,
      '--client-id',
      ci.clientId,
      '--client-secret',
      ci.clientSecret,
      '--second-client-id',
      other.clientId,
      '--second-client-secret',
      other.clientSecret,
      '--only',
      ...CONTRACT_GROUPS,
    ],
    { timeoutMs: 60_000 },
  );
  return { code: run.code, result: gateResultOf(parseRunSummary(run.stdout)) };
}

describe("roomgate contract --spec with a team's own document", { timeout: 150_000 }, () => {
  it('passes the independent server that keeps that document; what it lacks is skipped with the reason', async () => {
    const { code, result } = await gate([]);
    expect(result.checks.filter((c) => c.status === 'failed' || c.status === 'errored')).toEqual([]);
    expect(code).toBe(0);
    const byName = new Map(result.checks.map((c) => [c.name, c]));
    const reason = (name: string) => {
      const c = byName.get(name);
      return c?.status === 'skipped' ? c.reason : `not skipped: ${c?.status}`;
    };
    // No webhooks, no rate limits, no join tokens in that document: skipped, never failed.
    expect(reason('webhooks.subscribe')).toContain('declares no createWebhook operation');
    // (With --spec and no --profile the profile is drafted from the document, which declares no rate-limit headers.)
    expect(reason('rate-limit.headers-structured-fields')).toContain('the target profile says the API sends no rate-limit headers');
    expect(result.checks.some((c) => c.name.includes('createJoinToken'))).toBe(false);
    expect(reason('auth.alg-none-401')).toContain('not JWTs');
    // What it does state is checked, under its own names and limits.
    for (const name of [
      'lifecycle.pagination',
      'lifecycle.list-contains-room',
      'lifecycle.unknown-room-404',
      'lifecycle.room-id-prefix',
      'coverage.invalid-inputs.createRoom',
      'coverage.invalid-inputs.listRooms',
      'coverage.declared-responses.deleteRoom',
      'lifecycle.after-delete',
      'idempotency.key-reused-with-other-body-422',
      'idempotency.keys-scoped-per-client',
      'envelope.every-non-2xx',
      'routing.undeclared-method-405',
    ]) {
      expect(byName.get(name)?.status, name).toBe('passed');
    }
    expect(byName.get('lifecycle.unknown-room-404')?.cites?.[0]).toBe('openapi #/paths/~1v1~1rooms~1{room_id}/get/responses/404');
  });

  it('catches each of the three seeded defects with the check that owns it', async () => {
    // One run with all three switched on keeps CI time down; each defect breaks a different promise, owned by a different check.
    const defects = Object.keys(VARIANT_DEFECTS) as VariantDefect[];
    const { code, result } = await gate(defects);
    expect(code).toBe(1);
    for (const defect of defects) {
      const check = result.checks.find((c) => c.name === VARIANT_DEFECTS[defect]);
      expect(check?.status, `${defect} → ${VARIANT_DEFECTS[defect]}: ${JSON.stringify(check)}`).toBe('failed');
    }
    const message = (name: string) => {
      const c = result.checks.find((x) => x.name === name);
      return c?.status === 'failed' ? c.message : '';
    };
    expect(message('lifecycle.unknown-room-404')).toContain('not no_such_room');
    expect(message('coverage.invalid-inputs.createRoom')).toContain('longer than maxLength 60');
    expect(result.checks.filter((c) => c.status === 'errored')).toEqual([]);
  });
});
