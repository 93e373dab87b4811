import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { execute } from '../fail.js';
import { parseFaultFlags } from '../fault-flags.js';
import {
  requireDurationFlag,
  withFaultOption,
  withRequestTimeoutOption,
  withRunOutputOptions,
  withTargetOptions,
  type RunOutputArgs,
  type TargetArgs,
} from '../flags.js';
import type { ContractGroup } from '../../contract/options.js';

interface ContractArgs extends TargetArgs, RunOutputArgs {
  spec?: string;
  seed: number;
  junit?: string;
  fault: string[];
  only?: string[];
  rateLimitBudget: number;
  requestTimeout: string;
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
    withFaultOption(
      withRequestTimeoutOption(
        withRunOutputOptions(withTargetOptions(y), 'contract'),
        'per-request deadline (headers and body); also how long a --target may take to answer its first request',
        '5s',
      ),
    )
      .option('spec', {
        type: 'string',
        defaultDescription: "the target profile's spec (the built-in profile's is the bundled contracts/videoconnect.v1.openapi.yaml)",
        describe:
          'OpenAPI document to check against (a path from the current directory); without --profile, a profile is drafted from it as `roomgate init --from-spec` would',
      })
      .option('seed', { type: 'number', default: 1, describe: 'seed of the generated cases (same seed, same requests)' })
      .option('junit', { type: 'string', describe: 'also write the JUnit XML (one testcase per check) to FILE' })
      .option('only', {
        type: 'string',
        array: true,
        describe:
          'run only these check groups (pact, schema, envelope, routing, lifecycle, auth, coverage, generated, idempotency, webhooks, identity, rate-limit)',
      })
      .option('rate-limit-budget', {
        type: 'number',
        default: 2000,
        describe: 'most requests the rate-limit burst may send; a larger quota skips the burst check',
      })
      .option('expired-token', {
        type: 'string',
        describe: 'a correctly signed, expired access token of the target (for auth.expired-token-401 on targets with long-lived tokens)',
      })
      .option('second-client-id', { type: 'string', describe: 'a second client, to check Idempotency-Keys are scoped per client' })
      .option('second-client-secret', { type: 'string', describe: "the second client's secret" })
      .option('min-coverage', {
        type: 'string',
        describe: "fail unless at least this share of the coverage map's provokable cells (declared responses, invalid inputs) was provoked, e.g. 100%",
      })
      .option('list-checks', {
        type: 'boolean',
        default: false,
        describe: 'print every check with what it enforces and the contract element it cites (for the profile and --spec), then exit',
      })
      .option('pact-broker-url', {
        type: 'string',
        describe:
          'verify the pacts a Pact Broker holds for --provider instead of contracts/pacts (token from PACT_BROKER_TOKEN, or PACT_BROKER_USERNAME/PASSWORD)',
      })
      .option('provider', { type: 'string', default: 'videoconnect', describe: 'provider name the pacts are written for' })
      .option('provider-version', { type: 'string', describe: "the target's version (e.g. a git SHA), recorded with published verification results" })
      .option('provider-version-branch', { type: 'string', describe: "the target's branch, recorded with published verification results" })
      .option('publish-verification-results', {
        type: 'boolean',
        default: false,
        describe: 'publish the pact verification result to the broker (needs --pact-broker-url and --provider-version)',
      }) as never,
  handler: (args) =>
    execute(async () => {
      const { CONTRACT_GROUPS, EMBEDDED_FOR_CONTRACT } = await import('../../contract/options.js');
      const faults = parseFaultFlags(args.fault, args.target);
      const requestTimeoutMs = requireDurationFlag('--request-timeout', args.requestTimeout);
      // `--only auth,lifecycle` and `--only auth --only lifecycle` mean the same, as with `roomgate run --only`.
      if (args.only !== undefined)
        args.only = args.only
          .flatMap((o) => o.split(','))
          .map((o) => o.trim())
          .filter((o) => o !== '');
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
        ...(args.spec === undefined ? {} : { spec: args.spec }),
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
          {
            kind: 'broker',
            brokerUrl: pactOptions.broker.url,
            publishVerificationResult: args.publishVerificationResults,
            ...(args.providerVersion === undefined ? {} : { providerVersion: args.providerVersion }),
          },
          { provider: args.provider, providerBaseUrl: 'http://127.0.0.1', timeoutMs: 30_000 },
          process.env,
        );
      }
      if ((args.secondClientId === undefined) !== (args.secondClientSecret === undefined)) {
        throw new UsageError('--second-client-id and --second-client-secret go together');
      }

