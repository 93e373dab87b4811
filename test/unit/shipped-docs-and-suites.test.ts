import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOW_RESOLUTION_CLIP } from '../../src/browser/launch/fake-video.js';
import { loadRunConfig } from '../../src/config/load-config.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

describe('what the shipped suites and docs promise is what they do', () => {
  it("every suite with a contract step and a browser step turns on the browser step's webhook check (the contract step skips participant events for it)", async () => {
    const suites = readdirSync(join(REPO_ROOT, 'suites')).filter((f) => f.endsWith('.yaml'));
    let checked = 0;
    for (const file of suites) {
      const config = await loadRunConfig([join(REPO_ROOT, 'suites', file)], { env: {} });
      const steps = config.scenarios.flatMap((s) => s.steps);
      if (!steps.some((s) => s.type === 'contract') || !steps.some((s) => s.type === 'browser')) continue;
      checked++;
      for (const browser of steps.filter((s) => s.type === 'browser'))
        expect({ suite: file, step: browser.name, webhooks: browser.options['webhooks'] }).toEqual({ suite: file, step: browser.name, webhooks: true });
    }
    // smoke has both; the test must not pass by finding nothing.
    expect(checked).toBeGreaterThan(0);
  });

  it('the fake camera size in --help, the README and docs/ is the clip the browser step generates', async () => {
    const { width, height, fps } = LOW_RESOLUTION_CLIP;
    const help = await runCli(['browser', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`${width}x${height} clip at ${fps} fps`);
    const guides = readdirSync(join(REPO_ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join('docs', f));
    const docs = ['README.md', ...guides].map((f) => readFileSync(join(REPO_ROOT, f), 'utf8')).join('\n');
    const claims = [...docs.matchAll(/fake (?:\d+×\d+ @ \d+ fps )?camera(?: \d+×\d+ @ \d+ fps)?/g)].map((m) => m[0]);
    // At least one claim states the size, so the loop below cannot pass by finding none.
    expect(claims.filter((c) => /\d/.test(c)).length).toBeGreaterThan(0);
    for (const claim of claims.filter((c) => /\d/.test(c))) expect(claim).toContain(`${width}×${height} @ ${fps} fps`);
  });
});
