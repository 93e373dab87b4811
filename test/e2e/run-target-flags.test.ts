import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { startSilentServer } from '../helpers/silent-server.js';

const SMOKE = join(REPO_ROOT, 'suites/smoke.yaml');
/** The environment a CI job might carry must not fill in what the test leaves out. */
const NO_TARGET_ENV = { ROOMGATE_TARGET: undefined, ROOMGATE_CLIENT_ID: undefined, ROOMGATE_CLIENT_SECRET: undefined };

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** Run in an empty folder, so "no report folder" is visible as an empty folder. */
async function runInEmptyDir(args: string[]) {
  const cwd = await mkdtemp(join(tmpdir(), 'roomgate-target-flags-'));
  const run = await runCli(args, { cwd, env: NO_TARGET_ENV, timeoutMs: 60_000 });
  return { run, entries: await readdir(cwd) };
}

describe('roomgate run: bad target flags are a usage error before anything runs', () => {
  it('--target without credentials exits 2, says it once, starts no step and writes no report folder', async () => {
    const { run, entries } = await runInEmptyDir(['run', SMOKE, '--target', 'http://127.0.0.1:9']);
    expect(run.code).toBe(2);
    expect(occurrences(run.stderr, 'needs client credentials')).toBe(1);
    expect(run.stderr).toContain('hint: pass --client-id and --client-secret');
    expect(run.stdout).not.toContain('reports →');
    expect(entries).toEqual([]);
  });

  it('--target notaurl exits 2, says it once, starts no step and writes no report folder', async () => {
    const { run, entries } = await runInEmptyDir(['run', SMOKE, '--target', 'notaurl', '--client-id', 'a', '--client-secret', 'b']);
    expect(run.code).toBe(2);
    expect(occurrences(run.stderr, '--target "notaurl" is not a URL')).toBe(1);
    expect(run.stdout).toBe('');
    expect(entries).toEqual([]);
  });

  it('a scenario file whose target.url is not a URL names the file, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-target-url-'));
    const file = join(dir, 'bad-url.yaml');
    await writeFile(file, 'name: bad-url\ntarget:\n  url: ftp://example.invalid\n  clientId: a\n  clientSecret: b\nsteps:\n  - type: contract\n');
    const { run, entries } = await runInEmptyDir(['run', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`target.url of ${file} must be http or https`);
    expect(entries).toEqual([]);
  });
});

describe('roomgate run against a target that accepts connections and never answers', () => {
  it('is an invalid run (exit 3), "no response within N s" bounded by --request-timeout, one wait for the whole suite', async () => {
    const silent = await startSilentServer();
    try {
      const out = await mkdtemp(join(tmpdir(), 'roomgate-silent-'));
      const run = await runCli(['run', SMOKE, '--target', silent.url, '--client-id', 'a', '--client-secret', 'b', '--request-timeout', '1s', '--out', out], {
        env: NO_TARGET_ENV,
        timeoutMs: 90_000,
      });
      expect(run.code, run.stderr).toBe(3);
      expect(run.stdout).toContain(`no response within 1 s from ${silent.url}`);
      expect(run.stdout).not.toContain('cannot reach');
      const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as { run: { status: string }; steps: { name: string; status: string }[] };
      expect(report.run.status).toBe('invalid');
      expect(report.steps.map((s) => s.status)).toEqual(['invalid', 'invalid', 'invalid']);
      // The three scenarios share the probe's verdict; no step sat through its own per-request timeouts.
      expect(silent.connections()).toBe(1);
    } finally {
      await silent.close();
    }
  });
});

describe('roomgate run of a scenario that names its own target', () => {
  it('names that target in the run header and report, never the embedded reference server', async () => {
    const silent = await startSilentServer();
    try {
      const dir = await mkdtemp(join(tmpdir(), 'roomgate-own-target-'));
      const file = join(dir, 'own.yaml');
      await writeFile(file, `name: own\ntarget:\n  url: ${silent.url}\n  clientId: a\n  clientSecret: b\nsteps:\n  - type: contract\n`);
      const run = await runCli(['run', file, '--request-timeout', '1s', '--out', join(dir, 'out')], { env: NO_TARGET_ENV, timeoutMs: 60_000 });
      expect(run.code, run.stderr).toBe(3);
      expect(`${run.stdout}${run.stderr}`).not.toContain('embedded reference server');
      const report = JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8')) as { target: { baseUrl: string; embedded: boolean } };
      expect(report.target).toMatchObject({ baseUrl: silent.url, embedded: false });
    } finally {
      await silent.close();
    }
  });
});
