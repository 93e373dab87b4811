import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../errors.js';
import type { CheckResult, StepResult } from '../../model/result.js';
import type { Step, StepContext } from '../../model/step.js';
import { fail, pass, runCheck } from '../check.js';
import { CONTRACT_DEFAULTS, DEFAULT_PACT_PATH, type PactStepOptions } from '../options.js';
import { loadSpec } from '../spec/load-spec.js';
import { SpecIndex } from '../spec/spec-index.js';
import { crossCheckInteraction, type PactInteraction } from './pact-openapi-crosscheck.js';
import { runPactVerifier } from './run-pact-verifier.js';

/**
 * Pact step: (1) every pact interaction is valid against the OpenAPI
 * document; (2) provider verification of the pact against the target with
 * Pact's Verifier. Provider states are satisfied through the public API
 * itself (no backdoors): "a room exists" creates a room and hands its id to
 * `fromProviderState`. A request filter puts a fresh bearer token on every
 * replayed request. The verifier runs in a child process (run-pact-verifier.ts)
 * so that its report, printed by Pact's native core, becomes evidence instead
 * of noise on roomgate's stdout.
 */
export function createPactStep(options: PactStepOptions = {}, name = 'pact'): Step {
  const pacts = options.pacts ?? [DEFAULT_PACT_PATH];
  const specPath = options.spec ?? CONTRACT_DEFAULTS.spec;
  return {
    name,
    kind: 'pact',
    async run(ctx: StepContext): Promise<StepResult> {
      const started = new Date();
      ctx.emit({ type: 'step-start', at: Date.now(), step: name, kind: 'pact' });
      const checks: CheckResult[] = [];
      const record = (result: CheckResult) => {
        checks.push(result);
        ctx.emit({ type: 'check', at: Date.now(), step: name, result });
      };
      const spec = new SpecIndex(await loadSpec(specPath));
      for (const file of pacts) {
        const interactions = await readPact(file);
        for (const interaction of interactions) {
          record(
            await runCheck('pact', `pact.matches-openapi.${interaction.description}`, async () => {
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

      record(
        await runCheck('pact', 'pact.provider-verification', async () => {
          const { verdict, output } = await runPactVerifier(
            ctx.target,
            { provider: options.provider ?? 'videoconnect', pactUrls: pacts, timeoutMs: options.timeoutMs ?? 30_000 },
            ctx.signal,
          );
          if (verdict.ok) return pass(1);
          return fail(`provider verification failed: ${verdict.message.slice(0, 500)}`, [
            {
              expected: `the target honours every interaction of ${pacts.join(', ')}`,
              actual: `${verdict.message.slice(0, 1000)}\n\n${stripAnsi(output)}`.slice(0, 8000),
            },
          ]);
        }),
      );

      const finished = new Date();
      const status = checks.some((c) => c.status === 'failed') ? 'failed' : checks.some((c) => c.status === 'errored') ? 'errored' : 'passed';
      const result: StepResult = {
        name,
        kind: 'pact',
        status,
        ...(status === 'passed' ? {} : { reason: 'a pact check did not pass' }),
        startedAt: started.toISOString(),
        finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - started.getTime(),
        checks,
        slos: [],
        artifacts: pacts.map((path) => ({ kind: 'pact' as const, path, description: 'consumer pact verified against the target' })),
      };
      ctx.emit({ type: 'step-end', at: Date.now(), step: name, result });
      return result;
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
