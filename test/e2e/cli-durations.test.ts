import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

/**
 * One duration grammar on every command: a bare number is a usage error
 * (exit 2) showing the accepted forms, and `1h30m` is read by every flag that
 * takes a duration. The accepting runs end fast on something else after the
 * flags were read (a target that refuses connections: exit 3; a run folder
 * that does not exist, a port already taken: exit 2 for that reason), so no
 * run lasts an hour and a half.
 */
const FORMS = '500ms, 30s, 10m, 1h30m';
const CREDENTIALS = ['--client-id', 'ci', '--client-secret', 'ci-secret'];

let refusing: string;
let taken: Server;
let scenario: string;
let out: string;

beforeAll(async () => {
  // A port that was free a moment ago: nothing listens there, connections are refused at once.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  refusing = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const dir = await mkdtemp(join(tmpdir(), 'roomgate-durations-'));
  out = join(dir, 'out');
  scenario = join(dir, 'soak.yaml');
  await writeFile(scenario, ['name: soak', 'steps:', '  - type: load', '    name: soak', '    options: { mode: soak, rate: 10, duration: 2s }', ''].join('\n'));
});
afterAll(async () => {
  await new Promise((resolve) => taken?.close(resolve));
});

describe('durations on the command line', { timeout: 120_000 }, () => {
  it('roomgate load --duration 10 exits 2 naming the accepted forms, before any load', async () => {
    const run = await runCli(['load', '--duration', '10']);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stderr).toContain('--duration "10" is not a duration (a bare number has no unit)');
    expect(run.stderr).toContain(FORMS);
    expect(run.stdout).not.toMatch(/roomgate load:/);
  });

  it('a bare number is refused by every duration flag, --request-timeout and --late-threshold included', async () => {
    const bare: [string, string[]][] = [
      ['--request-timeout', ['contract', '--request-timeout', '5000']],
      ['--late-threshold', ['load', '--late-threshold', '10']],
      ['--window', ['load', '--window', '1000']],
      ['--deadline', ['run', scenario, '--deadline', '60']],
      ['--hold', ['browser', '--hold', '5']],
      ['--max-skew', ['merge', out, '--max-skew', '1000']],
      ['--token-ttl', ['serve', '--token-ttl', '60']],
    ];
    const runs = await Promise.all(bare.map(([, args]) => runCli(args, { timeoutMs: 60_000 })));
    runs.forEach((run, i) => {
      const [flag] = bare[i]!;
      expect(run.code, `${flag}: ${run.stdout}${run.stderr}`).toBe(2);
      expect(run.stderr, flag).toContain(`${flag} "`);
      expect(run.stderr, flag).toContain('is not a duration (a bare number has no unit)');
      expect(run.stderr, flag).toContain(FORMS);
    });
  });

  it('--duration 1h30m (and 1h30m for every other duration flag) is accepted by every command that takes one', async () => {
    const target = ['--target', refusing, ...CREDENTIALS];
    const accepted: { name: string; args: string[]; code: number; because: RegExp }[] = [
      {
        name: 'run',
        args: ['run', scenario, '--duration', '1h30m', '--deadline', '1h30m', '--request-timeout', '1h30m', ...target, '--out', join(out, 'run')],
        code: 3,
        because: /cannot reach/,
      },
      {
        name: 'load',
        args: [
          'load',
          '--mode',
          'soak',
          '--duration',
          '1h30m',
          '--ramp',
          '1h30m',
          '--window',
          '1h30m',
          '--request-timeout',
          '1h30m',
          '--late-threshold',
          '1h30m',
          ...target,
          '--out',
          join(out, 'load'),
        ],
        code: 3,
        because: /cannot reach/,
      },
      {
        name: 'browser',
        args: [
          'browser',
          '--hold',
          '1h30m',
          '--join-timeout',
          '1h30m',
          '--media-timeout',
          '1h30m',
          '--max-event-loop-delay',
          '1h30m',
          ...target,
          '--out',
          join(out, 'browser'),
        ],
        code: 3,
        because: /cannot reach/,
      },
      {
        name: 'contract',
        args: ['contract', '--request-timeout', '1h30m', '--only', 'routing', ...target, '--out', join(out, 'contract')],
        code: 3,
        because: /cannot reach/,
      },
      {
        name: 'merge',
        args: ['merge', join(out, 'nowhere'), '--max-skew', '1h30m', '--out', join(out, 'merged')],
        code: 2,
        because: /cannot read .*report\.json/,
      },
      { name: 'serve', args: ['serve', '--token-ttl', '1h30m', '--port', String((taken.address() as AddressInfo).port)], code: 2, because: /already in use/ },
      {
        name: 'metrics flags',
        args: [
          'load',
          '--metrics-port',
          String((taken.address() as AddressInfo).port),
          '--metrics-linger',
          '1h30m',
          '--otlp-interval',
          '1h30m',
          '--otlp-endpoint',
          refusing,
          ...target,
          '--out',
          join(out, 'metrics'),
        ],
        code: 2,
        because: /in use|EADDRINUSE/,
      },
    ];
    const runs = await Promise.all(accepted.map(({ args }) => runCli(args, { timeoutMs: 90_000 })));
    runs.forEach((run, i) => {
      const { name, code, because } = accepted[i]!;
      expect(run.stderr, name).not.toContain('is not a duration');
      expect(run.code, `${name}: ${run.stdout}${run.stderr}`).toBe(code);
      expect(run.stdout + run.stderr, name).toMatch(because);
    });
  });
});
