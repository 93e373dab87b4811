import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../errors.js';
import type { CheckResult, PactStepResult } from '../../model/result.js';
import type { Step, StepContext } from '../../model/step.js';
import { fail, pass, skip } from '../check.js';
import { cite, defineCheck, defineInteractionCheck } from '../check-definition.js';
import { runRegisteredCheck } from '../gate-context.js';
import { gateDocuments, gateStatus } from '../contract-step.js';
import type { PactStepOptions } from '../options.js';
import type { PactSource } from './verifier-options.js';
import { crossCheckInteraction, type PactInteraction } from './pact-openapi-crosscheck.js';
import { closePactRooms, type PactRoomCleanup } from './close-pact-rooms.js';
import { probeBroker, runPactVerifier, type PactVerification } from './run-pact-verifier.js';

export const PACT_CHECKS = {
  matchesOpenapi: defineInteractionCheck({
    id: 'pact.matches-openapi.{interaction}',
    group: 'pact',
    enforces: 'the pact interaction is valid against the OpenAPI document (request and response schemas)',
    cites: [cite.openapi('#/paths')],
  }),
  providerVerification: defineCheck({
    id: 'pact.provider-verification',
    group: 'pact',
    enforces: 'the target honours every interaction of the consumer pacts (Pact Verifier)',
    cites: [cite.guide('docs/contract-gate.md', 'Pact against your own API and a pact broker', 'placeholder credentials')],
  }),
};

/**
 * Pact step: (1) every pact interaction is valid against the OpenAPI
 * document; (2) provider verification of the pact against the target with
 * Pact's Verifier. Provider states are satisfied through the public API
 * itself (no backdoors): "a room exists" creates a room and hands its id to
 * `fromProviderState`. A request filter swaps in the target's own client
 * credentials on the token request and a fresh bearer token on every other
 * replayed request (credential-filter.ts), so the pact holds placeholders
 * and verifies against any target. With `broker`, the pacts come from a Pact
 * Broker; results are published only when asked. The verifier runs in a child process (run-pact-verifier.ts)
 * so that its report, printed by Pact's native core, becomes evidence instead
 * of noise on roomgate's stdout.
 */
