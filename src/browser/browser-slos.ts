import { closest } from 'fastest-levenshtein';
import { ConfigError, ConfigErrors } from '../errors.js';
import { parseSlos, type ParseSloOptions } from '../slo/parse.js';
import type { MetricCatalog, Slo, SloInput } from '../slo/types.js';
import { BROWSER_OPERATION } from './browser-metrics.js';

/** `lossy:packet_loss.p95 < 1%`: a cohort's name, a colon, then any browser threshold. */
const COHORT_PREFIX = /^\s*([^\s:<>=!]+)\s*:\s*(\S.*)$/s;

/**
 * The browser step's thresholds: the SLO grammar (src/slo/parse.ts) with an
 * optional cohort in front, `lossy:join_time.p95 < 8s`, which judges only
 * that cohort's participants (the registry's operation is the cohort). A
 * threshold without one judges every participant. An unknown cohort is a
 * config error like an unknown metric, with every problem of the list
 * reported at once.
 */
export function parseBrowserSlos(input: unknown, catalog: MetricCatalog, cohorts: readonly string[], options: ParseSloOptions = {}): Slo[] {
  if (input === undefined || input === null) return [];
  const items: unknown[] = Array.isArray(input) ? input : [input];
  const listPath = options.path ?? 'slos';
  const errors: ConfigError[] = [];
  const cohortOf: (string | undefined)[] = [];
  const stripped = items.map((item, index) => {
    const text = thresholdText(item);
    const match = text === undefined ? null : COHORT_PREFIX.exec(text);
    if (match === null) {
      cohortOf.push(undefined);
      return item;
    }
    const [, cohort = '', rest = ''] = match;
    cohortOf.push(cohort);
    if (!cohorts.includes(cohort)) {
      errors.push(
        new ConfigError(
          cohorts.length === 0
            ? `"${cohort}:" names a cohort, and this step has none`
            : `unknown cohort "${cohort}"${cohorts.length > 0 ? ` (did you mean "${closest(cohort, [...cohorts])}"?)` : ''}`,
          {
            ...(options.file === undefined ? {} : { file: options.file }),
            ...(options.lineOf?.(index) === undefined ? {} : { line: options.lineOf(index)! }),
            path: `${listPath}[${index}]`,
            hint: cohorts.length === 0 ? 'define `cohorts` on the step, or drop the prefix to judge every participant' : `cohorts: ${cohorts.join(', ')}`,
          },
        ),
      );
    }
    return typeof item === 'string' ? rest : { ...(item as object), threshold: rest };
  });
  let parsed: Slo[] = [];
  try {
    parsed = parseSlos(stripped, catalog, [BROWSER_OPERATION], options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    errors.push(...(error instanceof ConfigErrors ? error.errors : [error]));
  }
  ConfigErrors.throwIfAny(errors);
  return parsed.map((slo, index) => {
    const cohort = cohortOf[index];
    if (cohort === undefined) return slo;
    return { ...slo, expression: (thresholdText(items[index]) ?? slo.expression).trim(), operation: cohort };
  });
}

function thresholdText(item: unknown): string | undefined {
  if (typeof item === 'string') return item;
  if (typeof item === 'object' && item !== null && typeof (item as { threshold?: unknown }).threshold === 'string')
    return (item as Exclude<SloInput, string>).threshold;
  return undefined;
}
