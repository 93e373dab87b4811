import { spawn, type ChildProcess } from 'node:child_process';
import { InvalidRunError } from '../errors.js';
import { OutputTail } from './output-tail.js';

/**
 * A user's own command as an incident action: restart their service, stop
 * and continue a media server (`kill -STOP <pid>` / `kill -CONT <pid>`),
 * flip a feature flag. It runs as an argv array, no shell in between unless
 * the user asks for one, bounded by a timeout, and what it printed comes
 * back as data (the last few KiB of each stream) for the run's redactor and
 * reports: nothing here prints.
 */
export interface CommandLine {
  /** The program and its arguments; with `shell`, exactly one string: the script `/bin/sh -c` runs. */
  argv: readonly string[];
  shell: boolean;
}

export interface RunCommandOptions {
  /** How long the command may run; then its process group gets SIGTERM, and SIGKILL after a grace period. */
  timeoutMs: number;
  /** Aborting ends the command the same way as the timeout. */
  signal?: AbortSignal;
  /** Extra environment on top of roomgate's own. */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /** Bytes kept of each of stdout and stderr (default 4 KiB). */
  tailBytes?: number;
}

/** What a command did. `failed-to-start` means no process ever ran (a missing program, no permission). */
export type CommandOutcome =
  | (CommandRun & { status: 'exited'; exitCode: number })
  /** Ended by a signal roomgate did not send. */
  | (CommandRun & { status: 'signalled'; signal: NodeJS.Signals })
  | (CommandRun & { status: 'timed-out'; timeoutMs: number })
  | (CommandRun & { status: 'aborted' })
  | { status: 'failed-to-start'; argv: readonly string[]; startedAt: number; error: IncidentCommandStartError };

export interface CommandRun {
  argv: readonly string[];
  pid: number;
  /** Wall-clock ms. */
  startedAt: number;
  endedAt: number;
  durationMs: number;
  stdoutTail: string;
  stderrTail: string;
  /** True when either tail lost earlier output. */
  truncated: boolean;
}

/** An incident command that could not be started: the drill did not happen, so the run cannot be judged on it (exit 3). */
export class IncidentCommandStartError extends InvalidRunError {
  constructor(
    readonly argv: readonly string[],
    readonly code: string | undefined,
    cause: unknown,
  ) {
    super(`the incident command ${argv[0] ?? ''} could not be started (${code ?? (cause as Error).message})`, {
      hint:
        code === 'ENOENT'
          ? `check that "${argv[0] ?? ''}" is installed and on PATH, or give its absolute path`
          : code === 'EACCES'
            ? `make "${argv[0] ?? ''}" executable (chmod +x) or run it through its interpreter`
            : 'check the command and the working directory it runs in',
      cause,
    });
  }
}

/** True when the command ran and exited 0. */
export function commandSucceeded(outcome: CommandOutcome): boolean {
  return outcome.status === 'exited' && outcome.exitCode === 0;
}

/** `kill -STOP 1234` (or `sh -c '…'`): how a command reads in an event or a report line. */
export function describeCommand(command: CommandLine): string {
  return command.shell
    ? `sh -c ${JSON.stringify(command.argv[0] ?? '')}`
    : command.argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
}

const DEFAULT_TAIL_BYTES = 4096;
/** Between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;
/** How long to wait for stdout/stderr to close after the process exited (a background grandchild may hold them open). */
const STDIO_DRAIN_MS = 500;

export function runCommand(command: CommandLine, options: RunCommandOptions): Promise<CommandOutcome> {
  if (command.argv.length === 0 || (command.shell && command.argv.length !== 1)) {
    throw new RangeError(command.shell ? 'a shell command is exactly one script string' : 'a command needs at least the program to run');
  }
  const startedAt = Date.now();
  const [program, ...args] = command.argv as [string, ...string[]];
  let child: ChildProcess;
  try {
    child = spawn(program, command.shell ? [] : args, {
      shell: command.shell,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout ends what the command started too (a shell's children), by the group's id.
      detached: true,
      env: { ...process.env, ...options.env },
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
  } catch (error) {
    // spawn throws synchronously for impossible arguments (a NUL byte, a bad cwd type).
    return Promise.resolve({
      status: 'failed-to-start',
      argv: command.argv,
      startedAt,
      error: new IncidentCommandStartError(command.argv, (error as NodeJS.ErrnoException).code, error),
    });
  }
  return new Promise<CommandOutcome>((resolve) => {
    const stdout = new OutputTail(options.tailBytes ?? DEFAULT_TAIL_BYTES);
    const stderr = new OutputTail(options.tailBytes ?? DEFAULT_TAIL_BYTES);
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    let endedBy: 'timeout' | 'abort' | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: 'timeout' | 'abort') => {
      if (endedBy !== undefined || child.exitCode !== null || child.signalCode !== null) return;
      endedBy = why;
      signalGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timeout = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('abort');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    const cleanup = () => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      // 'error' without a pid is a spawn failure; with one it is a failed kill, which the exit reports anyway.
      if (child.pid !== undefined) return;
      cleanup();
      resolve({ status: 'failed-to-start', argv: command.argv, startedAt, error: new IncidentCommandStartError(command.argv, error.code, error) });
    });
    child.once('exit', (exitCode, signal) => {
      cleanup();
      const finish = () => {
        const endedAt = Date.now();
        const run: CommandRun = {
          argv: command.argv,
          pid: child.pid ?? 0,
          startedAt,
          endedAt,
          durationMs: endedAt - startedAt,
          stdoutTail: stdout.text(),
          stderrTail: stderr.text(),
          truncated: stdout.truncated || stderr.truncated,
        };
        if (endedBy === 'timeout') resolve({ ...run, status: 'timed-out', timeoutMs: options.timeoutMs });
        else if (endedBy === 'abort') resolve({ ...run, status: 'aborted' });
        else if (signal !== null) resolve({ ...run, status: 'signalled', signal });
        else resolve({ ...run, status: 'exited', exitCode: exitCode ?? 0 });
      };
      const streams = [child.stdout, child.stderr].filter((s) => s !== null && !s.closed);
      if (streams.length === 0) return finish();
      // Output still in the pipes arrives before 'close'; a grandchild that keeps them open is cut off after a short wait.
      let open = streams.length;
      const drainTimer = setTimeout(() => {
        for (const stream of streams) stream?.destroy();
      }, STDIO_DRAIN_MS);
      for (const stream of streams)
        stream?.once('close', () => {
          open -= 1;
          if (open === 0) {
            clearTimeout(drainTimer);
            finish();
          }
        });
    });
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already: nothing left to end.
  }
}
