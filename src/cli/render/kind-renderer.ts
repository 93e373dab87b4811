import type { CheckResult, StepResult } from '../../model/result.js';

/**
 * What one step kind adds to the run console (progress.ts draws the rest:
 * the plan, start and result lines, windows and progress): contract-type
 * steps a line per check as it completes, load steps their operations table,
 * browser steps a line per participant. Every hook is optional and returns
 * the text to print (lines without the final newline), or nothing.
 */
export interface KindRenderer {
  /** A check of a step of this kind just completed. */
  check?(result: CheckResult, color: boolean): string | undefined;
  /** An info-level log line of a step of this kind (warnings and errors are printed for every kind). */
  info?(step: string, message: string): string | undefined;
  /** Printed before the step's result line, for a step that ran (not for a skipped one). */
  stepEnd?(result: StepResult, color: boolean): string | undefined;
}

export type KindRenderers = Partial<Record<StepResult['kind'], KindRenderer>>;
