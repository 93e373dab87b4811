import { ExitCode, InterruptedError } from '../errors.js';

/** The exit code of a run stopped by `signal`: 128 + its number, what shells, npm and Kubernetes report for it. */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted;
}

export interface Interrupt {
  /** Aborted on the first SIGINT/SIGTERM, with an InterruptedError as its reason. */
  signal: AbortSignal;
  /** The first signal received, if any. */
  readonly received: NodeJS.Signals | undefined;
  /** Treat `name` as received now (a signal the npm relay knows npm got): the same path as a real one. */
  raise(name: NodeJS.Signals): void;
  dispose(): void;
}

export interface InterruptHooks {
  /**
   * Called synchronously on the first signal, before the run starts draining:
   * the moment to make the run folder say "interrupted" (a caller that sees
   * npm exit at once must not find a report that says passed).
   */
  onFirst?(name: NodeJS.Signals): void;
  /** Called synchronously on the second signal, just before the process exits without waiting for cleanup. */
  beforeForcedExit?(name: NodeJS.Signals): void;
}

/**
 * An AbortSignal that fires on SIGINT/SIGTERM with an InterruptedError as its
 * reason, so steps can drain, clean up and write partial results. A second
 * signal means "stop now": exit at once with the first signal's code.
 */
export function interruptSignal(
  /** What stopping means for this command, shown after the signal name. */
  stopping = 'stopping: draining in-flight work, cleaning up, writing partial results',
  hooks: InterruptHooks = {},
): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (received !== undefined) {
      process.stderr.write(`roomgate: second ${name}, exiting without waiting for cleanup\n`);
      try {
        hooks.beforeForcedExit?.(received);
      } finally {
        process.exit(exitCodeForSignal(received));
      }
    }
    received = name;
    process.stderr.write(`roomgate: ${name} received, ${stopping} (press Ctrl-C again to exit now)\n`);
    try {
      hooks.onFirst?.(name);
    } catch (error) {
      process.stderr.write(`roomgate: could not mark the run folder as interrupted: ${(error as Error).message}\n`);
    }
    controller.abort(new InterruptedError(`interrupted by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    raise: (name) => {
      if (received === undefined) onSignal(name);
    },
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
