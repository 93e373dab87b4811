import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../src/config/load-config.js';
import {
  BUNDLED_PACT,
  BUNDLED_SMOKE_SUITE,
  BUNDLED_SPEC,
  PACKAGE_ROOT,
  RUNTIME_ASSETS,
  packageVersion,
  resolveRunFile,
  schemaFile,
} from '../../src/package-assets.js';
import { buildStep, relativeToScenario } from '../../src/runner/step-catalog.js';
import { planInit } from '../../src/cli/init/init-files.js';
import { loadProfile } from '../../src/profile/load-profile.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

describe('package assets resolve from the package, not the current directory', () => {
  it('finds the package root and every bundled file and runtime asset', () => {
    expect(PACKAGE_ROOT).toBe(REPO_ROOT);
    for (const path of [BUNDLED_SPEC, BUNDLED_PACT, BUNDLED_SMOKE_SUITE, schemaFile('scenario'), schemaFile('suite'), ...Object.values(RUNTIME_ASSETS)]) {
      expect(existsSync(path), path).toBe(true);
    }
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("a suites/ or scenarios/ name missing from the cwd falls back to the bundled file; the user's own file wins", async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'roomgate-cwd-'));
    expect(resolveRunFile('suites/ci-gate.yaml', cwd)).toEqual({ path: join(PACKAGE_ROOT, 'suites', 'ci-gate.yaml'), bundled: true });
    expect(resolveRunFile('./scenarios/soak.yaml', cwd)).toEqual({ path: join(PACKAGE_ROOT, 'scenarios', 'soak.yaml'), bundled: true });
    // Not a bundled name: left for the loader to report as missing, from the cwd.
    expect(resolveRunFile('suites/nope.yaml', cwd)).toEqual({ path: 'suites/nope.yaml', bundled: false });
    expect(resolveRunFile('my/ci-gate.yaml', cwd)).toEqual({ path: 'my/ci-gate.yaml', bundled: false });
    await mkdir(join(cwd, 'suites'));
    await writeFile(join(cwd, 'suites', 'ci-gate.yaml'), 'name: mine\nscenarios: []\n');
    expect(resolveRunFile('suites/ci-gate.yaml', cwd)).toEqual({ path: 'suites/ci-gate.yaml', bundled: false });
  });

  it('a scenario names its spec and pacts relative to its own file; absolute paths stay', () => {
    const step = {
      type: 'pact' as const,
      name: 'pact',
      options: { spec: '../contracts/api.yaml', pacts: ['pacts/a.json', '/abs/b.json'], timeout: '30s' },
      slos: [],
      at: { file: 'gates/nested/pact.yaml', line: 3, path: 'steps[0]' },
    };
    expect(relativeToScenario(step)).toEqual({
      spec: join('gates', 'contracts', 'api.yaml'),
      pacts: [join('gates', 'nested', 'pacts', 'a.json'), '/abs/b.json'],
      timeout: '30s',
    });
  });
});

describe('roomgate init scaffold', () => {
  it('writes a suite and scenarios that pass schema validation and build, with $schema lines to the installed package', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'roomgate-init-'));
    const plan = planInit('gates', cwd);
    expect(plan.dir).toBe('gates');
    expect(plan.needsInstall).toBe(true);
    expect(plan.files.map((f) => f.path)).toEqual([
      'gates/ci-gate.yaml',
      'gates/contract.yaml',
      'gates/soak.yaml',
      'gates/profile.yaml',
      'gates/videoconnect.v1.openapi.yaml',
      '.github/workflows/roomgate.yml',
    ]);
    for (const file of plan.files) {
      await mkdir(join(cwd, file.path, '..'), { recursive: true });
      if ('text' in file.content) await writeFile(join(cwd, file.path), file.content.text);
      else await copyFile(file.content.copyOf, join(cwd, file.path));
    }
    const suite = plan.files[0]!.content as { text: string };
    expect(suite.text).toContain('# yaml-language-server: $schema=../node_modules/roomgate/schemas/suite.schema.json');
    expect((plan.files[5]!.content as { text: string }).text).toContain('npx roomgate run gates/ci-gate.yaml');

    const env = { ROOMGATE_TARGET: 'http://127.0.0.1:9', ROOMGATE_CLIENT_ID: 'id', ROOMGATE_CLIENT_SECRET: 'secret' };
    const config = await loadRunConfig([join(cwd, 'gates', 'ci-gate.yaml'), join(cwd, 'gates', 'soak.yaml')], { env });
    expect(config.scenarios.map((s) => s.name)).toEqual(['contract', 'soak']);
    expect(config.scenarios[0]!.target).toEqual({ url: env.ROOMGATE_TARGET, profile: 'profile.yaml', clientId: 'id', clientSecret: 'secret' });
    // The scenarios name the scaffold's profile: the built-in one's roles and auth, the copied document, the package's pact.
    const profile = await loadProfile(join(cwd, 'gates', 'profile.yaml'));
    expect(profile.name).toBe('VideoConnect v1');
    expect(resolve(profile.spec.path)).toBe(join(cwd, 'gates', 'videoconnect.v1.openapi.yaml'));
    expect(profile.conventions.pacts).toEqual([join(cwd, 'node_modules', 'roomgate', 'contracts', 'pacts', 'roomgate-videoconnect.json')]);
    for (const scenario of config.scenarios) {
      for (const step of scenario.steps) await buildStep(step, { profile });
    }
    // No default target: an unset variable is a config error, never a silent embedded run.
    await expect(loadRunConfig([join(cwd, 'gates', 'ci-gate.yaml')], { env: {} })).rejects.toThrow('${ROOMGATE_TARGET} is not set');
  });
});
