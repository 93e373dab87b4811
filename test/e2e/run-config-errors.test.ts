import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

/** Bad scenario files: every one is exit 2 with `file:line: path message` before anything runs. */
async function scenario(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'roomgate-bad-'));
  const file = join(dir, name);
  await writeFile(file, text);
  return relative(REPO_ROOT, file);
}

describe('roomgate run with a bad scenario file', () => {
  it('reports a YAML syntax error at its line and exits 2', async () => {
    const file = await scenario('syntax.yaml', 'name: broken\nsteps:\n  - type: contract\n    options: { seed: 1\n');
    const run = await runCli(['run', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`roomgate: ${escape(file)}:\\d+: YAML syntax error: `));
    expect(run.stderr).toContain('hint:');
  });

  it('reports a wrong type with file, line and path', async () => {
    const file = await scenario('type.yaml', 'name: typed\nsteps:\n  - type: contract\n    options:\n      seed: "one"\n');
    const run = await runCli(['run', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`roomgate: ${file}:5: steps[0].options.seed must be integer (got the string "one")`);
  });

  it('reports an unknown key with a did-you-mean', async () => {
    const file = await scenario('unknown.yaml', 'name: typo\nsteps:\n  - type: contract\n    optoins:\n      seed: 1\n');
    const run = await runCli(['run', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`roomgate: ${file}:4: steps[0] unknown key "optoins"; did you mean "options"?`);
    expect(run.stderr).toContain('hint: rename "optoins" to "options"');
  });

  it('reports an SLO on an unknown metric at the SLO line', async () => {
    const file = await scenario(
      'metric.yaml',
      'name: slo\nsteps:\n  - type: load\n    options:\n      mode: burst\n      duration: 1s\n    slos:\n      - create_room.p99 < 1s\n      - lantency.p99 < 1s\n',
    );
    const run = await runCli(['run', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`roomgate: ${escape(file)}:9: steps\\[0\\]\\.slos\\[1\\] .*lantency`));
  });

  it('reports a bad duration and an unset variable', async () => {
    const duration = await scenario('duration.yaml', 'name: d\nsteps:\n  - type: contract\n    options:\n      requestTimeout: 5 seconds\n');
    const run = await runCli(['run', duration]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${duration}:5: steps[0].options.requestTimeout must be a duration like 500ms, 30s, 5m or 1h (got "5 seconds")`);
    const env = await scenario('env.yaml', 'name: e\ntarget:\n  url: ${ROOMGATE_TEST_UNSET_VAR}\nsteps:\n  - type: contract\n');
    const envRun = await runCli(['run', env], { env: { ROOMGATE_TEST_UNSET_VAR: undefined } });
    expect(envRun.code).toBe(2);
    expect(envRun.stderr).toContain(`${env}:3: \${ROOMGATE_TEST_UNSET_VAR} is not set`);
  });

  it('refuses an alias bomb ("billion laughs") with exit 2 and the line of the alias, not "unexpected error"', async () => {
    const levels = Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array.from({ length: 10 }, () => `*a${i}`).join(',')}]`);
    const file = await scenario(
      'bomb.yaml',
      [
        'name: bomb',
        'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        ...levels,
        'steps:',
        '  - type: contract',
        '    options: { x: *a9 }',
        '',
      ].join('\n'),
    );
    const run = await runCli(['run', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`roomgate: ${file}:6: aliases expand this file to more than 100000 values`);
    expect(run.stderr).not.toContain('this is a bug');
  });

  it('refuses a 40,000-key map with exit 2 at the key over the limit', async () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `      k${i}: ${i}`).join('\n');
    const file = await scenario('keys.yaml', `name: many\nsteps:\n  - type: contract\n    options:\n${keys}\n`);
    const run = await runCli(['run', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`roomgate: ${file}:10001: has more than 10000 keys`);
  });

  it('checks a name too long for a run folder at config time (exit 2, its line, a hint), instead of ENAMETOOLONG mid-run', async () => {
    const file = await scenario('long.yaml', `name: ${'n'.repeat(300)}\nsteps:\n  - type: contract\n`);
    const run = await runCli(['run', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`roomgate: ${file}:1: name is 300 characters long; at most 64 are allowed`);
    expect(run.stderr).toContain('hint: shorten it to 64 characters or fewer: names become folder names under reports/');
    expect(run.stderr).not.toContain('ENAMETOOLONG');
  });

  it('says a suite listed in a suite is a suite, once', async () => {
    const outer = await scenario('outer-suite.yaml', 'name: outer\nscenarios:\n  - inner-suite.yaml\n');
    await writeFile(join(REPO_ROOT, outer, '..', 'inner-suite.yaml'), `name: inner\nscenarios:\n  - ${join(REPO_ROOT, 'scenarios', 'contract-gate.yaml')}\n`);
    const run = await runCli(['run', outer]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`roomgate: ${outer}:3: scenarios[0] "inner-suite.yaml" is a suite, not a scenario: suites do not nest`);
    expect(run.stderr).not.toContain('unknown key');
  });

  it('says which file is missing', async () => {
    const run = await runCli(['run', 'scenarios/does-not-exist.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('scenarios/does-not-exist.yaml: no such file');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
