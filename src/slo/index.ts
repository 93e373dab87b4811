/** SLOs as data: parse and validate before the run, evaluate after (or during) it. */
export { parseSlos, parseSlo } from './parse.js';
export type { ParseSloOptions } from './parse.js';
export { evaluateSlos, evaluateSlo, evaluateOverWindows, holds } from './evaluate.js';
export { evaluateInScope, verdictsPerWindow, windowsInScope, placedWindows, overlaps, type Interval, type PlacedWindow } from './scope.js';
export { SloWatch } from './watch.js';
export type { Slo, SloInput, SloScope, SloStatistic, SloUnit, Comparator, MetricCatalog, MetricDefinition } from './types.js';
