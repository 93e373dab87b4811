import { spawn } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT } from '../helpers/run-cli.js';

/**
 * The process tree npm builds for `npx roomgate …` / `npm run`: npm → `sh -c
 * 'roomgate …'` → node. npm forwards a SIGINT to the shell only; these tests
 * play npm's part (send SIGINT to the shell's PID) with the real CLI.
 */
const linux = process.platform === 'linux';
const shIsDash = linux && realpathSync('/bin/sh').endsWith('dash');

interface ShellRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  roomgateAliveAfterSignal: boolean;
}

/** `sh -c "node bin/roomgate.js serve --port 0"`; once it listens, `kill(target, SIGINT)`; after 4 s, SIGKILL whatever is left. */
function serveUnderShell(env: Record<string, string | undefined>, target: 'shell' | 'group'): Promise<ShellRun> {
  return new Promise((resolve, reject) => {
    const command = `'${process.execPath}' '${BIN}' serve --port 0`;
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', npm_lifecycle_event: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: target === 'group',
    });
    let stdout = '';
    let stderr = '';
    let roomgatePid: number | undefined;
    let roomgateAliveAfterSignal = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const first = !stdout.includes('listening on');
      stdout += chunk;
      if (!first || !stdout.includes('listening on')) return;
      roomgatePid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
      // The relay needs a poll or two to see the shell wake; give roomgate up to 4 s to react.
      process.kill(target === 'group' ? -child.pid! : child.pid!, 'SIGINT');
      setTimeout(() => {
        try {
          process.kill(roomgatePid!, 0);
          roomgateAliveAfterSignal = true;
          process.kill(roomgatePid!, 'SIGKILL');
        } catch {
          // already gone: what the relay is for
        }
      }, 4000);
    });
    const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr, roomgateAliveAfterSignal });
    });
  });
}

describe.skipIf(!linux)('SIGINT sent to npm reaches roomgate through the shell npm runs it in', () => {
  it('under npm (npm_lifecycle_event set), a SIGINT to the parent shell stops roomgate cleanly with exit 130', async () => {
    const run = await serveUnderShell({ npm_lifecycle_event: 'npx' }, 'shell');
    expect(run.stdout).toContain('listening on');
    expect(run.stderr).toContain('SIGINT received');
    expect(run.stdout).toContain('roomgate serve: stopped');
    expect(run.roomgateAliveAfterSignal).toBe(false);
    // dash re-raises the SIGINT it held once its command is gone; a shell that exec'd passes on 130.
    expect(run.code === 130 || run.signal === 'SIGINT', `code ${run.code} signal ${run.signal}`).toBe(true);
  });

  it.skipIf(!shIsDash)('without the relay (not under npm) the same SIGINT stops at dash and roomgate keeps running', async () => {
    const run = await serveUnderShell({}, 'shell');
    expect(run.stdout).toContain('listening on');
    expect(run.stderr).not.toContain('SIGINT received');
    expect(run.roomgateAliveAfterSignal).toBe(true);
  });

  it('a Ctrl-C (SIGINT to the whole process group) is handled once, not once more for the shell', async () => {
    const run = await serveUnderShell({ npm_lifecycle_event: 'npx' }, 'group');
    expect(run.stderr).toContain('SIGINT received');
    expect(run.stderr).not.toContain('second SIGINT');
    expect(run.stdout).toContain('roomgate serve: stopped');
    expect(run.roomgateAliveAfterSignal).toBe(false);
  });
});
