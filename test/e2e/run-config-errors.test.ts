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

  it('says which file is missing', async () => {
    const run = await runCli(['run', 'scenarios/does-not-exist.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('scenarios/does-not-exist.yaml: no such file');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
