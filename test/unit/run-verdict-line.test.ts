import { describe, expect, it } from 'vitest';
import { runVerdictLine } from '../../src/cli/run-verdict.js';
import { InterruptedError } from '../../src/errors.js';
import type { StepResult } from '../../src/model/result.js';
import type { Step, StepContext } from '../../src/model/step.js';
import { runPlan, type ScenarioTask } from '../../src/runner/run-plan.js';
import type { Target } from '../../src/target/target.js';

const target: Target = { baseUrl: 'http://127.0.0.1:9', credentials: { clientId: 'c', clientSecret: 's' }, embedded: true };

/** A step that passes at once, or (hang) runs until the run is aborted and returns what it did. */
function step(name: string, hang = false): Step {
  return {
    name,
    kind: 'load',
    async run(ctx: StepContext): Promise<StepResult> {
      if (hang && !ctx.signal.aborted) await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      const t = new Date().toISOString();
      return { name, kind: 'load', status: 'passed', startedAt: t, finishedAt: t, durationMs: 0, checks: [], slos: [], artifacts: [] };
    },
  };
}

function scenario(name: string, steps: Step[]): ScenarioTask {
  return { name, steps, openTarget: async () => ({ target, close: async () => {} }) };
}

describe('the run verdict line counts the steps of the suite', () => {
  it('a 3-step suite interrupted in its first step reads 0/3 (1 interrupted, 2 not run), not 0/1', async () => {
    const controller = new AbortController();
    const plan = [scenario('a', [step('contract', true)]), scenario('b', [step('burst')]), scenario('c', [step('participants')])];
    // Ctrl-C while the first step runs.
    const emit = (event: { type: string }) => {
      if (event.type === 'step-start') controller.abort(new InterruptedError('interrupted by SIGINT'));
    };
    const outcome = await runPlan(plan, { signal: controller.signal, emit, runDir: '.', gate: 'run-all', graceMs: 1000 });
    expect(outcome.status).toBe('interrupted');
    expect(runVerdictLine(outcome)).toBe('INTERRUPTED: 0/3 steps passed (1 interrupted, 2 not run) — interrupted by SIGINT');
  });

  it('steps left out by --only are not counted; a full pass has no details', async () => {
    const plan = [scenario('a', [step('contract'), step('burst')])];
    const outcome = await runPlan(plan, { signal: new AbortController().signal, emit: () => {}, runDir: '.', gate: 'run-all', only: ['burst'] });
    expect(runVerdictLine(outcome)).toBe('PASSED: 1/1 steps passed');
  });
});
