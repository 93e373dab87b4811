import { closest, distance } from 'fastest-levenshtein';
import { ConfigError, ConfigErrors } from '../errors.js';
import type { Comparator, MetricCatalog, MetricDefinition, Slo, SloInput, SloScope, SloStatistic, SloUnit } from './types.js';
import { DURATION_FORMS, durationProblem, formatDuration, parseDuration } from '../config/duration.js';
import { isTimeUnit, timeUnitMs } from './units.js';

export interface ParseSloOptions {
  /** For error messages: the file the thresholds came from. */
  file?: string;
  /** For error messages: the path of the list in that file, e.g. `load.slos`; default `slos`. */
  path?: string;
  /** The line of each list item, when the caller knows it (YAML CST). */
  lineOf?: (index: number) => number | undefined;
  /** The step's window length: `over W` must be at least one window. */
  windowMs?: number;
  /**
   * The names `during`/`outside` may refer to (the run's steps and incidents).
   * Given, an unknown name is a config error; absent, names are not checked
   * here (a step's own factory parses before the run's names are known).
   */
  scopes?: readonly string[];
}

const EXPRESSION =
  /^\s*([A-Za-z_][\w.()]*)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h|%|\/s|\/m)?\s*(?:over\s+(\S+))?\s*(?:(during|outside)\s+(\S+))?\s*$/;
/** Step and incident names, as the scenario schema allows them (a suite-qualified name has a dot). */
const SCOPE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const STATISTIC = /(?:^|\.)(p\(?\d+(?:\.\d+)?\)?|max|min|mean|avg|count)$/;

const UNIT_OF_KIND: Record<Exclude<MetricDefinition['kind'], 'distribution'>, SloUnit> = {
  latency: 'ms',
  duration: 'ms',
  count: 'count',
  ratio: 'ratio',
  rate: 'per_second',
};

/**
 * Parse and validate thresholds BEFORE a run. Anything that names a metric,
 * operation or statistic the step does not know, or uses a unit that does not
 * fit the metric, is a ConfigError (exit 2) that says what would be valid —
 * a threshold that could never be checked must not pass silently.
 */
export function parseSlos(input: unknown, catalog: MetricCatalog, knownOperations: readonly string[], options: ParseSloOptions = {}): Slo[] {
  if (input === undefined || input === null) return [];
  const listPath = options.path ?? 'slos';
  const items: unknown[] = Array.isArray(input) ? input : [input];
  // Every threshold is parsed, so one run reports all bad ones (ConfigErrors), not the first.
  const problems: ConfigError[] = [];
  const slos = items.flatMap((item, index) => {
    const where = { file: options.file, line: options.lineOf?.(index), path: `${listPath}[${index}]` };
    const fail = (message: string, hint?: string): never => {
      throw new ConfigError(message, { ...where, ...(hint === undefined ? {} : { hint }) });
    };
    try {
      return [parseOne(item as SloInput, catalog, knownOperations, options, fail)];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
      return [];
    }
  });
  ConfigErrors.throwIfAny(problems);
  return slos;
}

/** Parse one threshold string (no YAML object form); convenient for `--slo`. */
export function parseSlo(text: string, catalog: MetricCatalog, knownOperations: readonly string[], options: ParseSloOptions = {}): Slo {
  return parseSlos([text], catalog, knownOperations, options)[0]!;
}

