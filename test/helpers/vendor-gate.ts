import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from '../../src/model/result.js';
import { runCli } from './run-cli.js';
import { gateResultOf, parseRunSummary } from './run-summary.js';

/** The vendor-like fixture APIs with an example profile (examples/<name>/profile.yaml). */
export type Vendor = 'daily' | 'twilio' | 'livekit';

export interface VendorGateRun {
  code: number | null;
  checks: CheckResult[];
  stderr: string;
}

/**
 * `roomgate contract --profile examples/<vendor>/profile.yaml --target <url>`
 * through the real CLI, with the secret in the environment (never on the
 * command line), `--only` the groups under test, into a temporary run folder.
 */
export async function vendorContract(vendor: Vendor, url: string, credentials: { id?: string; secret: string }, only: readonly string[]): Promise<VendorGateRun> {
  const out = await mkdtemp(join(tmpdir(), `roomgate-${vendor}-`));
  try {
    const run = await runCli(
      [
        'contract', '--json', '--out', out,
        '--profile', `examples/${vendor}/profile.yaml`, '--target', url,
        ...(credentials.id === undefined ? [] : ['--client-id', credentials.id]),
        '--only', only.join(','),
      ],
      { env: { ROOMGATE_CLIENT_SECRET: credentials.secret }, timeoutMs: 170_000 },
    );
    const checks = run.stdout.trim() === '' ? [] : gateResultOf(parseRunSummary(run.stdout)).checks;
    return { code: run.code, checks, stderr: run.stderr };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** The names of the checks with this status. */
export function named(checks: readonly CheckResult[], status: CheckResult['status']): string[] {
  return checks.filter((c) => c.status === status).map((c) => c.name);
}

/** The reason a check was skipped, or what it did instead. */
export function skipReasonOf(checks: readonly CheckResult[], name: string): string {
  const check = checks.find((c) => c.name === name);
  return check?.status === 'skipped' ? check.reason : `not skipped: ${check?.status ?? 'absent'}`;
}

/** The groups this helper's owner proves on every vendor: auth, error shapes, inputs, rate limits, schema. */
export const AUTH_AND_INPUT_GROUPS = ['auth', 'schema', 'envelope', 'routing', 'coverage', 'generated', 'rate-limit'] as const;
