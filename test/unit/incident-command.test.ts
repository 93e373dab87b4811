import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidRunError } from '../../src/errors.js';
import { commandSucceeded, describeCommand, IncidentCommandStartError, runCommand, type CommandOutcome } from '../../src/incident/incident-command.js';

/** The state letter of a process in /proc (`S` sleeping, `T` stopped, …), or undefined once it is gone. */
function processState(pid: number): string | undefined {
  try {
    // The command name is in parentheses and may hold spaces; the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  const state = processState(pid);
  return state !== undefined && state !== 'Z';
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('an incident command', () => {
  it('reports its exit code and the tails of what it printed, without printing them', async () => {
    const outcome = await runCommand({ argv: ['sh', '-c', 'echo restarting; echo "no such unit" >&2; exit 3'], shell: false }, { timeoutMs: 10_000 });
    expect(outcome).toMatchObject({ status: 'exited', exitCode: 3, stdoutTail: 'restarting\n', stderrTail: 'no such unit\n', truncated: false });
    expect(commandSucceeded(outcome)).toBe(false);
    if (outcome.status === 'exited') expect(outcome.endedAt).toBeGreaterThanOrEqual(outcome.startedAt);
  });

  it('passes its arguments as given: no shell reads them', async () => {
    const outcome = await runCommand({ argv: ['printf', '%s|', '$HOME', 'a b', '*'], shell: false }, { timeoutMs: 10_000 });
    expect(outcome).toMatchObject({ status: 'exited', exitCode: 0, stdoutTail: '$HOME|a b|*|' });
    expect(commandSucceeded(outcome)).toBe(true);
  });

  it('runs one script through /bin/sh when the user asks for a shell', async () => {
    const outcome = await runCommand(
      { argv: ['echo "$ROOMGATE_INCIDENT_PHASE" && exit 0'], shell: true },
      { timeoutMs: 10_000, env: { ROOMGATE_INCIDENT_PHASE: 'start' } },
    );
    expect(outcome).toMatchObject({ status: 'exited', exitCode: 0, stdoutTail: 'start\n' });
  });

  it('keeps only the last bytes of a long output', async () => {
    const outcome = await runCommand(
      { argv: ['sh', '-c', 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done'], shell: false },
      { timeoutMs: 10_000, tailBytes: 64 },
    );
    expect(outcome.status).toBe('exited');
    if (outcome.status !== 'exited') return;
    expect(outcome.truncated).toBe(true);
    expect(outcome.stdoutTail.length).toBeLessThanOrEqual(64);
    expect(outcome.stdoutTail.endsWith('line 1999\n')).toBe(true);
  });

  it('is a typed failure with a hint when the program does not exist', async () => {
    const outcome = await runCommand({ argv: ['/nonexistent/restart-my-service', '--now'], shell: false }, { timeoutMs: 10_000 });
    expect(outcome.status).toBe('failed-to-start');
    if (outcome.status !== 'failed-to-start') return;
    expect(outcome.error).toBeInstanceOf(IncidentCommandStartError);
    expect(outcome.error).toBeInstanceOf(InvalidRunError);
    expect(outcome.error.code).toBe('ENOENT');
    expect(outcome.error.exitCode).toBe(3);
    expect(outcome.error.hint).toMatch(/installed and on PATH/);
  });

  it('is ended with its whole process group at the timeout', async () => {
    const outcome = await runCommand({ argv: ['sh', '-c', 'sleep 30 & echo $!; wait'], shell: false }, { timeoutMs: 300 });
    expect(outcome.status).toBe('timed-out');
    const sleeper = Number((outcome as CommandOutcome & { stdoutTail: string }).stdoutTail.trim());
    expect(sleeper).toBeGreaterThan(0);
    await until(() => !isAlive(sleeper));
  });

  it('is ended when the run is aborted', async () => {
    const controller = new AbortController();
    const running = runCommand({ argv: ['sleep', '30'], shell: false }, { timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    const outcome = await running;
    expect(outcome.status).toBe('aborted');
    if (outcome.status === 'aborted') await until(() => !isAlive(outcome.pid));
  });

  it('stops and continues a process by its pid (kill -STOP / kill -CONT)', async () => {
    const victim = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(victim);
    const pid = victim.pid!;
    await until(() => processState(pid) === 'S');

    const stopped = await runCommand({ argv: ['kill', '-STOP', String(pid)], shell: false }, { timeoutMs: 10_000 });
    expect(stopped).toMatchObject({ status: 'exited', exitCode: 0 });
    await until(() => processState(pid) === 'T');

    const continued = await runCommand({ argv: ['kill', '-CONT', String(pid)], shell: false }, { timeoutMs: 10_000 });
    expect(continued).toMatchObject({ status: 'exited', exitCode: 0 });
    await until(() => processState(pid) === 'S');
  });

  it('reads as the user wrote it in events and reports', () => {
    expect(describeCommand({ argv: ['kill', '-STOP', '1234'], shell: false })).toBe('kill -STOP 1234');
    expect(describeCommand({ argv: ['systemctl', 'restart', 'my service'], shell: false })).toBe('systemctl restart "my service"');
    expect(describeCommand({ argv: ['docker restart sfu'], shell: true })).toBe('sh -c "docker restart sfu"');
  });
});
