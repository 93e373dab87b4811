import { describe, expect, it } from 'vitest';
import { CHECK_CATALOG } from '../../src/contract/check-catalog.js';
import { faultsCaughtBy } from '../helpers/faults.js';
import { runCli } from '../helpers/run-cli.js';
import { gateResultOf, parseRunSummary } from '../helpers/run-summary.js';

/**
 * Each reference fault the contract gate catches must make `roomgate contract`
 * exit 1 naming the checks src/reference/faults.ts says catch it; the clean
 * server must pass every check. (The faults a single coverage cell catches are
 * proven cell by cell, for seeds 1–20, in test/unit/contract-coverage.test.ts;
 * the others belong to the load step's SLOs and the browser step.)
 */
const FAULT_TABLE = faultsCaughtBy('contract').filter(({ caughtBy }) => caughtBy.cell === undefined);

/** The identity checks the bundled contract gets, in the order they run. */
const IDENTITY_CHECK_IDS = CHECK_CATALOG.filter((d) => d.group === 'identity' && d.scope.per === 'run').map((d) => d.id);

async function contract(args: string[]): Promise<{ code: number | null; result: ReturnType<typeof gateResultOf>; stderr: string }> {
  const run = await runCli(['contract', '--json', ...args], { timeoutMs: 150_000 });
  // stdout is exactly one JSON document: Pact's verifier report is captured in a child process, not printed.
  return { code: run.code, result: gateResultOf(parseRunSummary(run.stdout)), stderr: run.stderr };
}

/**
 * The check groups a fault row runs: those of its catching checks, plus lifecycle and routing, whose requests
 * bring back the answers the response judges (schema, envelope, rate-limit headers) read; identity faults
 * also run with idempotency, the other group that works across clients.
 */
function groupsToCatch(checks: readonly string[]): string[] {
  const groups = new Set(checks.map((name) => name.slice(0, name.indexOf('.'))));
  groups.add('routing').add('lifecycle');
  if (groups.has('identity')) groups.add('idempotency');
  // server-errors answers 500 to 5 % of requests at random: lifecycle and routing send ~40 (no 500 at all in about
  // one run of eight); with the coverage and generated phases ~190 (one run in ~17 000).
  if (checks.includes('schema.no-server-errors')) groups.add('coverage').add('generated');
  return [...groups];
}

describe('roomgate contract against the embedded reference server', { timeout: 160_000 }, () => {
  it('passes every check on the clean server and exits 0, with every provokable coverage cell provoked', async () => {
    const { code, result } = await contract(['--min-coverage', '100%']);
    const notPassed = result.checks.filter((c) => c.status !== 'passed' && c.status !== 'skipped');
    expect(notPassed).toEqual([]);
    expect(code).toBe(0);
    // Skips are only the ones that cannot run in the gate, each with a reason.
    const skipped = result.checks
      .filter((c) => c.status === 'skipped')
      .map((c) => c.name)
      .sort();
    // (auth.missing-grant-401 is about client-signed JWTs; VideoConnect's tokens are issued by its token operation.)
    expect(skipped).toEqual(['auth.missing-grant-401', 'generated.valid-accepted.issueToken', 'webhooks.participant-events']);
    expect(result.checks.length).toBeGreaterThan(50);
    // The whole gate (rate-limit burst included) provokes every cell but the 5xx and the in-flight 409.
    const totals = result.coverage?.totals;
    expect(totals?.responses).toMatchObject({ provokable: totals?.responses.provoked, failed: 0, notProvoked: 0 });
    expect(totals?.inputs).toMatchObject({ provokable: totals?.inputs.provoked, failed: 0, notProvoked: 0 });
    expect(totals?.responses.provoked).toBeGreaterThan(50);
    expect(result.checks.find((c) => c.name === 'coverage.minimum')?.status).toBe('passed');
    // The identity checks all ran, with the embedded server's second client, and passed.
    const identity = result.checks.filter((c) => c.group === 'identity');
    expect(identity.map((c) => c.name)).toEqual(IDENTITY_CHECK_IDS);
    expect(identity.filter((c) => c.status !== 'passed')).toEqual([]);
  });

  for (const {
    fault,
    caughtBy: { checks },
  } of FAULT_TABLE) {
    it(`exits 1 naming ${checks.join(' and ')} when the server has --fault ${fault}`, async () => {
      // The clean run above proves every other check passes; a fault row runs the groups that must catch it
      // (the whole gate sixteen times over was most of the suite's time).
      const { code, result } = await contract(['--fault', fault, '--only', groupsToCatch(checks).join(',')]);
      expect(code).toBe(1);
      const failed = new Set(result.checks.filter((c) => c.status === 'failed').map((c) => c.name));
      for (const name of checks) expect(failed, `${name} should fail under ${fault}`).toContain(name);
      expect(result.checks.filter((c) => c.status === 'errored')).toEqual([]);
      // An identity fault opens one door to another client (or one readOnly field): its check, and no other check run with it, fails.
      if (checks.every((name) => name.startsWith('identity.'))) expect([...failed].sort()).toEqual([...checks].sort());
    });
  }
});
