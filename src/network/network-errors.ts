import { ConfigError, InvalidRunError } from '../errors.js';

/**
 * A cohort network profile that is malformed, or that asks for something this
 * host cannot do (exit 2, raised while planning, before anything runs).
 * `path` names the offending field (`cohorts[1].network.delay`) so the config
 * loader can point at its file and line.
 */
export class NetworkProfileError extends ConfigError {}

/**
 * The network lab could not be built, changed or removed while the run was
 * under way (exit 3: nothing measured under the network the run promised).
 * Carries the command that failed and what it printed.
 */
export class NetworkLabError extends InvalidRunError {
  readonly command: readonly string[] | undefined;
  readonly stderr: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown; command?: readonly string[]; stderr?: string } = {}) {
    super(message, options);
    this.command = options.command;
    this.stderr = options.stderr;
  }
}
