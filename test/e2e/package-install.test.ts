import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/report-json.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import { REPO_ROOT, runProcess, type CliOptions, type CliRun } from '../helpers/run-cli.js';

/**
 * roomgate as a user meets it: `npm pack` of the dist/ the prepack build made, the tarball
 * installed into a fresh project outside the checkout, and everything run
 * there through `npx roomgate` and `import 'roomgate'`. Nothing here uses the
 * checkout's sources: a missing asset, a path resolved from the cwd, a
 * runtime need for tsx or a wrong `exports` entry fails these tests.
 */

// The outer `npm test` exports npm_config_* (local prefix, cache, …) and npm_lifecycle_*; the inner npm
// and roomgate must see a user's shell instead, or npm would install into the checkout.
const cleanEnv: Record<string, string | undefined> = Object.fromEntries(
  Object.keys(process.env)
    .filter((key) => key.startsWith('npm_') || key.startsWith('ROOMGATE_'))
    .map((key) => [key, undefined]),
);

let work: string;
let project: string;
let tarball: string;
let installOutput: string;

/** The version of a package the checkout has installed. */
const checkoutVersion = (pkg: string) =>
  (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

function inProject(command: string, args: string[], options: CliOptions = {}): Promise<CliRun> {
  return runProcess(command, args, { cwd: project, timeoutMs: 180_000, ...options, env: { ...cleanEnv, ...options.env } });
}
const npx = (args: string[], options: CliOptions = {}) => inProject('npx', ['roomgate', ...args], options);

async function readReport(dir: string): Promise<RunReport> {
  return JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as RunReport;
}

/** `roomgate serve` from the installed package on a free loopback port; stopped by its PID. */
async function serveInstalled(extra: string[] = []): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [join(project, 'node_modules', 'roomgate', 'bin', 'roomgate.js'), 'serve', '--port', '0', '--host', '127.0.0.1', ...extra],
    {
      cwd: project,
      env: { ...process.env, ...cleanEnv, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((done, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`roomgate serve did not start: ${out}`)), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        done(match[1]!);
      }
    });
    child.once('exit', (code) => fail(new Error(`roomgate serve exited (${code}): ${out}`)));
  });
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGINT');
      await exited;
    },
  };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'roomgate-package-'));
  // --ignore-scripts: test/global-setup.ts already ran the prepack build (scripts/build.js), and rebuilding
  // here would replace dist/ under the other test files' CLI runs.
  const pack = await runProcess('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { env: cleanEnv, timeoutMs: 240_000 });
  expect(pack.code, pack.stderr).toBe(0);
  tarball = join(work, (JSON.parse(pack.stdout) as { filename: string }[])[0]!.filename);
  project = join(work, 'project');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '9.9.9', private: true, type: 'module' }, null, 2)}\n`);
  // Exact versions the checkout already has, so --prefer-offline finds them in npm's cache.
  const install = await inProject(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--save-dev',
      tarball,
      `typescript@${checkoutVersion('typescript')}`,
      `@types/node@${checkoutVersion('@types/node')}`,
    ],
    {
      timeoutMs: 300_000,
    },
  );
  installOutput = install.stdout + install.stderr;
  expect(install.code, installOutput).toBe(0);
}, 600_000);

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('roomgate as an installed package (npm pack → npm install in a fresh project)', () => {
  it('ships dist/, bin/, the contract, schemas, suites, scenarios, README and LICENSE, and no test, CI, report or source files', async () => {
    const dry = await runProcess('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { env: cleanEnv });
    expect(dry.code, dry.stderr).toBe(0);
    const files = (JSON.parse(dry.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    const allowed = /^(dist\/|bin\/roomgate\.js$|contracts\/|schemas\/|profiles\/|suites\/|scenarios\/|docs\/|README\.md$|LICENSE$|package\.json$)/;
    expect(files.filter((path) => !allowed.test(path))).toEqual([]);
    expect(
      files.filter((path) => /(^|\/)(test|\.ci|reports|src|bench|node_modules)\//.test(path) || (path.endsWith('.ts') && !path.endsWith('.d.ts'))),
    ).toEqual([]);
    for (const needed of [
      'bin/roomgate.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'dist/contract/pact/pact-verifier-child.js',
      'dist/browser/probe/probe.js',
      'dist/reference/join/client/join-client.js',
      'dist/report/html/report-app.js',
      'dist/report/html/report.css',
      'contracts/videoconnect.v1.openapi.yaml',
      'contracts/pacts/roomgate-videoconnect.json',
      'schemas/scenario.schema.json',
      'schemas/suite.schema.json',
      'schemas/profile.schema.json',
      'profiles/videoconnect.yaml',
      'suites/smoke.yaml',
      'scenarios/contract-gate.yaml',
      'README.md',
      'LICENSE',
    ]) {
      expect(files, needed).toContain(needed);
    }
  });

  it('installs as a copy outside the checkout, without tsx or esbuild, install scripts or engine warnings', async () => {
    const installed = join(project, 'node_modules', 'roomgate');
    expect((await lstat(installed)).isSymbolicLink()).toBe(false);
    expect((await realpath(installed)).startsWith(resolve(REPO_ROOT))).toBe(false);
    expect(project.startsWith(resolve(REPO_ROOT))).toBe(false);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(existsSync(join(project, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(project, 'node_modules', 'esbuild'))).toBe(false);
    expect(installOutput).not.toMatch(/EBADENGINE|install-scripts/);
    const version = await npx(['--version']);
    expect(version.code).toBe(0);
    // roomgate's own version, not the consumer project's 9.9.9.
    expect(version.stdout.trim()).toBe((JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as { version: string }).version);
    // Without tsx, a TypeScript adapter is a config error that says how to load it, before anything starts.
    await writeFile(join(project, 'my-adapter.ts'), "export default { name: 'mine', joined: '#joined' };\n");
    const tsAdapter = await npx(['browser', '--adapter', 'my-adapter.ts', '--join-url', 'http://127.0.0.1:9/room']);
    expect(tsAdapter.code, tsAdapter.stderr).toBe(2);
    expect(tsAdapter.stderr).toContain('npm install --save-dev tsx');
  });

  it('npx roomgate contract passes against the embedded server, Pact verification included', async () => {
    const run = await npx(['contract', '--junit', 'contract.xml']);
    expect(run.stderr).not.toContain('unexpected error');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/✓ pact\s+pact\.provider-verification/);
    expect(run.stdout).toMatch(/contract PASSED: \d+ passed, 0 failed/);
    // The user's --junit path resolves from the current directory.
    expect(existsSync(join(project, 'contract.xml'))).toBe(true);
  }, 120_000);

  it('npx roomgate run runs the bundled smoke suite (contract, burst, Chromium participants) and reports into ./reports', async () => {
    const run = await npx(['run']);
    // Every command writes a run folder into ./reports (the contract run above too): the smoke suite's is one.
    const runs = (await readdir(join(project, 'reports'))).filter((name) => name.endsWith('-smoke'));
    expect(runs).toHaveLength(1);
    const dir = join(project, 'reports', runs[0]!);
    const report = await readReport(dir);
    expect(report.run.name).toBe('smoke');
    expect(report.steps.map((s) => s.kind)).toEqual(['contract', 'load', 'browser']);
    expect(report.steps[0]!.status).toBe('passed');
    // Every participant joined and saw media (the browser checks), whatever the host's load.
    const browser = report.steps[2]!;
    expect(browser.checks.length).toBeGreaterThan(0);
    expect(browser.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    if (report.run.status === 'invalid') {
      // A starved shared host makes the browser step's overload detector void the figures (exit 3): that
      // verdict is about this machine, not the package; anything else must pass.
      expect(report.run.reason, run.stdout).toMatch(/harness was overloaded/);
      expect(run.code).toBe(3);
    } else if (report.run.status === 'failed') {
      // Or, starved without tripping the detector, a join-time SLO of the browser step (12 s against 10 s
      // at load average 30): the contract and the burst passed and every participant joined (above).
      expect(run.code).toBe(1);
      expect(report.steps.slice(0, 2).map((s) => s.status)).toEqual(['passed', 'passed']);
      expect(
        browser.slos.filter((s) => s.status !== 'passed').every((s) => /^join_time\./.test(s.expression)),
        run.stdout,
      ).toBe(true);
    } else {
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(report.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed']);
    }
    // report.html inlines uPlot and the page script from the package.
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('uPlot');
    expect(html.length).toBeGreaterThan(50_000);
  }, 240_000);

  it('npx roomgate init scaffolds roomgate/ with $schema lines into the package, never overwrites, and needs a target', async () => {
    const init = await npx(['init']);
    expect(init.code, init.stderr).toBe(0);
    for (const file of [
      'roomgate/ci-gate.yaml',
      'roomgate/contract.yaml',
      'roomgate/soak.yaml',
      'roomgate/profile.yaml',
      'roomgate/videoconnect.v1.openapi.yaml',
      '.github/workflows/roomgate.yml',
    ]) {
      expect(existsSync(join(project, file)), file).toBe(true);
      expect(init.stdout).toContain(file);
    }
    expect(init.stdout).toContain('npx roomgate run roomgate/ci-gate.yaml');
    const suite = await readFile(join(project, 'roomgate', 'ci-gate.yaml'), 'utf8');
    const schemaRef = /\$schema=(\S+)/.exec(suite)![1]!;
    expect(schemaRef).toBe('../node_modules/roomgate/schemas/suite.schema.json');
    expect(existsSync(resolve(project, 'roomgate', schemaRef))).toBe(true);

    await writeFile(join(project, 'roomgate', 'soak.yaml'), '# mine\n');
    const again = await npx(['init']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/kept \(already there, not overwritten\)[\s\S]*roomgate\/soak\.yaml/);
    expect(await readFile(join(project, 'roomgate', 'soak.yaml'), 'utf8')).toBe('# mine\n');

    // No target in the environment: a config error before anything runs, never a silent embedded run.
    const unset = await npx(['run', 'roomgate/ci-gate.yaml']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('${ROOMGATE_TARGET} is not set');
  }, 180_000);

  const credentials = { ROOMGATE_CLIENT_ID: LOCAL_CREDENTIALS.clientId, ROOMGATE_CLIENT_SECRET: LOCAL_CREDENTIALS.clientSecret };

  it('the scaffolded ci-gate passes against a clean `roomgate serve` from the installed package (ROOMGATE_TARGET)', async () => {
    const clean = await serveInstalled();
    try {
      const run = await npx(['run', 'roomgate/ci-gate.yaml', '--out', 'reports/gate-clean'], { env: { ROOMGATE_TARGET: clean.url, ...credentials } });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const report = await readReport(join(project, 'reports', 'gate-clean'));
      expect(report.target).toMatchObject({ baseUrl: clean.url, embedded: false });
      expect(report.steps.map((s) => [s.name, s.status])).toEqual([
        ['contract', 'passed'],
        ['pact', 'passed'],
      ]);
      expect(await readFile(join(project, 'reports', 'gate-clean', 'report.json'), 'utf8')).not.toContain(LOCAL_CREDENTIALS.clientSecret);
    } finally {
      await clean.stop();
    }
  }, 240_000);

  it("the GitHub Action's scripts (what action.yml runs) use the project's roomgate and fail the ci-gate against a faulty target", async () => {
    const faulty = await serveInstalled(['--fault', 'envelope']);
    try {
      const github = {
        GITHUB_OUTPUT: join(work, 'github-output'),
        GITHUB_STEP_SUMMARY: join(work, 'step-summary.md'),
        GITHUB_ACTION_PATH: REPO_ROOT,
        GITHUB_RUN_ID: '42',
      };
      const install = await inProject('bash', [join(REPO_ROOT, 'action', 'install.sh')], { env: github });
      expect(install.code, install.stdout + install.stderr).toBe(0);
      const entry = /^entry=(.+)$/m.exec(await readFile(github.GITHUB_OUTPUT, 'utf8'))![1]!;
      // The project's installed roomgate, not the action's checkout.
      expect(entry).toBe(join(project, 'node_modules', 'roomgate', 'bin', 'roomgate.js'));
      const action = await inProject('bash', [join(REPO_ROOT, 'action', 'run.sh')], {
        env: { ...github, ACTION_ENTRY: entry, ACTION_SUITE: 'roomgate/ci-gate.yaml', ACTION_ARGS: '', ROOMGATE_TARGET: faulty.url, ...credentials },
      });
      expect(action.code, action.stdout + action.stderr).toBe(0);
      const outputs = await readFile(github.GITHUB_OUTPUT, 'utf8');
      expect(outputs).toMatch(/^exit-code=1$/m);
      const reportDir = /^report-dir=(reports\/action-42-\S+)$/m.exec(outputs)![1]!;
      expect(await readFile(github.GITHUB_STEP_SUMMARY, 'utf8')).toContain('ci-gate');
      const report = await readReport(join(project, reportDir));
      expect(report.steps[0]).toMatchObject({ name: 'contract', status: 'failed' });
      expect(report.steps[0]!.checks.some((c) => c.status === 'failed' && c.name.startsWith('envelope.'))).toBe(true);
    } finally {
      await faulty.stop();
    }
  }, 240_000);

  it('a SIGINT sent to the npx process reaches roomgate: partial report, exit 130', async () => {
    let sent = false;
    // scenarios/contract-gate.yaml is not in the project: the bundled one runs.
    const run = await npx(['run', 'scenarios/contract-gate.yaml', '--out', 'reports/interrupted'], {
      timeoutMs: 90_000,
      onSpawn: (child) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          // Only npm's PID is known here, as for a CI runner cancelling `npx roomgate run`.
          if (!sent && chunk.toString().includes('▶ contract')) {
            sent = true;
            setTimeout(() => process.kill(child.pid!, 'SIGINT'), 1000);
          }
        });
      },
    });
    expect(sent).toBe(true);
    // npm exits like its command: by the same signal (the shell re-raises it) or with its code.
    expect(run.code === 130 || run.signal === 'SIGINT', `code ${run.code} signal ${run.signal}`).toBe(true);
    expect(run.stderr).toContain('SIGINT received');
    const report = await readReport(join(project, 'reports', 'interrupted'));
    expect(report.run).toMatchObject({ name: 'contract-gate', status: 'interrupted', partial: true, exitCode: 130 });
    // (How the contract step itself labels an interruption is the step's business, tested in run-reports.test.ts.)
    expect(report.steps[0]!.name).toBe('contract');
  }, 120_000);

  it('the public API imports from plain Node ESM and type-checks with tsc', async () => {
    await writeFile(
      join(project, 'use-api.mjs'),
      [
        "import { createReferenceServer, VideoConnectClient, exitCodeFor, ExitCode } from 'roomgate';",
        'const server = await createReferenceServer({ port: 0 });',
        "const client = new VideoConnectClient({ baseUrl: server.url, credentials: { clientId: 'roomgate-local', clientSecret: 'roomgate-local-secret' } });",
        "const room = await client.createRoom({ name: 'from a consumer' });",
        'await server.close();',
        'console.log(JSON.stringify({ id: room.room.room_id, passed: exitCodeFor("passed"), usage: ExitCode.usage }));',
      ].join('\n'),
    );
    const esm = await inProject(process.execPath, ['use-api.mjs']);
    expect(esm.code, esm.stderr).toBe(0);
    expect(JSON.parse(esm.stdout)).toMatchObject({ id: expect.stringMatching(/^rm_/), passed: 0, usage: 2 });

    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'] },
        files: ['use-api.ts'],
      }),
    );
    await writeFile(
      join(project, 'use-api.ts'),
      [
        "import { createReferenceServer, loadRunConfig, type ReferenceServerOptions, type RunReport, type StepResult } from 'roomgate';",
        'const options: ReferenceServerOptions = { port: 0, host: "127.0.0.1" };',
        'const server = await createReferenceServer(options);',
        'const url: string = server.url;',
        "const config = await loadRunConfig(['node_modules/roomgate/suites/ci-gate.yaml']);",
        'const names: string[] = config.scenarios.map((s) => s.name);',
        'export function statusOf(report: RunReport): StepResult["status"][] { return report.steps.map((s) => s.status); }',
        '// Real types, not any: a wrong option must not compile.',
        '// @ts-expect-error port is a number',
        "await createReferenceServer({ port: 'eighty' });",
        'console.log(url, names);',
      ].join('\n'),
    );
    const tsc = await inProject(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  }, 120_000);
});