export function createPactStep(options: PactStepOptions = {}, name = 'pact'): Step {
  const broker = options.broker;
  // Local pacts are the user's own, named by the options or the target profile (conventions.pacts; the
  // built-in VideoConnect profile names the bundled one): another API is never verified against VideoConnect's.
  const sourceFor = (pacts: readonly string[]): PactSource =>
    broker === undefined
      ? { kind: 'files', pactUrls: [...pacts] }
      : {
          kind: 'broker',
          brokerUrl: broker.url,
          ...(broker.consumerVersionSelectors === undefined ? {} : { consumerVersionSelectors: broker.consumerVersionSelectors }),
          publishVerificationResult: broker.publishVerificationResults === true,
          ...(broker.providerVersion === undefined ? {} : { providerVersion: broker.providerVersion }),
          ...(broker.providerVersionBranch === undefined ? {} : { providerVersionBranch: broker.providerVersionBranch }),
        };
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    name,
    kind: 'pact',
    async run(ctx: StepContext): Promise<PactStepResult> {
      const started = new Date();
      const checks: CheckResult[] = [];
      let interactionCount = 0;
      const record = (result: CheckResult) => {
        checks.push(result);
        ctx.emit({ type: 'check', at: Date.now(), step: name, result });
      };
      const { profile, spec } = await gateDocuments(ctx.target, options.spec);
      const pacts = options.pacts ?? profile.conventions.pacts;
      const source = sourceFor(pacts);
      const noPacts =
        source.kind === 'files' && pacts.length === 0
          ? `the target profile (${profile.name}) names no consumer pacts (conventions.pacts) and no --pact-broker-url was given; name your own pacts there to verify them`
          : undefined;
      // Nothing a pact check needs is given to the step beyond the document and profile.
      const facts = { spec, profile };
      // Broker pacts are not on disk to cross-check; their verification is the check.
      if (source.kind === 'broker') await probeBroker(source.brokerUrl, Math.min(timeoutMs, 10_000), ctx.signal);
      for (const file of source.kind === 'files' ? pacts : []) {
        const interactions = await readPact(file);
        interactionCount += interactions.length;
        for (const interaction of interactions) {
          record(
            await runRegisteredCheck(facts, PACT_CHECKS.matchesOpenapi.of(interaction.description), async () => {
              const problems = crossCheckInteraction(spec, interaction);
              return problems.length === 0
                ? pass(1)
                : fail(`the pact interaction disagrees with the OpenAPI document: ${problems.join('; ')}`, [
                    { expected: 'every pact interaction valid against the OpenAPI document', actual: problems.join('; ') },
                  ]);
            }),
          );
        }
      }

      // Every room the verification creates, as it is created: closed afterwards even if the verification is cut short.
      const createdRooms = new Set<string>();
      record(
        await runRegisteredCheck(facts, PACT_CHECKS.providerVerification, async () => {
          if (noPacts !== undefined) return skip(noPacts);
          const verification: PactVerification = await runPactVerifier(
            ctx.target,
            { provider: options.provider ?? 'videoconnect', source, timeoutMs },
            ctx.signal,
            (room) => createdRooms.add(room),
          );
          const { verdict, output, relayFailures } = verification;
          if (verdict.ok && relayFailures.length === 0) return pass(1);
          // What the relay stopped (a bomb, a cap, a drip, a reset) is named first: the verifier only saw a 502.
          const bounds = relayFailures.map((f) => f.failure.message);
          const message = [
            ...(bounds.length === 0 ? [] : [`the target broke roomgate's bounds (${bounds.join('; ')})`]),
            ...(verdict.ok ? [] : [verdict.message]),
          ].join('; ');
          return fail(`provider verification failed: ${message.slice(0, 500)}`, [
            {
              expected: `the target honours every interaction of ${source.kind === 'files' ? pacts.join(', ') : `the pacts at ${source.brokerUrl}`}`,
              actual: `${message.slice(0, 1000)}\n\n${stripAnsi(output)}`.slice(0, 8000),
            },
          ]);
        }),
      );
      // Close what the verification opened, whatever its verdict (bounded; see close-pact-rooms.ts).
      const created = [...createdRooms];
      // After an interrupt the runner waits 15 s for the step: the cleanup then gets a third of that.
      const cleanup: PactRoomCleanup = await closePactRooms(ctx.target, created, ctx.signal, ctx.signal.aborted ? 5_000 : undefined);
      if (cleanup.leftOpen.length > 0) {
        ctx.emit({
          type: 'log',
          at: Date.now(),
          step: name,
          level: 'warn',
          message: `${cleanup.leftOpen.length} room(s) the pact verification created are left open on the target: ${cleanup.leftOpen.map((room) => `${room.id} (${room.why})`).join(', ')}`,
        });
      }

      const finished = new Date();
      // The gate's verdict rule: a verification the interrupt cut short (its child killed) is no
      // evidence against the target, so an interrupted step is interrupted, not errored.
      const interrupted = ctx.signal.aborted;
      const status = noPacts !== undefined && !interrupted ? 'skipped' : gateStatus(checks, interrupted);
      const reason = interrupted
        ? `interrupted after ${checks.length} check(s); the results cover the part that ran and are no verdict`
        : (noPacts ?? 'a pact check did not pass');
      // The runner announces the step's end; the step only hands back its result.
      return {
        name,
        kind: 'pact',
        status,
        ...(status === 'passed' ? {} : { reason }),
        startedAt: started.toISOString(),
        finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - started.getTime(),
        checks,
        slos: [],
        summary: {
          provider: options.provider ?? 'videoconnect',
          source: source.kind,
          ...(source.kind === 'files' ? { pacts: [...pacts] } : { brokerUrl: source.brokerUrl }),
          interactions: interactionCount,
          ...(created.length === 0 ? {} : { rooms: { created: created.length, closed: cleanup.closed.length, leftOpen: cleanup.leftOpen } }),
        },
        artifacts: (source.kind === 'files' ? pacts : []).map((path) => ({
          kind: 'pact' as const,
          path,
          description: 'consumer pact verified against the target',
        })),
      };
    },
  };
}

async function readPact(file: string): Promise<PactInteraction[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ConfigError('the pact file does not exist', { file, hint: 'run the consumer tests (npx vitest run test/pact) to write it' });
  }
  const parsed = JSON.parse(text) as { interactions?: PactInteraction[] };
  return parsed.interactions ?? [];
}

function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
