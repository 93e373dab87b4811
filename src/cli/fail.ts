import { ConfigError, ConfigErrors, ExitCode, RoomgateError } from '../errors.js';

/**
 * The one place errors become output and exit codes. Typed errors print their
 * message and hint; anything else is a bug and prints its stack.
 */
export function reportFatal(error: unknown): number {
  if (error instanceof ConfigErrors) {
    process.stderr.write(`roomgate: ${error.errors.length} problems in the configuration:\n`);
    for (const each of error.errors) {
      process.stderr.write(`roomgate: ${each.located}\n`);
      if (each.hint !== undefined) process.stderr.write(`  hint: ${each.hint}\n`);
    }
    return error.exitCode;
  }
  if (error instanceof RoomgateError) {
    const text = error instanceof ConfigError ? error.located : error.message;
    process.stderr.write(`roomgate: ${text}\n`);
    if (error.hint !== undefined) process.stderr.write(`  hint: ${error.hint}\n`);
    return error.exitCode;
  }
  process.stderr.write(`roomgate: unexpected error (this is a bug, please report it):\n${(error as Error)?.stack ?? String(error)}\n`);
  return ExitCode.invalidRun;
}

/** Run a command body and set the exit code from its result or its error. */
export async function execute(body: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (error) {
    process.exitCode = reportFatal(error);
  }
}
