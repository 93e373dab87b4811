import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import yargs, { type MiddlewareFunction } from 'yargs';
import { describe, expect, it } from 'vitest';
import { envOptionsMiddleware, type YargsInstanceView } from '../../src/cli/env-options.js';

const run = promisify(execFile);

/** Parses `argv` with one command declaring a few flags, with ROOMGATE_* from `env`. */
async function parse(argv: string[], env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  let seen: Record<string, unknown> = {};
  const apply = envOptionsMiddleware('ROOMGATE', env);
  await yargs(argv)
    .command(
      'load',
      'x',
      (y) =>
        y
          .option('target', { type: 'string' })
          .option('client-id', { type: 'string' })
          .option('rate', { type: 'number' })
          .option('window', { type: 'string', default: '10s' })
          .option('cleanup', { type: 'boolean', default: true })
          .option('fault', { type: 'string', array: true }),
      (args) => {
        seen = args;
      },
    )
    .middleware(((args: Record<string, unknown>, y: YargsInstanceView) => apply(args, y)) as unknown as MiddlewareFunction, true)
    .strict()
    .fail((message) => {
      throw new Error(message);
    })
    .parseAsync();
  return seen;
}

describe('ROOMGATE_* environment variables', () => {
  it('become the running command’s flags, camel- and kebab-case, coerced to the flag’s type', async () => {
    const args = await parse(['load'], {
      ROOMGATE_TARGET: 'http://127.0.0.1:9',
      ROOMGATE_CLIENT_ID: 'ci',
      ROOMGATE_RATE: '250',
      ROOMGATE_CLEANUP: 'false',
      ROOMGATE_FAULT: 'envelope',
    });
    expect(args).toMatchObject({ target: 'http://127.0.0.1:9', clientId: 'ci', 'client-id': 'ci', rate: 250, cleanup: false, fault: ['envelope'] });
  });

  it('lose to the command line and win over a default', async () => {
    const args = await parse(['load', '--rate', '5'], { ROOMGATE_RATE: '250', ROOMGATE_WINDOW: '30s' });
    expect(args['rate']).toBe(5);
    expect(args['window']).toBe('30s');
  });

  it('that name no flag of the command are left alone instead of failing strict mode', async () => {
    const args = await parse(['load'], { ROOMGATE_SOAK_RATE: '7', ROOMGATE_SUITE: 'roomgate/ci-gate.yaml', ROOMGATE_ENTRY: '/x' });
    expect(args['soakRate']).toBeUndefined();
    expect(args['suite']).toBeUndefined();
  });

  it('a number flag given text in the environment is a usage error naming the variable', async () => {
    await expect(parse(['load'], { ROOMGATE_RATE: 'fast' })).rejects.toThrow(/ROOMGATE_RATE="fast": --rate takes a number/);
  });

  it('the real CLI runs with unrelated ROOMGATE_* variables set (a scenario’s ${ROOMGATE_SOAK_RATE}, the GitHub Action’s own)', async () => {
    const { stdout } = await run(process.execPath, ['bin/roomgate.js', 'contract', '--list-checks'], {
      env: { ...process.env, ROOMGATE_SOAK_RATE: '5', ROOMGATE_SUITE: 'roomgate/ci-gate.yaml', ROOMGATE_ENTRY: '/nowhere' },
    });
    expect(stdout).toMatch(/checks/);
  });
});
