import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { gateResultOf, parseRunSummary } from '../helpers/run-summary.js';

/**
 * Each reference fault must make `roomgate contract` exit 1 naming the check
 * that owns the broken promise; the clean server must pass every check.
 * (slow-create is the load step's SLO; stale-count, join-refused and lost-left-event belong to
 * the browser step: the contract gate has no participants.)
 */
const FAULT_TABLE: Record<string, string[]> = {
  envelope: ['envelope.every-non-2xx'],
  'id-prefix': ['lifecycle.room-id-prefix', 'schema.createRoom'],
  idempotency: ['idempotency.replay-returns-same-room', 'idempotency.concurrent-duplicates-one-room'],
  'server-errors': ['schema.no-server-errors'],
  'webhook-signature': ['webhooks.signature-valid'],
  'no-ratelimit-headers': ['rate-limit.headers-structured-fields'],
  'auth-bypass': ['auth.expired-token-401'],
  // Found by the gate's run against an independent implementation (a Python server written from the contract alone).
  'ratelimit-remaining-static': ['rate-limit.remaining-reaches-zero'],
  'list-cursor-skips': ['lifecycle.pagination'],
};

async function contract(args: string[]): Promise<{ code: number | null; result: ReturnType<typeof gateResultOf>; stderr: string }> {
  const run = await runCli(['contract', '--json', ...args], { timeoutMs: 150_000 });
  // stdout is exactly one JSON document: Pact's verifier report is captured in a child process, not printed.
  return { code: run.code, result: gateResultOf(parseRunSummary(run.stdout)), stderr: run.stderr };
}

describe('roomgate contract against the embedded reference server', { timeout: 160_000 }, () => {
  it('passes every check on the clean server and exits 0, with every provokable coverage cell provoked', async () => {
    const { code, result } = await contract(['--min-coverage', '100%']);
    const notPassed = result.checks.filter((c) => c.status !== 'passed' && c.status !== 'skipped');
    expect(notPassed).toEqual([]);
    expect(code).toBe(0);
    // Skips are only the ones that cannot run in the gate, each with a reason.
    const skipped = result.checks.filter((c) => c.status === 'skipped').map((c) => c.name).sort();
    expect(skipped).toEqual(['generated.valid-accepted.issueToken', 'webhooks.participant-events']);
    expect(result.checks.length).toBeGreaterThan(50);
    // The whole gate (rate-limit burst included) provokes every cell but the 5xx and the in-flight 409.
    const totals = result.coverage?.totals;
    expect(totals?.responses).toMatchObject({ provokable: totals?.responses.provoked, failed: 0, notProvoked: 0 });
    expect(totals?.inputs).toMatchObject({ provokable: totals?.inputs.provoked, failed: 0, notProvoked: 0 });
    expect(totals?.responses.provoked).toBeGreaterThan(50);
    expect(result.checks.find((c) => c.name === 'coverage.minimum')?.status).toBe('passed');
  });

  for (const [fault, checks] of Object.entries(FAULT_TABLE)) {
    it(`exits 1 naming ${checks.join(' and ')} when the server has --fault ${fault}`, async () => {
      const { code, result } = await contract(['--fault', fault]);
      expect(code).toBe(1);
      const failed = new Set(result.checks.filter((c) => c.status === 'failed').map((c) => c.name));
      for (const name of checks) expect(failed, `${name} should fail under ${fault}`).toContain(name);
      expect(result.checks.filter((c) => c.status === 'errored')).toEqual([]);
    });
  }
});
