import { InterruptedError } from '../errors.js';

/**
 * An AbortSignal that fires on SIGINT/SIGTERM with an InterruptedError as its
 * reason, so steps can drain, clean up and write partial results. A second
 * signal means "stop now": exit 130 immediately.
 */
export function interruptSignal(
  /** What stopping means for this command, shown after the signal name. */
  stopping = 'stopping: draining in-flight work, cleaning up, writing partial results',
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`roomgate: second ${name}, exiting without waiting for cleanup\n`);
      process.exit(130);
    }
    process.stderr.write(`roomgate: ${name} received, ${stopping} (press Ctrl-C again to exit now)\n`);
    controller.abort(new InterruptedError(`interrupted by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
