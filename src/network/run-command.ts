import { execFile } from 'node:child_process';
import { NetworkLabError } from './network-errors.js';

/**
 * Every command the lab runs (ip, tc, nft, node inside a namespace): argument
 * arrays, never a shell string, and a bounded time. A tc or nft that hangs
 * (a wedged netlink socket) must fail the setup, not the run's deadline.
 */

export const COMMAND_TIMEOUT_MS = 15_000;

export type CommandOutcome = { ok: true; stdout: string; stderr: string } | { ok: false; stdout: string; stderr: string; reason: string; missing: boolean };

export interface CommandOptions {
  /** Written to the command's stdin (nft -f -). */
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

/** Run `file args`; never throws for a failing command (the outcome says why). */
export function runCommand(file: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      [...args],
      {
        timeout: options.timeoutMs ?? COMMAND_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 8 * 1024 * 1024,
        encoding: 'utf8',
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ ok: true, stdout, stderr });
        const code = (error as NodeJS.ErrnoException).code;
        const missing = code === 'ENOENT';
        const reason = missing
          ? `${file} is not installed (or not on PATH)`
          : error.name === 'AbortError'
            ? 'aborted'
            : (error as { killed?: boolean }).killed === true
              ? `did not finish within ${options.timeoutMs ?? COMMAND_TIMEOUT_MS} ms`
              : firstLine(stderr) || error.message;
        resolve({ ok: false, stdout, stderr, reason, missing });
      },
    );
    // A command that never reads stdin (or died) must not turn an EPIPE into an uncaught error.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

/** Run a command that must succeed; a failure is a NetworkLabError naming the command and its output. */
export async function mustRun(file: string, args: readonly string[], options: CommandOptions & { what: string }): Promise<string> {
  options.signal?.throwIfAborted();
  const outcome = await runCommand(file, args, options);
  if (outcome.ok) return outcome.stdout;
  options.signal?.throwIfAborted();
  throw new NetworkLabError(`${options.what} failed: \`${[file, ...args].join(' ')}\`: ${outcome.reason}`, {
    command: [file, ...args],
    stderr: outcome.stderr,
    hint: outcome.missing
      ? `install ${file === 'nft' ? 'nftables' : 'iproute2'} (apt-get install iproute2 nftables)`
      : 'run `roomgate` with the same profile again; if it keeps failing, check `dmesg` and that no other tool manages these namespaces',
  });
}

export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? ''
  );
}
