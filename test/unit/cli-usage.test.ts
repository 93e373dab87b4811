import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

describe('roomgate CLI usage', () => {
  it('lists every command in --help and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['run', 'contract', 'load', 'browser', 'serve', 'report', 'compare']) {
      expect(run.stdout).toMatch(new RegExp(`roomgate ${command}\\b`));
    }
  });

  it('rejects an unknown command with exit 2 and a hint', async () => {
    const run = await runCli(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('frobnicate');
    expect(run.stderr).toContain('--help');
  });

  it('rejects an unknown flag with exit 2', async () => {
    const run = await runCli(['serve', '--bogus-flag']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bogus-flag/);
  });

  it('rejects an unknown fault with exit 2 and lists the valid ones', async () => {
    const run = await runCli(['serve', '--fault', 'nope']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown fault "nope"');
    expect(run.stderr).toContain('slow-create');
  });
});
