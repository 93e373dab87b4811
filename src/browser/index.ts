/** Headless browser participants: the step, its options, the adapter and the summary shape. */
export { createBrowserStep } from './browser-step.js';
export { buildBrowserStep, type BrowserStepConfig } from './build-browser-step.js';
export { BROWSER_DEFAULTS, FAILURE_LABELS } from './options.js';
export type {
  Adapter,
  AdapterAction,
  BrowserStepOptions,
  FailureLabel,
  OverloadThresholds,
  PagePredicate,
  ParticipantPlan,
  RefusalPredicate,
} from './options.js';
export { REFERENCE_ADAPTER } from './adapters/reference.js';
export { loadAdapterFile, validateAdapter, compileDeclarativeAdapter } from './adapters/declarative.js';
export { resolveAdapter, toPageAdapter } from './adapters/load-adapter.js';
export type { AdapterInput, AdapterReference } from './adapters/load-adapter.js';
export { defineAdapter } from './adapters/types.js';
export type { PageAdapter, ParticipantInfo, AdapterCallContext, RoomRequest, AdapterRoom, AdapterModuleExport } from './adapters/types.js';
export { janusVideoRoomAdapter } from './adapters/janus-videoroom.js';
export type { JanusVideoRoomOptions } from './adapters/janus-videoroom.js';
export { browserMetricCatalog, BROWSER_SERIES, BROWSER_COUNTERS, BROWSER_OPERATION } from './browser-metrics.js';
export { parseArrival } from './arrival.js';
export { wilsonInterval } from './wilson.js';
export type { ProportionInterval } from './wilson.js';
export type { BrowserStepSummary, ParticipantSummary, ParticipantQuality, RoomSummary } from '../model/browser-summary.js';
export { findChromium } from './launch/find-chromium.js';
