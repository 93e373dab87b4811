/**
 * Typed errors. Every error a user can cause or meet carries the exit code the
 * CLI should use and a hint that says how to fix the problem. Only src/cli/
 * turns them into output and an exit code.
 */

/** Exit codes, per DESIGN.md. */
export const ExitCode = {
  passed: 0,
  gateFailed: 1,
  usage: 2,
  invalidRun: 3,
  /** Interrupted by SIGINT (128 + 2); a partial report was written. */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15), as shells, npm and Kubernetes report it; a partial report was written. */
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class RoomgateError extends Error {
  abstract readonly exitCode: ExitCode;
  /** One sentence telling the user what to do about it. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad flags or arguments (exit 2). */
export class UsageError extends RoomgateError {
  readonly exitCode = ExitCode.usage;
}

/**
 * A scenario, suite, SLO or spec that is not valid (exit 2). `location` is
 * rendered as `file:line path` so the message reads
 * `scenarios/soak.yaml:14 load.rate must be > 0`.
 */
export class ConfigError extends RoomgateError {
  readonly exitCode = ExitCode.usage;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly path: string | undefined;

  constructor(message: string, options: { file?: string; line?: number; path?: string; hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.file = options.file;
    this.line = options.line;
    this.path = options.path;
  }

  /** `file:line: path message`, the form editors and CI logs link to. */
  get located(): string {
    const where = this.file === undefined ? '' : `${this.file}${this.line === undefined ? '' : `:${this.line}`}: `;
    const path = this.path === undefined || this.path === '' ? '' : `${this.path} `;
    return `${where}${path}${this.message}`;
  }
}

/**
 * Several config errors found in one pass (exit 2), in file and line order,
 * so a user fixes them all at once instead of one per run. It is itself the
 * first of them (message, location and hint), so code that reads one
 * ConfigError still works; the CLI prints every one.
 */
export class ConfigErrors extends ConfigError {
  readonly errors: readonly ConfigError[];

  constructor(errors: readonly ConfigError[]) {
    const sorted = sortByLocation(errors.flatMap((e) => (e instanceof ConfigErrors ? e.errors : [e])));
    const first = sorted[0];
    if (first === undefined) throw new Error('ConfigErrors needs at least one error');
    super(first.message, {
      ...(first.file === undefined ? {} : { file: first.file }),
      ...(first.line === undefined ? {} : { line: first.line }),
      ...(first.path === undefined ? {} : { path: first.path }),
      ...(first.hint === undefined ? {} : { hint: first.hint }),
    });
    this.errors = sorted;
  }

  /** Throw nothing for no errors, the error itself for one, a ConfigErrors for several. */
  static throwIfAny(errors: readonly ConfigError[]): void {
    if (errors.length === 1) throw errors[0]!;
    if (errors.length > 1) throw new ConfigErrors(errors);
  }
}

function sortByLocation(errors: readonly ConfigError[]): ConfigError[] {
  // Files in the order they were first met (the order the user gave them), then by line.
  const fileOrder = new Map<string, number>();
  for (const e of errors) if (!fileOrder.has(e.file ?? '')) fileOrder.set(e.file ?? '', fileOrder.size);
  return [...errors].sort((a, b) => fileOrder.get(a.file ?? '')! - fileOrder.get(b.file ?? '')! || (a.line ?? 0) - (b.line ?? 0));
}

/** The target could not be reached at all (exit 3): nothing was measured. */
export class TargetUnreachableError extends RoomgateError {
  readonly exitCode = ExitCode.invalidRun;
}

/**
 * The run produced numbers that cannot be trusted (exit 3): the load generator
 * fell behind its schedule, or the browser host was overloaded.
 */
export class InvalidRunError extends RoomgateError {
  readonly exitCode = ExitCode.invalidRun;
}

/** The run was interrupted by SIGINT/SIGTERM; a partial report was written (exit 130, 143 for SIGTERM). */
export class InterruptedError extends RoomgateError {
  readonly exitCode = ExitCode.interrupted;
}

/** True when an AbortSignal's reason means "the user interrupted us". */
export function isInterruption(reason: unknown): boolean {
  return reason instanceof InterruptedError;
}