function parseOne(
  item: SloInput,
  catalog: MetricCatalog,
  knownOperations: readonly string[],
  options: ParseSloOptions,
  fail: (message: string, hint?: string) => never,
): Slo {
  const windowMs = options.windowMs;
  let text: string;
  let abortOnFail = false;
  let graceMs = 0;
  if (typeof item === 'string') {
    text = item;
  } else if (typeof item === 'object' && item !== null && typeof item.threshold === 'string') {
    text = item.threshold;
    const extra = Object.keys(item).filter((key) => !['threshold', 'abort_on_fail', 'grace'].includes(key));
    if (extra.length > 0) fail(`unknown key "${extra[0]}"`, 'an SLO object has `threshold`, and optionally `abort_on_fail` and `grace`');
    if (item.abort_on_fail !== undefined) {
      if (typeof item.abort_on_fail !== 'boolean') fail('abort_on_fail must be true or false');
      abortOnFail = item.abort_on_fail;
    }
    if (item.grace !== undefined) {
      const grace = typeof item.grace === 'string' ? parseDuration(item.grace) : undefined;
      if (grace === undefined)
        fail(
          `grace "${String(item.grace)}" is not a duration (${durationProblem(String(item.grace))})`,
          `write a duration such as ${DURATION_FORMS}, e.g. \`grace: 30s\``,
        );
      graceMs = grace;
    }
  } else {
    return fail(
      'an SLO must be a string like "create_room.p99 < 1s" or an object with a `threshold`',
      'e.g. `- p99 < 500ms` or `- { threshold: "error_rate < 0.1%", abort_on_fail: true, grace: 30s }`',
    );
  }

  const match = EXPRESSION.exec(text);
  if (match === null) {
    return fail(
      `"${text}" is not a threshold`,
      'write `[operation.][metric.]statistic <op> value[unit] [over duration]`, e.g. `create_room.p99 < 1s`, `error_rate < 0.1%`, `throughput > 100/s`',
    );
  }
  const [, selector = '', comparatorText, valueText = '', unitText, overText, scopeMode, scopeName] = match;
  const comparator = comparatorText as Comparator;

  // Selector: [operation.][metric.][statistic]
  let rest = selector;
  let statistic: SloStatistic | undefined;
  const statMatch = STATISTIC.exec(rest);
  if (statMatch !== null) {
    statistic = parseStatistic(statMatch[1]!, fail);
    rest = rest.slice(0, rest.length - statMatch[0].length);
  }
  const parts = rest === '' ? [] : rest.split('.');
  const metricNames = Object.keys(catalog.metrics);
  let operation: string | undefined;
  let metric: string | undefined;
  if (parts.length > 2)
    fail(`"${selector}" has too many parts`, 'write `[operation.][metric.]statistic`, e.g. `create_room.p99` or `create_room.service_time.p99`');
  if (parts.length === 2) {
    [operation, metric] = parts as [string, string];
  } else if (parts.length === 1) {
    const only = parts[0]!;
    if (Object.hasOwn(catalog.metrics, only)) metric = only;
    else if (knownOperations.includes(only)) operation = only;
    else {
      fail(
        `unknown metric or operation "${only}"${suggest(only, [...metricNames, ...knownOperations])}`,
        `metrics: ${metricNames.join(', ')}; operations: ${knownOperations.join(', ') || '(none)'}`,
      );
    }
  }
  if (metric === undefined) {
    if (statistic === undefined) fail(`"${selector}" names no metric`, `e.g. \`${selector}.p99 < 1s\``);
    metric = catalog.defaultLatency;
    if (metric === undefined) fail(`"${text}" needs a metric name`, `e.g. \`${metricNames[0] ?? 'metric'}.p95 < 5s\``);
  }
  if (!Object.hasOwn(catalog.metrics, metric)) {
    fail(`unknown metric "${metric}"${suggest(metric, metricNames)}`, `this step measures: ${metricNames.join(', ')}`);
  }
  const definition = catalog.metrics[metric]!;
  if (operation !== undefined) {
    if (!knownOperations.includes(operation)) {
      fail(`unknown operation "${operation}"${suggest(operation, knownOperations)}`, `operations: ${knownOperations.join(', ') || '(none)'}`);
    }
    if (definition.perOperation === false) fail(`${metric} is measured for the whole run, not per operation`, `drop "${operation}." from the threshold`);
  }

  // Statistic and unit must fit the metric's kind.
  const histogram = definition.kind === 'latency' || definition.kind === 'distribution';
  if (histogram && statistic === undefined) {
    const example = definition.kind === 'latency' ? '.p99 < 1s' : definition.unit === 'ratio' ? '.p95 < 2%' : '.p50 >= 8';
    fail(
      `${metric} is a ${definition.kind === 'latency' ? 'latency' : 'distribution'}: say which statistic`,
      `e.g. \`${metric}${example}\` (p50, p90, p95, p99, p999, max, mean)`,
    );
  }
  if (!histogram && statistic !== undefined) {
    fail(`${metric} is a ${definition.kind}, it has no ${describeStatistic(statistic)}`, `e.g. \`${metric} ${comparator} ${valueText}${unitText ?? ''}\``);
  }
  const unit = definition.kind === 'distribution' ? (statistic?.kind === 'count' ? 'count' : definition.unit) : UNIT_OF_KIND[definition.kind];
  const value = Number(valueText);
  const threshold = convert(
    value,
    unitText,
    definition.kind === 'distribution' ? (unit === 'ratio' ? 'ratio' : 'count') : definition.kind,
    metric,
    statistic,
    fail,
  );

  let windowLength: number | undefined;
  if (overText !== undefined) {
    windowLength = parseDuration(overText);
    if (windowLength === undefined)
      fail(`"over ${overText}" is not a duration (${durationProblem(overText)})`, `write a duration such as ${DURATION_FORMS}, e.g. \`p99 < 500ms over 1m\``);
    if (windowLength <= 0) fail(`"over ${overText}" is not a positive duration`);
    if (windowMs !== undefined && windowLength < windowMs) {
      fail(
        `"over ${overText}" is shorter than one metrics window (${formatDuration(windowMs)})`,
        `use over ${formatDuration(windowMs)} or more, or a shorter window`,
      );
    }
  }

  const scope =
    scopeMode === undefined ? undefined : parseScope(scopeMode as 'during' | 'outside', scopeName ?? '', overText, abortOnFail, options.scopes, fail);

  return {
    expression: text.trim(),
    metric,
    ...(operation === undefined ? {} : { operation }),
    ...(statistic === undefined ? {} : { statistic }),
    comparator,
    threshold,
    unit,
    ...(windowLength === undefined ? {} : { windowMs: windowLength }),
    abortOnFail,
    graceMs,
    ...(scope === undefined ? {} : { scope }),
  };
}

