import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserStepSummary } from '../../src/model/browser-summary.js';
import type { RunReport } from '../../src/report/report-json.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/webrtc-pair/fixture-server.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

// An adapter is a module a user writes: the scenario names it by a path relative to the
// scenario file, and roomgate loads it (TypeScript included) whatever the working directory.
describe('adapter modules named by a scenario', () => {
  let fixture: FixtureServer;
  beforeAll(async () => {
    fixture = await startFixtureServer();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('a TypeScript adapter for a page with a Join button, relative to the scenario, from another working directory', async () => {
    const out = mkdtempSync(join(tmpdir(), 'roomgate-adapter-module-'));
    const run = await runCli(['run', join(REPO_ROOT, 'test/fixtures/webrtc-pair/join-button.yaml'), '--out', out], {
      cwd: tmpdir(),
      env: { FIXTURE_URL: `${fixture.url}/call?room=module` },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    const summary = report.steps[0]!.summary as unknown as BrowserStepSummary;
    expect(summary.adapter).toBe('join-button page');
    expect(summary.participants.map((p) => p.status)).toEqual(['joined', 'joined']);
    expect(summary.participants.every((p) => p.timeToFirstFrameMs! > 0)).toBe(true);
  });

  it('a missing adapter module, or one that exports no adapter, is a config error (exit 2) naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomgate-adapter-bad-'));
    const scenario = (adapter: string) =>
      `name: bad\nsteps:\n  - type: browser\n    options:\n      joinUrls: ["http://127.0.0.1:9/"]\n      adapter: ${adapter}\n`;
    writeFileSync(join(dir, 'missing.yaml'), scenario('./nowhere.ts'));
    const missing = await runCli(['run', join(dir, 'missing.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nowhere\.ts does not exist/);

    writeFileSync(join(dir, 'empty.mjs'), 'export const something = 1;\n');
    writeFileSync(join(dir, 'empty.yaml'), scenario('./empty.mjs'));
    const empty = await runCli(['run', join(dir, 'empty.yaml')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/exports neither `default` nor `adapter`/);

    writeFileSync(join(dir, 'nameless.mjs'), "export default { joined: { selector: '#in' }, join: async () => {} };\n");
    writeFileSync(join(dir, 'nameless.yaml'), scenario('./nameless.mjs'));
    const nameless = await runCli(['run', join(dir, 'nameless.yaml')]);
    expect(nameless.code).toBe(2);
    expect(nameless.stderr).toMatch(/needs a `name`/);
  });
});
