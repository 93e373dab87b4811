import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../src/errors.js';
import type { RunEvent } from '../../src/model/events.js';
import { exitCodeFor, type StepResult, type StepStatus } from '../../src/model/result.js';
import type { Step, StepContext } from '../../src/model/step.js';
import { createEventBus } from '../../src/runner/event-bus.js';
import { runPlan, type RunPlanOptions, type ScenarioTask } from '../../src/runner/run-plan.js';
import type { Target } from '../../src/target/target.js';

const target: Target = { baseUrl: 'http://127.0.0.1:9', credentials: { clientId: 'c', clientSecret: 's' }, embedded: true };

/** A small real Step: records its lifecycle in `log`, and behaves as told. */
function step(
  name: string,
  log: string[],
  behaviour: { status?: StepStatus; throwInRun?: boolean; throwInSetup?: boolean; hang?: boolean; ignoreAbort?: boolean; teardown?: boolean } = {},
): Step {
  const s: Step = {
    name,
    kind: 'load',
    async run(ctx: StepContext): Promise<StepResult> {
      log.push(`run ${name}`);
      if (behaviour.throwInRun) throw new Error(`${name} blew up`);
      if (behaviour.hang) {
        // Runs until aborted (or forever, when it ignores the signal).
        await new Promise<void>((resolve) => {
          if (!behaviour.ignoreAbort) ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        log.push(`stopped ${name}`);
      }
      const t = new Date().toISOString();
      return {
        name,
        kind: 'load',
        status: behaviour.status ?? 'passed',
        ...(behaviour.status === 'failed' ? { reason: 'an SLO was breached' } : {}),
        startedAt: t,
        finishedAt: t,
        durationMs: 0,
        checks: [],
        slos: [],
        artifacts: [],
      };
    },
  };
  if (behaviour.throwInSetup) {
    s.setup = async () => {
      log.push(`setup ${name}`);
      throw new Error(`${name} setup failed`);
    };
  } else {
    s.setup = async () => {
      log.push(`setup ${name}`);
    };
  }
  if (behaviour.teardown !== false) {
    s.teardown = async () => {
      log.push(`teardown ${name}`);
    };
  }
  return s;
}

function scenario(name: string, steps: Step[], log: string[]): ScenarioTask {
  return {
    name,
    steps,
    openTarget: async () => {
      log.push(`open ${name}`);
      return { target, close: async () => void log.push(`close ${name}`) };
    },
  };
}

function options(overrides: Partial<RunPlanOptions> = {}): RunPlanOptions & { events: RunEvent[] } {
  const events: RunEvent[] = [];
  return { signal: new AbortController().signal, emit: (e) => events.push(e), runDir: '/tmp/roomgate-runner-test', gate: 'run-all', events, ...overrides };
}

describe('runPlan: teardowns', () => {
  it('runs every teardown in reverse order of setup, after a pass', async () => {
    const log: string[] = [];
    const outcome = await runPlan([scenario('one', [step('a', log), step('b', log)], log)], options());
    expect(outcome.status).toBe('passed');
    expect(log).toEqual(['open one', 'setup a', 'run a', 'setup b', 'run b', 'teardown b', 'teardown a', 'close one']);
  });

  it('still runs them all, in reverse, after a step throws', async () => {
    const log: string[] = [];
    const outcome = await runPlan([scenario('one', [step('a', log), step('b', log, { throwInRun: true }), step('c', log)], log)], options());
    expect(log.slice(-4)).toEqual(['teardown c', 'teardown b', 'teardown a', 'close one']);
    expect(outcome.results.map((r) => [r.name, r.status])).toEqual([
      ['a', 'passed'],
      ['b', 'errored'],
      ['c', 'passed'],
    ]);
    expect(outcome.results[1]!.reason).toBe('run failed: b blew up');
    expect(outcome.status).toBe('errored');
  });

  it('runs the teardown of a step whose setup threw, and of the steps before it', async () => {
    const log: string[] = [];
    const outcome = await runPlan([scenario('one', [step('a', log), step('b', log, { throwInSetup: true })], log)], options());
    expect(log).toEqual(['open one', 'setup a', 'run a', 'setup b', 'teardown b', 'teardown a', 'close one']);
    expect(outcome.results[1]).toMatchObject({ status: 'errored', reason: 'setup failed: b setup failed' });
  });

  it('a teardown that throws is reported and does not stop the other teardowns', async () => {
    const log: string[] = [];
    const bad = step('bad', log);
    bad.teardown = async () => {
      log.push('teardown bad');
      throw new Error('cannot clean up');
    };
    const opts = options();
    await runPlan([scenario('one', [step('a', log), bad], log)], opts);
    expect(log.slice(-3)).toEqual(['teardown bad', 'teardown a', 'close one']);
    expect(opts.events.some((e) => e.type === 'log' && e.level === 'warn' && e.message === 'teardown of bad failed: cannot clean up')).toBe(true);
  });
});

describe('runPlan: gate policy', () => {
  it('stop-at-first-failure skips the remaining steps (across scenarios) and says why', async () => {
    const log: string[] = [];
    const outcome = await runPlan(
      [scenario('one', [step('a', log, { status: 'failed' }), step('b', log)], log), scenario('two', [step('c', log)], log)],
      options({ gate: 'stop-at-first-failure' }),
    );
    expect(outcome.results.map((r) => [r.name, r.status])).toEqual([
      ['a', 'failed'],
      ['b', 'skipped'],
      ['c', 'skipped'],
    ]);
    expect(outcome.results[1]!.reason).toBe('not run: an earlier step (a) failed and the gate policy is stop-at-first-failure');
    expect(log).not.toContain('run b');
    expect(log).not.toContain('open two');
    expect(outcome.status).toBe('failed');
  });

  it('run-all runs every step after a failure; the worst status wins', async () => {
    const log: string[] = [];
    const outcome = await runPlan(
      [scenario('one', [step('a', log, { status: 'failed' }), step('b', log)], log), scenario('two', [step('c', log)], log)],
      options({ gate: 'run-all' }),
    );
    expect(outcome.results.map((r) => [r.name, r.status])).toEqual([
      ['a', 'failed'],
      ['b', 'passed'],
      ['c', 'passed'],
    ]);
    expect(log).toContain('run c');
    expect(outcome.status).toBe('failed');
  });

  it('--only skips the other steps without opening targets for them', async () => {
    const log: string[] = [];
    const outcome = await runPlan([scenario('one', [step('a', log)], log), scenario('two', [step('b', log)], log)], options({ only: ['b'] }));
    expect(outcome.results.map((r) => [r.name, r.status])).toEqual([
      ['a', 'skipped'],
      ['b', 'passed'],
    ]);
    expect(log).toEqual(['open two', 'setup b', 'run b', 'teardown b', 'close two']);
  });
});

describe('runPlan: the global deadline and interruption', () => {
  it('stops a step that runs past the deadline, reports it, skips the rest and still tears down', async () => {
    const log: string[] = [];
    const started = Date.now();
    const outcome = await runPlan([scenario('one', [step('slow', log, { hang: true }), step('after', log)], log)], options({ deadlineMs: 100 }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(log).toContain('stopped slow');
    expect(outcome.results[0]).toMatchObject({ name: 'slow', status: 'errored' });
    expect(outcome.results[0]!.reason).toContain('stopped: the global deadline of 0 s was reached');
    expect(outcome.results[1]).toMatchObject({ name: 'after', status: 'skipped' });
    expect(log.slice(-2)).toEqual(['teardown slow', 'close one']);
    expect(outcome.status).toBe('errored');
    expect(exitCodeFor(outcome.status)).toBe(3);
  });

  it('gives up on a step that ignores the abort after the grace period, keeping what it emitted', async () => {
    const log: string[] = [];
    const stubborn = step('stubborn', log, { hang: true, ignoreAbort: true });
    const run = stubborn.run.bind(stubborn);
    stubborn.run = async (ctx) => {
      ctx.emit({ type: 'check', at: Date.now(), step: 'stubborn', result: { name: 'seen', group: 'g', status: 'passed', durationMs: 1 } });
      return run(ctx);
    };
    const outcome = await runPlan([scenario('one', [stubborn], log)], options({ deadlineMs: 50, graceMs: 100 }));
    expect(outcome.results[0]).toMatchObject({ status: 'errored' });
    expect(outcome.results[0]!.reason).toContain('did not stop within');
    expect(outcome.results[0]!.checks.map((c) => c.name)).toEqual(['seen']);
    expect(log).toContain('teardown stubborn');
  });

  it('an interruption makes the run interrupted (exit 130) and marks a step that still said passed as partial', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const interrupting = step('a', log, { hang: true });
    setTimeout(() => controller.abort(new InterruptedError('interrupted by SIGINT')), 50);
    const outcome = await runPlan([scenario('one', [interrupting, step('b', log)], log)], options({ signal: controller.signal }));
    expect(outcome.status).toBe('interrupted');
    expect(exitCodeFor(outcome.status)).toBe(130);
    expect(outcome.results[0]).toMatchObject({ status: 'interrupted' });
    expect(outcome.results[0]!.reason).toContain('results are partial');
    expect(outcome.results[1]).toMatchObject({ status: 'skipped' });
    expect(log.slice(-2)).toEqual(['teardown a', 'close one']);
  });
});

describe('runPlan: reporters and results', () => {
  it('a reporter that throws is switched off, announced, and the run completes', async () => {
    const log: string[] = [];
    const bus = createEventBus();
    const seen: RunEvent[] = [];
    bus.subscribe('broken', (event) => {
      if (event.type === 'step-start') throw new Error('disk full');
    });
    bus.subscribe('good', (event) => seen.push(event));
    const outcome = await runPlan([scenario('one', [step('a', log), step('b', log)], log)], options({ emit: bus.emit }));
    expect(outcome.status).toBe('passed');
    expect(seen.filter((e) => e.type === 'step-end').map((e) => (e as { step: string }).step)).toEqual(['a', 'b']);
    expect(seen.filter((e) => e.type === 'log' && e.message.includes('reporter "broken" failed and was switched off: disk full'))).toHaveLength(1);
  });

  it('an afterStep callback that throws (a partial report.json that cannot be written) is reported, not fatal', async () => {
    const log: string[] = [];
    const opts = options({
      afterStep: async () => {
        throw new Error('EACCES');
      },
    });
    const outcome = await runPlan([scenario('one', [step('a', log)], log)], opts);
    expect(outcome.status).toBe('passed');
    expect(opts.events.some((e) => e.type === 'log' && e.level === 'error' && e.message.includes('EACCES'))).toBe(true);
  });

  it('a target that cannot be opened fails its step without running it, and later scenarios still run under run-all', async () => {
    const log: string[] = [];
    const broken: ScenarioTask = {
      name: 'down',
      steps: [step('x', log)],
      openTarget: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:9');
      },
    };
    const outcome = await runPlan([broken, scenario('up', [step('y', log)], log)], options());
    expect(outcome.results[0]).toMatchObject({ name: 'x', status: 'errored' });
    expect(outcome.results[0]!.reason).toContain('could not open the target');
    expect(log).not.toContain('run x');
    expect(outcome.results[1]).toMatchObject({ name: 'y', status: 'passed' });
  });

  it('maps statuses to exit codes: passed/skipped 0, failed 1, errored/invalid 3, interrupted 130', () => {
    expect((['passed', 'skipped', 'failed', 'errored', 'invalid', 'interrupted'] as const).map(exitCodeFor)).toEqual([0, 0, 1, 3, 3, 130]);
  });

  it('emits step-start and step-end once per step, even for a step that crashes', async () => {
    const log: string[] = [];
    const opts = options();
    await runPlan([scenario('one', [step('boom', log, { throwInRun: true })], log)], opts);
    expect(opts.events.filter((e) => e.type === 'step-start')).toHaveLength(1);
    const end = opts.events.filter((e) => e.type === 'step-end');
    expect(end).toHaveLength(1);
    expect((end[0] as { result: StepResult }).result.status).toBe('errored');
  });
});

describe('runPlan: an unreachable target', () => {
  it('skips the rest of its scenario, and under stop-at-first-failure every later scenario too', async () => {
    const log: string[] = [];
    const broken: ScenarioTask = {
      name: 'down',
      steps: [step('x', log), step('x2', log)],
      openTarget: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:9');
      },
    };
    const outcome = await runPlan([broken, scenario('up', [step('y', log)], log)], options({ gate: 'stop-at-first-failure' }));
    expect(outcome.results.map((r) => [r.name, r.status])).toEqual([
      ['x', 'errored'],
      ['x2', 'skipped'],
      ['y', 'skipped'],
    ]);
    expect(outcome.results[1]!.reason).toBe('not run: the target of scenario down could not be opened');
    expect(log).toEqual([]);
  });
});
