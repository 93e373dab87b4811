import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import type { RunEvent } from '../../model/events.js';
import { exitCodeFor } from '../../model/result.js';
import { execute } from '../fail.js';
import { interruptSignal } from '../interrupt.js';
import { formatCheckLine, formatSummary, useColour } from '../contract-output.js';
import { withTargetOptions } from '../target-options.js';
import { parseFaultFlags } from '../fault-flags.js';
import { BUNDLED_SPEC } from '../../package-assets.js';

interface ContractArgs {
  target?: string;
  clientId?: string;
  clientSecret?: string;
  spec: string;
  seed: number;
  junit?: string;
  out?: string;
  json: boolean;
  fault: string[];
  only?: string[];
  rateLimitBudget: number;
  requestTimeout: number;
  expiredToken?: string;
  secondClientId?: string;
  secondClientSecret?: string;
  pactBrokerUrl?: string;
  provider: string;
  providerVersion?: string;
  providerVersionBranch?: string;
  publishVerificationResults: boolean;
  listChecks: boolean;
  minCoverage?: string;
}

/** The embedded server's second client, so per-client idempotency scoping is checked locally too. */
const EMBEDDED_SECOND_CLIENT = { clientId: 'roomgate-second', clientSecret: 'roomgate-second-secret' };

export const contractCommand: CommandModule<object, ContractArgs> = {
  command: 'contract',
  describe: 'Check a target against the OpenAPI contract and the behaviours no schema expresses',
  builder: (y) =>
    withTargetOptions(y)
      .option('spec', { type: 'string', default: BUNDLED_SPEC, defaultDescription: 'the bundled contracts/videoconnect.v1.openapi.yaml', describe: 'OpenAPI 3.1 document to check against (a path from the current directory)' })
      .option('seed', { type: 'number', default: 1, describe: 'seed of the generated cases (same seed, same requests)' })
      .option('junit', { type: 'string', describe: 'write JUnit XML (one testcase per check) to FILE' })
      .option('out', { type: 'string', describe: 'write report.json into DIR' })
      .option('json', { type: 'boolean', default: false, describe: 'print the step result as JSON instead of lines' })
      .option('fault', { type: 'string', array: true, default: [] as string[], describe: 'embedded server only: break one promise (repeatable), to see the gate catch it' })
      .option('only', { type: 'string', array: true, describe: 'run only these check groups (pact, schema, envelope, routing, lifecycle, auth, coverage, generated, idempotency, webhooks, identity, rate-limit)' })
      .option('rate-limit-budget', { type: 'number', default: 2000, describe: 'most requests the rate-limit burst may send; a larger quota skips the burst check' })
      .option('request-timeout', { type: 'number', default: 5000, describe: 'per-request deadline in ms (headers and body)' })
      .option('expired-token', { type: 'string', describe: 'a correctly signed, expired access token of the target (for auth.expired-token-401 on targets with long-lived tokens)' })
      .option('second-client-id', { type: 'string', describe: 'a second client, to check Idempotency-Keys are scoped per client' })
      .option('second-client-secret', { type: 'string', describe: 'the second client\'s secret' })
      .option('min-coverage', { type: 'string', describe: 'fail unless at least this share of the coverage map\'s provokable cells (declared responses, invalid inputs) was provoked, e.g. 100%' })
      .option('list-checks', { type: 'boolean', default: false, describe: 'print every check with what it enforces and the contract element it cites (for --spec), then exit' })
      .option('pact-broker-url', { type: 'string', describe: 'verify the pacts a Pact Broker holds for --provider instead of contracts/pacts (token from PACT_BROKER_TOKEN, or PACT_BROKER_USERNAME/PASSWORD)' })
      .option('provider', { type: 'string', default: 'videoconnect', describe: 'provider name the pacts are written for' })
      .option('provider-version', { type: 'string', describe: 'the target\'s version (e.g. a git SHA), recorded with published verification results' })
      .option('provider-version-branch', { type: 'string', describe: 'the target\'s branch, recorded with published verification results' })
      .option('publish-verification-results', { type: 'boolean', default: false, describe: 'publish the pact verification result to the broker (needs --pact-broker-url and --provider-version)' }) as never,
  handler: (args) =>
    execute(async () => {
      const { CONTRACT_GROUPS, EMBEDDED_FOR_CONTRACT } = await import('../../contract/options.js');
      const faults = parseFaultFlags(args.fault, args.target);
      for (const group of args.only ?? []) {
        if (group !== 'pact' && !(CONTRACT_GROUPS as readonly string[]).includes(group)) {
          throw new UsageError(`unknown check group "${group}"`, { hint: `choose from: pact, ${CONTRACT_GROUPS.join(', ')}` });
        }
      }
      if (!Number.isInteger(args.seed)) throw new UsageError(`--seed must be an integer, got ${args.seed}`);
      const minCoverage = args.minCoverage === undefined ? undefined : parsePercent(args.minCoverage);
      if (args.publishVerificationResults && args.pactBrokerUrl === undefined) {
        throw new UsageError('--publish-verification-results needs --pact-broker-url', { hint: 'results are published to the broker the pacts came from' });
      }
      const pactOptions = {
        spec: args.spec,
        provider: args.provider,
        ...(args.pactBrokerUrl === undefined
          ? {}
          : {
              broker: {
                url: args.pactBrokerUrl,
                publishVerificationResults: args.publishVerificationResults,
                ...(args.providerVersion === undefined ? {} : { providerVersion: args.providerVersion }),
                ...(args.providerVersionBranch === undefined ? {} : { providerVersionBranch: args.providerVersionBranch }),
              },
            }),
      };
      if (pactOptions.broker !== undefined) {
        // Usage errors of the broker options (publish without a version, a URL that is not one) before anything starts.
        const { verifierOptionsFor } = await import('../../contract/pact/verifier-options.js');
        verifierOptionsFor(
          { kind: 'broker', brokerUrl: pactOptions.broker.url, publishVerificationResult: args.publishVerificationResults, ...(args.providerVersion === undefined ? {} : { providerVersion: args.providerVersion }) },
          { provider: args.provider, providerBaseUrl: 'http://127.0.0.1', timeoutMs: 30_000 },
          process.env,
        );
      }
      if ((args.secondClientId === undefined) !== (args.secondClientSecret === undefined)) {
        throw new UsageError('--second-client-id and --second-client-secret go together');
      }

      // Load the spec before starting anything: a bad --spec is exit 2 with the reason.
      const { loadSpec } = await import('../../spec/load-spec.js');
      const { SpecIndex } = await import('../../spec/spec-index.js');
      const spec = new SpecIndex(await loadSpec(args.spec));
      if (args.listChecks) {
        const { listChecks } = await import('../../contract/check-catalog.js');
        const rows = listChecks(spec);
        const { formatCheckList } = await import('../contract-output.js');
        process.stdout.write(args.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatCheckList(rows)}\n`);
        return 0;
      }

      const { resolveTarget } = await import('../../runner/resolve-target.js');
      const embedded = args.target === undefined || args.target === '';
      const resolved = await resolveTarget(
        { target: args.target, clientId: args.clientId, clientSecret: args.clientSecret, requestTimeoutMs: args.requestTimeout },
        { faults, ...EMBEDDED_FOR_CONTRACT, extraClients: [EMBEDDED_SECOND_CLIENT] },
      );
      const secondClient =
        args.secondClientId !== undefined && args.secondClientSecret !== undefined
          ? { clientId: args.secondClientId, clientSecret: args.secondClientSecret }
          : embedded
            ? EMBEDDED_SECOND_CLIENT
            : undefined;
      const { gateStatus, resolveContractOptions, runContractGate } = await import('../../contract/contract-step.js');
      const options = resolveContractOptions({
        spec: args.spec,
        seed: args.seed,
        rateLimitBudget: args.rateLimitBudget,
        requestTimeoutMs: args.requestTimeout,
        ...(args.only === undefined ? {} : { groups: args.only.filter((g) => g !== 'pact') as never }),
        ...(args.expiredToken === undefined ? {} : { expiredToken: args.expiredToken }),
        ...(secondClient === undefined ? {} : { secondClient }),
        ...(minCoverage === undefined ? {} : { minCoverage }),
      });
      const colour = useColour();
      const interrupt = interruptSignal();
      const { describeTarget } = await import('../../target/target.js');
      if (!args.json) process.stdout.write(`roomgate contract: ${describeTarget(resolved.target)}, spec ${args.spec}, seed ${args.seed}${faults.length > 0 ? `, faults ${faults.join(',')}` : ''}\n`);
      const emit = (event: RunEvent) => {
        if (!args.json && event.type === 'check') process.stdout.write(`${formatCheckLine(event.result, colour)}\n`);
      };
      let result;
      try {
        // Pact first: the contract gate's burst spends the quota the verification would need.
        const { createPactStep } = await import('../../contract/pact/pact-step.js');
        const wantsPact = args.only === undefined || args.only.includes('pact');
        const stepContext = { target: resolved.target, signal: interrupt.signal, emit, runDir: args.out ?? '.' };
        // An interrupt during the pact step leaves its checks out; the gate below then reports the run as interrupted.
        const pact = wantsPact
          ? await createPactStep(pactOptions)
              .run(stepContext)
              .catch((error: unknown) => {
                if (interrupt.signal.aborted) return undefined;
                throw error;
              })
          : undefined;
        result = await runContractGate(
          { target: resolved.target, signal: interrupt.signal, emit, runDir: args.out ?? '.' },
          spec,
          options,
          'contract',
        );
        if (pact !== undefined) {
          // One gate, one verdict: the pact checks join the contract step's result.
          const checks = [...pact.checks, ...result.checks];
          const status = gateStatus(checks, result.status === 'interrupted' || interrupt.signal.aborted);
          const startedAt = pact.startedAt;
          result = { ...result, checks, status, startedAt, durationMs: result.durationMs + pact.durationMs, artifacts: [...pact.artifacts, ...result.artifacts] } as typeof result;
        }
      } finally {
        interrupt.dispose();
        await resolved.close();
      }
      const secrets = [resolved.target.credentials.clientSecret, secondClient?.clientSecret, args.expiredToken, process.env['PACT_BROKER_TOKEN'], process.env['PACT_BROKER_PASSWORD']];
      const { createRedactor } = await import('../../report/redact.js');
      const redactor = createRedactor(secrets);
      if (args.junit !== undefined) {
        const { renderJunit } = await import('../../report/junit.js');
        await mkdir(dirname(args.junit), { recursive: true });
        await writeFile(args.junit, redactor.text(renderJunit([result], { name: 'roomgate contract', timestamp: result.startedAt })), 'utf8');
      }
      const exitCode = exitCodeFor(result.status);
      if (args.out !== undefined) {
        const { buildRunReport, describeTargetForReport, writeReportJson } = await import('../../report/report-json.js');
        const report = buildRunReport({
          run: {
            id: `contract-${Date.now().toString(36)}`,
            name: 'contract',
            files: [args.spec],
            startedAt: result.startedAt,
            finishedAt: result.finishedAt,
            durationMs: result.durationMs,
            status: result.status,
            exitCode,
            partial: result.status === 'interrupted',
            ...(result.reason === undefined ? {} : { reason: result.reason }),
          },
          target: describeTargetForReport(resolved.target, faults),
          steps: [result],
        });
        await writeReportJson(args.out, report, redactor);
      }
      if (args.json) process.stdout.write(`${JSON.stringify(redactor.value(result), null, 2)}\n`);
      else {
        process.stdout.write(`${formatSummary(result, colour)}\n`);
        if (args.out !== undefined) process.stdout.write(`report: ${join(args.out, 'report.json')}\n`);
      }
      return exitCode;
    }),
};

/** `100%`, `95.5 %` or `100` → a share in 0–100; anything else is a usage error. */
export function parsePercent(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const value = match === null ? NaN : Number(match[1]);
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new UsageError(`--min-coverage "${text}" is not a percentage from 0 to 100`, { hint: 'e.g. --min-coverage 100% (every provokable cell must be provoked)' });
  }
  return value;
}
