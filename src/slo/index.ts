/** SLOs as data: parse and validate before the run, evaluate after (or during) it. */
export { parseSlos, parseSlo } from './parse.js';
export type { ParseSloOptions } from './parse.js';
export { evaluateSlos, evaluateSlo, holds } from './evaluate.js';
export { SloWatch } from './watch.js';
export type { Slo, SloInput, SloStatistic, SloUnit, Comparator, MetricCatalog, MetricDefinition } from './types.js';