      // Load the profile and its document before starting anything: a bad --profile or --spec is exit 2 with the reason.
      const { loadTargetProfile } = await import('../../runner/resolve-target.js');
      const { SpecIndex } = await import('../../spec/spec-index.js');
      const profile = await loadTargetProfile({ profile: args.profile, spec: args.spec });
      if (args.listChecks) {
        const { listChecks } = await import('../../contract/check-catalog.js');
        const rows = listChecks({ spec: new SpecIndex(profile.spec.document), profile });
        const { formatCheckList } = await import('../render/contract.js');
        process.stdout.write(args.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatCheckList(rows)}\n`);
        return 0;
      }

      // The broker is asked before anything starts: an unreachable one is exit 3, refused credentials
      // exit 2, each with its own message, instead of a pact step that errored half-way through a run.
      const wantsPact = args.only === undefined || args.only.includes('pact');
      if (wantsPact && pactOptions.broker !== undefined) {
        const { probeBroker } = await import('../../contract/pact/run-pact-verifier.js');
        await probeBroker(pactOptions.broker.url, 10_000, AbortSignal.timeout(30_000));
      }
      const embedded = args.target === undefined || args.target === '';
      const secondClient =
        args.secondClientId !== undefined && args.secondClientSecret !== undefined
          ? { clientId: args.secondClientId, clientSecret: args.secondClientSecret }
          : embedded
            ? EMBEDDED_SECOND_CLIENT
            : undefined;
      const groups = args.only?.filter((g) => g !== 'pact');
      const [{ createContractStep }, { createPactStep }, { planOneStep }] = await Promise.all([
        import('../../contract/contract-step.js'),
        import('../../contract/pact/pact-step.js'),
        import('../one-step-plan.js'),
      ]);
      return planOneStep(args, {
        command: 'contract',
        name: 'contract',
        faults,
        requestTimeoutMs,
        embedded: { ...EMBEDDED_FOR_CONTRACT, extraClients: [EMBEDDED_SECOND_CLIENT] },
        // Pact first: the contract gate's burst spends the quota the verification needs. One verdict
        // over both steps, the runner's, as for any plan.
        build: () => [
          ...(wantsPact ? [createPactStep(pactOptions)] : []),
          ...(groups === undefined || groups.length > 0
            ? [
                createContractStep({
                  ...(args.spec === undefined ? {} : { spec: args.spec }),
                  seed: args.seed,
                  rateLimitBudget: args.rateLimitBudget,
                  requestTimeoutMs,
                  ...(groups === undefined ? {} : { groups: groups as ContractGroup[] }),
                  ...(args.expiredToken === undefined ? {} : { expiredToken: args.expiredToken }),
                  ...(secondClient === undefined ? {} : { secondClient }),
                  ...(minCoverage === undefined ? {} : { minCoverage }),
                }),
              ]
            : []),
        ],
        intro: ({ target }) => [
          `roomgate contract: ${target}, spec ${profile.spec.path}, seed ${args.seed}${faults.length > 0 ? `, faults ${faults.join(',')}` : ''}`,
        ],
        secrets: [secondClient?.clientSecret, args.expiredToken, process.env['PACT_BROKER_TOKEN'], process.env['PACT_BROKER_PASSWORD']],
        files: [profile.spec.path, ...(profile.file === undefined ? [] : [profile.file])],
        spec: args.spec,
      });
    }),
};

/** `100%`, `95.5 %` or `100` → a share in 0–100; anything else is a usage error. */
export function parsePercent(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const value = match === null ? NaN : Number(match[1]);
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new UsageError(`--min-coverage "${text}" is not a percentage from 0 to 100`, {
      hint: 'e.g. --min-coverage 100% (every provokable cell must be provoked)',
    });
  }
  return value;
}
