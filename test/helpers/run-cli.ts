import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The built CLI, as the package runs it: test/global-setup.ts builds dist/ once
// before the tests start (a spawn through tsx compiles the sources every time).
// bin/roomgate.js itself is run by the package test, installed from the tarball.
export const BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kill the CLI after this long (a hung CLI must fail the test, not the suite). Default 120 s. */
  timeoutMs?: number;
  /** Called once with the child, e.g. to send SIGINT after it printed something. */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

/** Run the real roomgate CLI as a child process and collect its output. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return runProcess(process.execPath, [BIN, ...args], options);
}

/** Run any command (npm, npx, an installed roomgate) the same way: collected output, a kill deadline. */
export function runProcess(command: string, args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', CI: 'true', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    options.onSpawn?.(child);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
