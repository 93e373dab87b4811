/** Burst and soak load on the room endpoints. */
export { createLoadStep } from './load-step.js';
export { LOAD_DEFAULTS, LOAD_LIMITS } from './options.js';
export type { LoadStepOptions, LoadMode, LoadPhase, OperationMix } from './options.js';
export { LoadOperations, LOAD_ROLES } from './load-operations.js';
export type { LoadOperation, LoadRole } from './load-operations.js';
export { parseLoadSlos } from './load-slos.js';
export type { LoadSummary, OperationSummary } from '../model/load-summary.js';
export { loadMetricCatalog, COUNTERS, LOAD_SERIES } from './load-metrics.js';
export { OpenLoopScheduler } from './open-loop.js';
export type { OpenLoopObserver, OpenLoopOptions, OpenLoopOutcome, OpenLoopSnapshot, PreparedRequest } from './open-loop.js';
export { ArrivalSchedule } from './arrival-schedule.js';
export type { RateSegment } from './arrival-schedule.js';
export type { CleanupReport } from './room-cleanup.js';
