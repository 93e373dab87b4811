import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-cli.js';

interface ActionStep {
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  if?: string;
}
interface Action {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

/** The composite action (action.yml) is only run on GitHub; here, what can be checked without it. Its scripts run in test/e2e/package-install.test.ts. */
describe('the GitHub Action (action.yml)', () => {
  const text = readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8');
  const action = parse(text) as Action;

  it('is composite, takes suite, target, credentials and node version, and names only inputs, outputs and steps it declares', () => {
    expect(action.runs.using).toBe('composite');
    for (const input of ['suite', 'target', 'client-id', 'client-secret', 'node-version']) expect(action.inputs[input], input).toBeDefined();
    const ids = new Set(action.runs.steps.map((s) => s.id).filter((id) => id !== undefined));
    for (const [, name] of text.matchAll(/\$\{\{[^}]*\binputs\.([\w-]+)/g)) expect(Object.keys(action.inputs), `inputs.${name}`).toContain(name);
    for (const [, id, output] of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      expect(ids.has(id!), `steps.${id}`).toBe(true);
      expect(['entry', 'exit-code', 'report-dir'], `${id}.outputs.${output}`).toContain(output);
    }
  });

  it('never splices inputs into script text (they reach the scripts through env), and its scripts exist', () => {
    for (const step of action.runs.steps) {
      if (step.run === undefined) continue;
      expect(step.run, 'run: text').not.toMatch(/\$\{\{/);
      expect(step.shell).toBe('bash');
      const script = /\$GITHUB_ACTION_PATH\/(action\/[\w.-]+\.sh)/.exec(step.run)?.[1];
      if (script !== undefined) expect(existsSync(join(REPO_ROOT, script)), script).toBe(true);
    }
  });

  it("uploads the report folder even when the gate failed, then exits with roomgate's code", () => {
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.if).toContain('always()');
    expect(upload?.with?.['path']).toContain('steps.run.outputs.report-dir');
    const last = action.runs.steps.at(-1)!;
    expect(last.if).toBe('always()');
    expect(last.env?.['ROOMGATE_EXIT']).toContain('steps.run.outputs.exit-code');
    expect(last.run).toContain('exit "${ROOMGATE_EXIT:-3}"');
  });
});
