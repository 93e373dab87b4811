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

/** A second client of the target (another account, domain or project), for the identity checks. */
export interface SecondClient {
  id: string;
  secret: string;
}

/**
 * `roomgate contract --profile examples/<vendor>/profile.yaml --target <url>`
 * through the real CLI, with the secrets in the environment (never on the
 * command line), `--only` the groups under test (none: the whole gate), into a
 * temporary run folder. `profile` replaces the example profile (a drafted one).
 */
export async function vendorContract(
  vendor: Vendor,
  url: string,
  credentials: { id?: string; secret: string },
  only: readonly string[],
  options: { second?: SecondClient; profile?: string } = {},
): Promise<VendorGateRun> {
  const out = await mkdtemp(join(tmpdir(), `roomgate-${vendor}-`));
  try {
    const run = await runCli(
      [
        'contract',
        '--json',
        '--out',
        out,
        '--profile',
        options.profile ?? `examples/${vendor}/profile.yaml`,
        '--target',
        url,
        ...(credentials.id === undefined ? [] : ['--client-id', credentials.id]),
        ...(only.length === 0 ? [] : ['--only', only.join(',')]),
      ],
      {
        env: {
          ROOMGATE_CLIENT_SECRET: credentials.secret,
          ...(options.second === undefined ? {} : { ROOMGATE_SECOND_CLIENT_ID: options.second.id, ROOMGATE_SECOND_CLIENT_SECRET: options.second.secret }),
        },
        timeoutMs: 170_000,
      },
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

/** Every skipped check with its reason: a skip is never silent. */
export function skipsWithoutReason(checks: readonly CheckResult[]): string[] {
  return checks.filter((c) => c.status === 'skipped' && c.reason.trim().length < 10).map((c) => c.name);
}
