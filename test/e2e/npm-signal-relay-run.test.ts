import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/report-json.js';
import { BIN, REPO_ROOT } from '../helpers/run-cli.js';
import { startHangingDeleteServer } from '../fixtures/hostile/index.js';

/**
 * `npx roomgate load …` stopped while it cleans up, the way npm passes a
 * signal on: to the shell it runs roomgate in (npm → sh -c → node), never to
 * roomgate itself. The target's DELETEs never answer, so the signal lands in
 * the teardown (the moment the first cleanup DELETE arrives) and cleanup can
 * close nothing. Then:
 *
 * - the exit code npm reports and report.json agree: 130 for SIGINT (the
 *   shell passes roomgate's code on), 143 for SIGTERM (the shell dies of it
 *   at once; roomgate, told by its relay, finishes and its report says 143);
 * - cleanup says exactly which rooms are left open: the ids the target
 *   still holds open.
 */
const linux = process.platform === 'linux';

interface ShellRun {
  /** The shell's exit, as npm would report it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** roomgate had ended (or was reaped) when the test looked after the shell's exit plus its drain. */
  roomgateEnded: boolean;
}

function isGone(pid: number): boolean {
  try {
    // A zombie (ended, not yet reaped by its new parent) has ended too.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') === true;
  } catch {
    return true;
  }
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'roomgate-npm-signal-run-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe.skipIf(!linux)('a signal npm passes on during cleanup', () => {
  for (const [signal, exitCode] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal}: the exit code and report.json agree (${exitCode}), and cleanup lists exactly the rooms left open`, async () => {
      let shellPid: number | undefined;
      let roomgatePid: number | undefined;
      const server = await startHangingDeleteServer({
        onDelete: () => {
          if (shellPid === undefined || roomgatePid !== undefined) return;
          roomgatePid = Number(readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, 'utf8').trim().split(/\s+/)[0]);
          process.kill(shellPid, signal);
        },
      });
      const out = join(work, signal);
      try {
        const run = await new Promise<ShellRun>((resolve, reject) => {
          const command = `'${process.execPath}' '${BIN}' load --target '${server.url}' --requests 40 --connections 2 --mix create=30,get=70 --room-pool 3 --out '${out}'`;
          const child = spawn('/bin/sh', ['-c', command], {
            cwd: REPO_ROOT,
            // As npx runs it; the credentials from the environment (the secret holds quotes a command line would mangle).
            env: {
              ...process.env,
              NO_COLOR: '1',
              CI: 'true',
              npm_lifecycle_event: 'npx',
              ROOMGATE_CLIENT_ID: server.credentials.clientId,
              ROOMGATE_CLIENT_SECRET: server.credentials.clientSecret,
            },
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          shellPid = child.pid;
          let stderr = '';
          child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
          const deadline = setTimeout(() => {
            child.kill('SIGKILL');
            if (roomgatePid !== undefined && !isGone(roomgatePid)) process.kill(roomgatePid, 'SIGKILL');
          }, 90_000);
          child.on('error', reject);
          // 'close' comes once the shell has exited and its stderr is closed: roomgate, which may outlive the
          // shell (SIGTERM kills dash at once), holds that pipe until it ends.
          child.on('close', (code, exitSignal) => {
            clearTimeout(deadline);
            resolve({ code, signal: exitSignal, stderr, roomgateEnded: roomgatePid === undefined || isGone(roomgatePid) });
          });
        });
        expect(roomgatePid, `no DELETE reached the target: ${run.stderr.slice(-1500)}`).toBeDefined();
        expect(run.roomgateEnded).toBe(true);
        expect(run.stderr).toContain(`${signal} received`);
        // What npm reports: dash re-raises the SIGINT it held once roomgate exited 130; SIGTERM kills it.
        expect(run.code === exitCode || run.signal === signal, `shell: code ${run.code} signal ${run.signal}`).toBe(true);

        const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
        expect(report.run).toMatchObject({ status: 'interrupted', exitCode });
        const step = report.steps[0];
        const cleanup = step?.kind === 'load' ? step.summary?.cleanup : undefined;
        if (cleanup === undefined || 'skipped' in cleanup) throw new Error(`no cleanup report: ${JSON.stringify(step).slice(0, 500)}`);
        expect(cleanup.cutShort).toBe('signal');
        expect(cleanup.deleted).toBe(0);
        const stillOpen = server.reference.store
          .list(server.credentials.clientId, { limit: 10_000 })
          .filter((room) => room.status !== 'closed')
          .map((room) => room.id);
        expect(stillOpen.length).toBeGreaterThan(3);
        expect(cleanup).toMatchObject({ verified: true, leftOver: stillOpen.length });
        expect([...(cleanup.leftOpen ?? [])].sort()).toEqual([...stillOpen].sort());
      } finally {
        await server.close();
      }
    }, 120_000);
  }
});