/**
 * `during <name>` / `outside <name>`: the name must be a step or incident of
 * the run (when the run's names are known), and the threshold is judged once
 * over the selected windows, after the run: no sliding window, no abort.
 */
function parseScope(
  mode: 'during' | 'outside',
  name: string,
  overText: string | undefined,
  abortOnFail: boolean,
  known: readonly string[] | undefined,
  fail: (message: string, hint?: string) => never,
): SloScope {
  if (!SCOPE_NAME.test(name)) fail(`"${mode} ${name}" does not name a step or incident`, `e.g. \`join_time.p95 < 8s during burst\``);
  if (overText !== undefined)
    fail(`"over ${overText}" and "${mode} ${name}" do not combine`, `a ${mode} threshold is judged once over the windows it selects; drop "over ${overText}"`);
  if (abortOnFail)
    fail(`abort_on_fail cannot be used with "${mode} ${name}"`, `a ${mode} threshold is judged after the steps it names have ended; drop abort_on_fail`);
  if (known !== undefined && !known.includes(name)) {
    fail(`"${mode} ${name}": no step or incident of that name in this run${suggest(name, known)}`, `steps and incidents: ${known.join(', ') || '(none)'}`);
  }
  return { mode, of: name };
}

function parseStatistic(text: string, fail: (message: string, hint?: string) => never): SloStatistic {
  if (text === 'avg' || text === 'mean') return { kind: 'mean' };
  if (text === 'max' || text === 'min' || text === 'count') return { kind: text };
  const digits = /^p\(?(\d+(?:\.\d+)?)\)?$/.exec(text)?.[1] ?? '';
  // p999 means 99.9, p9999 means 99.99 (HdrHistogram convention); p99.9 and p(99.9) are read literally.
  let percentile = Number(digits);
  if (!digits.includes('.') && digits.length > 2 && digits.startsWith('99')) percentile = Number(`99.${digits.slice(2)}`);
  if (!(percentile > 0 && percentile <= 100)) fail(`percentile ${text} is out of range`, 'use p50, p90, p95, p99, p999 …');
  return { kind: 'percentile', percentile };
}

function describeStatistic(statistic: SloStatistic): string {
  return statistic.kind === 'percentile' ? `p${statistic.percentile}` : statistic.kind;
}

function convert(
  value: number,
  unit: string | undefined,
  kind: Exclude<MetricDefinition['kind'], 'distribution'>,
  metric: string,
  statistic: SloStatistic | undefined,
  fail: (message: string, hint?: string) => never,
): number {
  switch (kind) {
    case 'latency':
      if (statistic?.kind === 'count') {
        if (unit !== undefined) fail(`a count takes no unit, got "${unit}"`);
        return value;
      }
      if (unit === undefined) return value; // bare numbers are ms, as in k6
      if (!isTimeUnit(unit)) fail(`${metric} is a latency; "${unit}" is not a time unit`, 'use us, ms, s or m, e.g. `p99 < 500ms`');
      return value * timeUnitMs(unit);
    case 'duration':
      if (unit === undefined) return value;
      if (!isTimeUnit(unit)) fail(`${metric} is a duration; "${unit}" is not a time unit`, `use ms, s or m, e.g. \`${metric} < 30s\``);
      return value * timeUnitMs(unit);
    case 'ratio':
      // toPrecision: 99.9 / 100 is 0.9990000000000001 in binary floating point.
      if (unit === '%') return Number((value / 100).toPrecision(12));
      if (unit !== undefined) fail(`${metric} is a ratio; "${unit}" does not fit`, `write a percentage, e.g. \`${metric} < 0.1%\``);
      if (value > 1 || value < 0) fail(`${metric} ${value} is not a ratio between 0 and 1`, `write a percentage, e.g. \`${metric} < ${value}%\``);
      return value;
    case 'rate':
      if (unit === undefined || unit === '/s') return value;
      if (unit === '/m') return value / 60;
      return fail(`${metric} is a rate; "${unit}" does not fit`, `e.g. \`${metric} > 100/s\``);
    case 'count':
      if (unit !== undefined) fail(`${metric} is a count; it takes no unit, got "${unit}"`, `e.g. \`${metric} == 0\``);
      return value;
  }
}

function suggest(name: string, candidates: readonly string[]): string {
  if (candidates.length === 0) return '';
  const best = closest(name, [...candidates]);
  return distance(name, best) <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean "${best}"?)` : '';
}
